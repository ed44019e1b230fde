// The explorer's pure parts: what a snapshot value stands for, transitions and reachable states,
// the simulation machine (guards picked by the event, actors and timers under the page's control),
// and the test paths listed for each machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock, type AnyStateMachine } from 'xstate';
import { fileURLToPath } from 'node:url';
import { buildFiles, loadMachines } from '../../scripts/diagrams/build.js';
import { activeStateIds, reachableFrom, transitionsOf, type ExplorerMachine } from '../../scripts/diagrams/explorer-model.js';
import { ALWAYS_EVENT, guardAtoms, simulationEvent, simulationMachine } from '../../scripts/diagrams/simulation.js';
import { sessionMachine } from '../../machines/session.machine.js';

const machinesDir = fileURLToPath(new URL('../../machines', import.meta.url));
const found = await loadMachines(machinesDir);
const files = await buildFiles(found);
const data = JSON.parse(/<script type="application\/json" id="explorer-data">(.*?)<\/script>/s.exec(files.get('index.html') ?? '')?.[1] ?? '[]') as ExplorerMachine[];
const session = data.find((m) => m.machineId === 'session') as ExplorerMachine;

test('every machine of machines/ has a description and test paths on the page', () => {
  assert.equal(data.map((m) => m.name), found.map((f) => f.name));
  for (const m of data) {
    assert.ok(m.description.length > 40, `${m.name}: ${m.description}`);
    assert.ok(m.paths.length > 0, `${m.name} has no test paths`);
  }
});

test('test paths take every drawn transition of every machine, and each step names its arrow', () => {
  for (const m of data) {
    const taken = new Set(m.paths.flatMap((p) => p.steps.flatMap((s) => s.edges)));
    const drawn = new Set(m.transitions.flatMap((t) => (t.svgEdge === undefined ? [] : [t.svgEdge])));
    assert.equal([...drawn].filter((e) => !taken.has(e)), [], `${m.name}: arrows no path takes`);
    for (const p of m.paths) {
      assert.is(p.steps[0]?.label, 'start');
      for (const s of p.steps.slice(1)) assert.not.match(s.label, /xstate\./, `${m.name}: ${p.title}`);
    }
  }
});

test('activeStateIds: a snapshot value to state ids, ancestors first', () => {
  const root = session.states[0]?.id ?? '';
  const compound = session.states.find((s) => s.kind === 'compound' && s.parentId !== undefined);
  assert.ok(compound, 'the session has a compound state');
  const child = session.states.find((s) => s.parentId === compound?.id);
  assert.equal(activeStateIds(session, { [compound?.key ?? '']: child?.key }), [root, compound?.id, child?.id]);
  assert.equal(activeStateIds(session, 'no-such-state'), [root]);
});

test('transitionsOf includes the ancestors’ transitions; a final state has none and reaches nothing', () => {
  const compound = session.states.find((s) => s.kind === 'compound' && s.parentId !== undefined && session.transitions.some((t) => t.source === s.id));
  const child = session.states.find((s) => s.parentId === compound?.id) ;
  assert.ok(compound && child);
  const list = transitionsOf(session, child?.id ?? '');
  assert.ok(list.some((t) => t.from === compound?.id), 'inherits its parent’s transitions');
  const final = session.states.find((s) => s.kind === 'final');
  assert.equal(transitionsOf(session, final?.id ?? ''), []);
  assert.equal(reachableFrom(session, final?.id ?? ''), []);
});

test('reachableFrom follows targets and initial states, in document order', () => {
  const lockout = data.find((m) => m.machineId === 'lockout') as ExplorerMachine;
  const initial = lockout.states[0]?.initialId ?? '';
  const all = lockout.states.slice(1).map((s) => s.id);
  // From the initial state, a lockout can get everywhere (and back).
  assert.equal(reachableFrom(lockout, initial), all);
});

test('guardAtoms: the named guards a branch needs', () => {
  assert.equal(guardAtoms(undefined), []);
  assert.equal(guardAtoms('accepted'), ['accepted']);
  assert.equal(guardAtoms('canStart and (not isBlocked)'), ['canStart']);
  assert.equal(guardAtoms('(a and b) or c'), ['a', 'b']);
  assert.equal(guardAtoms('in(#x.y)'), []);
});

test('simulation machine: guards follow the event, actors wait, timers run on the simulated clock', () => {
  const m = simulationMachine(sessionMachine as unknown as AnyStateMachine);
  const clock = new SimulatedClock();
  const waiting = createActor(m, { input: {}, clock }).start();
  // No I/O happens and the login timer fires only when the clock is advanced.
  const timeout = session.transitions.find((t) => t.kind === 'after');
  assert.ok(timeout?.delayMs);
  clock.increment((timeout?.delayMs ?? 0) - 1);
  assert.is(waiting.getSnapshot().status, 'active');
  clock.increment(1);
  // The timeout drains the connection, whose "commands answered" actor waits for a click.
  assert.is(activeStateIds(session, waiting.getSnapshot().value).at(-1), timeout?.target);

  // Every guarded branch of one event can be picked by naming its guard.
  const branches = session.transitions.filter((t) => t.kind === 'done' && t.guard !== undefined);
  assert.ok(branches.length >= 2);
  for (const branch of branches) {
    const actor = createActor(m, { input: {}, clock: new SimulatedClock() }).start();
    const path = session.paths.find((p) => p.steps.some((s) => s.label.startsWith(`${branch.trigger} [${branch.guard}]`)));
    assert.ok(path, `a path takes ${branch.label}`);
    // Walk the path's events up to the branch, through the real machine logic.
    for (const step of path?.steps.slice(1) ?? []) {
      const t = session.transitions.find((x) => step.label.startsWith(x.label));
      assert.ok(t, step.label);
      actor.send(simulationEvent(t?.kind === 'always' ? ALWAYS_EVENT : (t?.eventType ?? ''), t?.guard));
      if (t === branch) break;
    }
    const leaf = activeStateIds(session, actor.getSnapshot().value).at(-1);
    assert.is(leaf, branch.target, branch.label);
  }
});

test.run();
