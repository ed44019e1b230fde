// The live view's parts without a browser: the census of actors per state, the transitions it
// reports only while someone listens (event types and user names, never payloads), and the
// addresses it treats as loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { lockoutMachine } from '../../machines/lockout.machine.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { ActorCensus, type ObservedTransition } from '../../src/server/inspect/actor-census.js';
import { isLoopback } from '../../src/server/inspect/live-inspection.js';
import { readableEventType, stateIdsOf } from '../../src/server/inspect/state-ids.js';

test('counts: every live actor in each state (compound states too); ended actors leave', () => {
  const census = new ActorCensus();
  const clock = new SimulatedClock();
  const lockout = census.watch(lockoutMachine);
  const a = createActor(lockout, { input: { maxFailures: 2 }, clock }).start();
  const b = createActor(lockout, { input: { maxFailures: 2 }, clock }).start();
  assert.equal(census.counts().lockout, { 'lockout.clear': 2 });
  a.send({ type: 'FAILED' });
  assert.equal(census.counts().lockout, { 'lockout.clear': 1, 'lockout.failing': 1 });
  b.stop();
  assert.equal(census.counts().lockout, { 'lockout.failing': 1 });
  // A session in a compound state counts there and in its child.
  const session = census.watch(sessionMachine);
  const s = createActor(session, { input: { connectionId: 1 } }).start();
  const counts = census.counts().session ?? {};
  const ids = stateIdsOf(sessionMachine, s.getSnapshot().value);
  assert.ok(ids.length >= 2, 'nested');
  for (const id of ids) assert.is(counts[id], 1, id);
  s.send({ type: 'DISCONNECTED' });
  assert.is(s.getSnapshot().status, 'done');
  assert.equal(census.counts().session, {}, 'a finished session is no longer counted');
  assert.is(census.size, 1);
  a.stop();
});

test('transitions are reported only while listening, with the event type and user name only', () => {
  const census = new ActorCensus();
  const session = census.watch(sessionMachine);
  const quiet = createActor(session, { input: { connectionId: 1 } }).start();
  const seen: ObservedTransition[] = [];
  quiet.send({ type: 'USERNAME', requestId: 1, username: 'Yoda', accountLocked: false });
  const stop = census.onTransition((t) => seen.push(t));
  assert.equal(seen, [], 'nothing before listening');
  quiet.send({ type: 'PASSWORD', requestId: 2, password: 'wise@!manbaby', udpPort: 1 });
  const fresh = createActor(session, { input: { connectionId: 2 } }).start();
  fresh.send({ type: 'COMMAND', requestId: 3, command: '/msgto', args: ['Hans', 'secret text'] });
  assert.equal(
    seen.map((t) => [t.actor, t.event, t.from.at(-1), t.to.at(-1), t.user]),
    [
      ['session 1', 'PASSWORD', 'session.authenticating.awaitingPassword', 'session.authenticating.verifying', 'Yoda'],
      ['session 2', 'start', undefined, 'session.authenticating.awaitingUsername', undefined],
    ],
  );
  const text = JSON.stringify(seen);
  assert.not.match(text, 'wise@!manbaby');
  assert.not.match(text, 'secret text');
  stop();
  fresh.send({ type: 'DISCONNECTED' });
  assert.is(seen.length, 2, 'nothing after the last listener left');
  quiet.stop(); // its login timer would keep this process alive
});

test('event names read as on the diagrams', () => {
  assert.is(readableEventType('xstate.init'), 'start');
  assert.is(readableEventType('xstate.after.loginTimeout.session.authenticating'), 'after loginTimeout');
  assert.is(readableEventType('xstate.done.actor.0.session.authenticating.verifying'), 'done');
  assert.is(readableEventType('LOGOUT'), 'LOGOUT');
});

test('loopback addresses: only these keep the live view private to this machine', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(host), host);
  for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org']) assert.not.ok(isLoopback(host), host);
});

test.run();
