import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  delayLabel,
  formatDuration,
  guardLabel,
  isMachine,
  stateDetails,
  triggerLabel,
  walkMachine,
} from '../../scripts/diagrams/walk.js';
import { basicMachine, nestedMachine, parallelMachine } from './fixtures.js';

test('isMachine detects machines by shape', () => {
  assert.ok(isMachine(basicMachine));
  assert.not.ok(isMachine({ id: 'x', root: {}, config: {} }));
  assert.not.ok(isMachine(null));
  assert.not.ok(isMachine('basicMachine'));
});

test('durations read naturally', () => {
  assert.is(formatDuration(10_000), '10s');
  assert.is(formatDuration(500), '500ms');
  assert.is(formatDuration(1500), '1.5s');
  assert.is(formatDuration(60_000), '60s');
  assert.is(formatDuration(300_000), '5min');
  assert.is(formatDuration(7_200_000), '2h');
});

test('delays: named number, function of context, unevaluable, literal', () => {
  assert.is(delayLabel(basicMachine, 'blockDuration'), 'after blockDuration (10s)');
  assert.is(delayLabel(basicMachine, 'loginTimeout'), 'after loginTimeout (30s)');
  assert.is(delayLabel(basicMachine, 'broken'), 'after broken');
  assert.is(delayLabel(basicMachine, 'unknownDelay'), 'after unknownDelay');
  assert.is(delayLabel(basicMachine, '250'), 'after 250ms');
});

test('internal event names are translated', () => {
  const names = new Map([['x.y[0]', 'verify']]);
  const t = (type: string) => triggerLabel(basicMachine, type, 'basic.Running', names).trigger;
  assert.is(t('xstate.after.blockDuration.basic.Running'), 'after blockDuration (10s)');
  assert.is(t('xstate.done.actor.x.y[0]'), 'done: verify');
  assert.is(t('xstate.error.actor.x.y[0]'), 'error: verify');
  assert.is(t('xstate.done.actor.plain'), 'done: plain');
  assert.is(t('xstate.done.state.basic.Running'), 'done');
  assert.is(t(''), 'always');
  assert.is(t('START'), 'START');
});

test('guards: names, objects, higher-order', () => {
  assert.is(guardLabel('canStart'), 'canStart');
  assert.is(guardLabel({ type: 'canStart', params: { n: 1 } }), 'canStart');
  assert.is(guardLabel(undefined), undefined);
  assert.is(guardLabel(() => true), 'guarded');
});

test('model: states tree, initial, kinds, edges', () => {
  const m = walkMachine(basicMachine);
  assert.is(m.id, 'basic');
  assert.is(m.root.initialId, 'basic.Idle');
  assert.equal(
    m.root.children.map((s) => [s.key, s.kind]),
    [
      ['Idle', 'atomic'],
      ['Running', 'atomic'],
      ['Done', 'final'],
    ],
  );
  const start = m.edges.find((e) => e.trigger === 'START');
  assert.equal(start && { ...start }, {
    source: 'basic.Idle',
    target: 'basic.Running',
    kind: 'event',
    trigger: 'START',
    guard: 'canStart',
    actions: ['log'],
    reenter: false,
    label: 'START [canStart] / log',
    eventType: 'START',
    delayMs: undefined,
  });
  const delayed = m.edges.filter((e) => e.kind === 'after').map((e) => [e.eventType, e.delayMs]);
  assert.equal(delayed, [
    ['xstate.after.loginTimeout.basic.Idle', 30_000],
    ['xstate.after.broken.basic.Idle', undefined],
    ['xstate.after.1500.basic.Running', 1500],
    ['xstate.after.blockDuration.basic.Running', 10_000],
  ]);
  const ping = m.edges.find((e) => e.trigger === 'PING');
  assert.is(ping?.target, undefined);
  assert.equal(stateDetails(m, m.states.get('basic.Idle')!), ['entry / reset', 'PING / log']);
  assert.equal(stateDetails(m, m.states.get('basic.Running')!), ['exit / log']);
  for (const e of m.edges) assert.not.match(e.label, /xstate\./);
});

test('model: invoke, history, parallel', () => {
  const n = walkMachine(nestedMachine);
  assert.equal(n.states.get('nested.auth.checking')?.invokes, ['verifyCredentials']);
  assert.equal(n.states.get('nested.active')?.invokes, ['heartbeat']);
  assert.is(n.states.get('nested.auth.hist')?.history, 'deep');
  assert.ok(n.edges.some((e) => e.label === 'done: verifyCredentials [accepted]' && e.target === 'nested.auth.ok'));
  assert.ok(n.edges.some((e) => e.label === 'error: verifyCredentials' && e.target === 'nested.closed'));
  assert.ok(n.edges.some((e) => e.label === 'done' && e.source === 'nested.auth' && e.target === 'nested.active'));
  const p = walkMachine(parallelMachine);
  assert.is(p.root.kind, 'parallel');
  assert.equal(p.root.children.map((c) => c.kind), ['compound', 'compound']);
});

test.run();
