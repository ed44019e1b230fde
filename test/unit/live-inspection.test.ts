// The live view's parts without a browser: the census of actors per state, the transitions it
// reports only while someone listens (event types and user names, never payloads), and the
// addresses it treats as loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { lockoutMachine } from '../../machines/lockout.machine.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ActorCensus, type ObservedTransition } from '../../src/server/inspect/actor-census.js';
import { LiveFeed, MAX_VIEWERS } from '../../src/server/inspect/live-feed.js';
import { announcement, isLoopback } from '../../src/server/inspect/live-inspection.js';
import { readableEventType, stateIdsOf } from '../../src/server/inspect/state-ids.js';

const LIMITS = { protocolVersion: 1, maxBadMessages: 10, maxUnauthenticatedMessages: 20 };
// The lockout check never answers, so a session that sent its username stays in checkingLockout.
const session = sessionMachine.provide({
  actors: {
    checkLockout: fromPromise<{ locked: boolean }, { connectionId: number; username: string }>(
      () => new Promise(() => {}),
    ),
  },
});

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
  const watched = census.watch(session);
  const s = createActor(watched, { input: { connectionId: 1, limits: LIMITS } }).start();
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

test('many actors: stopped ones are swept as new ones start, and every new one starts normally', () => {
  const census = new ActorCensus();
  const lockout = census.watch(lockoutMachine);
  const actors = Array.from({ length: 300 }, () =>
    createActor(lockout, { input: { maxFailures: 3 } }).start(),
  );
  assert.is(census.counts().lockout?.['lockout.clear'], 300);
  for (const a of actors.slice(0, 250)) a.stop(); // stopped from outside: no final transition
  const more = Array.from({ length: 300 }, () =>
    createActor(lockout, { input: { maxFailures: 3 } }).start(),
  );
  assert.ok(more.every((a) => a.getSnapshot().status === 'active'));
  assert.is(census.counts().lockout?.['lockout.clear'], 350);
  assert.ok(census.size <= 350, `swept: ${census.size}`);
  for (const a of [...actors, ...more]) a.stop();
});

test('transitions are reported only while listening, with the event type and user name only', () => {
  const census = new ActorCensus();
  const watched = census.watch(session);
  const quiet = createActor(watched, { input: { connectionId: 1, limits: LIMITS } }).start();
  const seen: ObservedTransition[] = [];
  quiet.send({ type: 'HELLO', version: 1 });
  const stop = census.onTransition((t) => seen.push(t));
  assert.equal(seen, [], 'nothing before listening');
  quiet.send({ type: 'REQUEST', step: 'username', requestId: 1, username: 'Yoda' });
  // Requests wait their turn while the lockout is consulted: the password changes no state yet.
  quiet.send({
    type: 'REQUEST',
    step: 'password',
    requestId: 2,
    password: 'wise@!manbaby',
    udpPort: 1,
  });
  const fresh = createActor(watched, { input: { connectionId: 2, limits: LIMITS } }).start();
  fresh.send({ type: 'HELLO', version: 1 });
  assert.equal(
    seen.map((t) => [t.actor, t.event, t.from.at(-1), t.to.at(-1), t.user]),
    [
      [
        'session 1',
        'REQUEST username',
        'session.open.authenticating.awaitingUsername',
        'session.open.authenticating.checkingLockout',
        'Yoda',
      ],
      ['session 2', 'start', undefined, 'session.open.authenticating.handshake', undefined],
      [
        'session 2',
        'HELLO',
        'session.open.authenticating.handshake',
        'session.open.authenticating.awaitingUsername',
        undefined,
      ],
    ],
  );
  const text = JSON.stringify(seen);
  assert.not.match(text, 'wise@!manbaby');
  stop();
  fresh.send({ type: 'DISCONNECTED' });
  assert.is(seen.length, 3, 'nothing after the last listener left');
  // Their login timers would keep this process alive.
  quiet.stop();
  fresh.stop();
});

/** Just enough of an HTTP response for the feed: records what is written. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  private wake: (() => void) | undefined;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.wake?.();
    return true;
  }
  end(): void {
    this.emit('close');
  }
  /** The messages (data lines) so far. */
  get messages(): {
    counts: Record<string, Record<string, number>>;
    transitions: ObservedTransition[];
  }[] {
    return this.chunks.filter((c) => c.startsWith('data: ')).map((c) => JSON.parse(c.slice(6)));
  }
  /** Resolves at the next write. The feed's timer is unref'd (it never holds a server open), so
   *  a bounded timer keeps this process alive meanwhile; it fails the wait if it runs out. */
  nextWrite(): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no write within 10 s')), 10_000);
      this.wake = () => {
        clearTimeout(deadline);
        resolve();
      };
    });
  }
}

test('feed: counts at once, transitions within a flush; nothing runs once the last viewer leaves', async () => {
  const census = new ActorCensus();
  const feed = new LiveFeed(census);
  const lockout = census.watch(lockoutMachine);
  const a = createActor(lockout, { input: { maxFailures: 3 } }).start();
  assert.not.ok(census.listening, 'nobody watching: no listener');
  const viewer = new FakeResponse();
  feed.add(viewer as unknown as ServerResponse);
  assert.ok(census.listening);
  assert.equal(viewer.messages, [{ counts: { lockout: { 'lockout.clear': 1 } }, transitions: [] }]);
  const next = viewer.nextWrite();
  a.send({ type: 'FAILED' });
  await next;
  const last = viewer.messages.at(-1);
  assert.equal(last?.counts, { lockout: { 'lockout.failing': 1 } });
  assert.equal(
    last?.transitions.map((t) => [t.event, t.to]),
    [['FAILED', ['lockout.failing']]],
  );
  viewer.end();
  assert.is(feed.viewerCount, 0);
  assert.not.ok(census.listening, 'the last viewer left: no listener, no timer');
  for (let i = 0; i < MAX_VIEWERS; i++) feed.add(new FakeResponse() as unknown as ServerResponse);
  assert.ok(feed.full, `at most ${MAX_VIEWERS} viewers`);
  feed.close();
  assert.not.ok(census.listening);
  a.stop();
});

test('event names read as on the diagrams', () => {
  assert.is(readableEventType('xstate.init'), 'start');
  assert.is(
    readableEventType('xstate.after.loginTimeout.session.authenticating'),
    'after loginTimeout',
  );
  assert.is(readableEventType('xstate.done.actor.0.session.authenticating.verifying'), 'done');
  assert.is(readableEventType('LOGOUT'), 'LOGOUT');
  assert.is(
    readableEventType('REQUEST', { step: 'password' }),
    'REQUEST password',
    'a request shows its step, never its data',
  );
});

test('loopback addresses: only these keep the live view private to this machine', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
    assert.ok(isLoopback(host), host);
  for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org'])
    assert.not.ok(isLoopback(host), host);
});

test('the console names the URL, and warns when the live view is reachable from elsewhere', () => {
  assert.equal(announcement('127.0.0.1', 8080), ['Live statechart view on http://127.0.0.1:8080/']);
  assert.equal(announcement('::1', 8080), ['Live statechart view on http://[::1]:8080/']);
  assert.equal(announcement('0.0.0.0', 8080), [
    'Live statechart view on http://0.0.0.0:8080/',
    'Warning: the live view on 0.0.0.0 is not loopback: anyone who can reach it sees user names and session states',
  ]);
});

test.run();
