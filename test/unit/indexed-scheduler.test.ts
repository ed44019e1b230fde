import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, createMachine, fromCallback, SimulatedClock, type AnyActorRef } from 'xstate';
import { indexScheduledEvents } from '../../src/server/indexed-scheduler.js';

/**
 * Waits 1 s for a timeout unless told to leave first, then 0.5 s more; ends (and so stops, as a
 * session actor does) when told to.
 */
const waiter = createMachine({
  initial: 'waiting',
  on: { END: '.ended' },
  states: {
    waiting: { after: { 1000: 'timedOut' }, on: { LEAVE: 'left' } },
    timedOut: { after: { 500: 'second' } },
    second: {},
    left: {},
    ended: { type: 'final' },
  },
});

/** A parent whose children share its system, as the server's session actors do. */
const family = (count: number) => {
  const clock = new SimulatedClock();
  const parent = createActor(
    fromCallback(() => {}),
    { clock },
  ).start();
  const index = indexScheduledEvents(parent.system);
  const children = Array.from({ length: count }, (_, i) =>
    createActor(waiter, { id: `child${i}`, parent }).start(),
  );
  const pending = () => Object.keys(parent.system.getSnapshot()._scheduledEvents).length;
  return { clock, parent, children, pending, index };
};

const state = (actor: AnyActorRef) => String(actor.getSnapshot().value);
const end = (actor: AnyActorRef) => actor.send({ type: 'END' });

test("stopping an actor cancels its own delayed events and leaves the others' to fire", () => {
  const { clock, children, pending } = family(3);
  assert.is(pending(), 3);
  end(children[1]!);
  assert.is(pending(), 2);
  clock.increment(1000);
  assert.is(state(children[0]!), 'timedOut');
  assert.is(state(children[2]!), 'timedOut');
  assert.is(pending(), 2, "each waits for its second timer; the stopped one's never fired");
});

test('an event cancelled by leaving its state is forgotten; stopping later cancels nothing else', () => {
  const { clock, children, pending } = family(2);
  children[0]!.send({ type: 'LEAVE' });
  assert.is(pending(), 1);
  end(children[0]!);
  assert.is(pending(), 1, "the other's timeout is still there");
  clock.increment(1000);
  assert.is(state(children[1]!), 'timedOut');
});

test('an actor that keeps scheduling does not grow the index with events that fired', () => {
  const ticker = createMachine({
    initial: 'tick',
    states: { tick: { after: { 10: 'tock' } }, tock: { after: { 10: 'tick' } } },
  });
  const { clock, parent, index } = family(0);
  const actor = createActor(ticker, { id: 'ticker', parent }).start();
  for (let i = 0; i < 100; i++) clock.increment(10);
  assert.is(actor.getSnapshot().value, 'tick');
  assert.ok(index.indexedEvents() <= 16, `${index.indexedEvents()} ids kept`);
});

test("stopping an actor does not walk the system's other delayed events", () => {
  const { children, parent, pending } = family(50);
  // XState's own cancelAll enumerates every event of the system (held in its internal
  // `_snapshot`; getSnapshot returns a copy) on every stop: count the enumerations.
  const scheduled = (parent.system as unknown as { _snapshot: { _scheduledEvents: object } })
    ._snapshot;
  let walks = 0;
  scheduled._scheduledEvents = new Proxy(scheduled._scheduledEvents, {
    ownKeys(target) {
      walks += 1;
      return Reflect.ownKeys(target);
    },
  });
  for (const child of children.slice(0, 25)) end(child);
  assert.is(walks, 0);
  assert.is(pending(), 25);
});

test.run();
