import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { lockoutMachine } from '../../machines/lockout.machine.js';

const start = (maxFailures: number, blockMs = 10_000) => {
  const clock = new SimulatedClock();
  const actor = createActor(lockoutMachine.provide({ delays: { blockDuration: blockMs } }), {
    input: { maxFailures },
    clock,
  });
  actor.start();
  return { actor, clock, state: () => actor.getSnapshot().value };
};

test('failures below the limit keep the account open and are counted', () => {
  const { actor, state } = start(3);
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  assert.is(state(), 'failing');
  assert.is(actor.getSnapshot().context.failures, 2);
});

test('the failure that reaches the limit locks; the block lasts exactly blockDuration', () => {
  const { actor, clock, state } = start(3);
  for (let i = 0; i < 3; i++) actor.send({ type: 'FAILED' });
  assert.is(state(), 'locked');
  clock.increment(9_999);
  assert.is(state(), 'locked');
  clock.increment(1);
  assert.is(state(), 'clear');
  assert.is(actor.getSnapshot().context.failures, 0, 'the count starts again from 0');
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  assert.is(state(), 'failing');
});

test('a limit of 1 locks on the first failure', () => {
  const { actor, state } = start(1);
  actor.send({ type: 'FAILED' });
  assert.is(state(), 'locked');
});

test('a success clears the count', () => {
  const { actor, state } = start(3);
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'SUCCEEDED' });
  assert.is(state(), 'clear');
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  assert.is(state(), 'failing');
});

test('while locked, failures and successes change nothing', () => {
  const { actor, clock, state } = start(2, 1000);
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'FAILED' });
  actor.send({ type: 'SUCCEEDED' });
  assert.is(state(), 'locked');
  clock.increment(1000);
  assert.is(state(), 'clear');
});

test.run();
