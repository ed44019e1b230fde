// The transfer machines on a simulated clock: every timeout fires exactly when its delay has
// passed without the milestone that would have re-armed it, with no real waiting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { transferSenderMachine } from '../../machines/transfer-sender.machine.js';
import { transferReceiverMachine } from '../../machines/transfer-receiver.machine.js';

const input = { transferId: 't', total: 1000 };

function started<
  A extends { subscribe: (o: { error: (e: unknown) => void }) => unknown; start: () => unknown },
>(actor: A): A {
  actor.subscribe({ error: (e) => assert.unreachable(String(e)) });
  actor.start();
  return actor;
}

function run(logic: typeof transferSenderMachine, clock: SimulatedClock) {
  return started(createActor(logic, { clock, input }));
}

function runReceiver(logic: typeof transferReceiverMachine, clock: SimulatedClock) {
  return started(createActor(logic, { clock, input }));
}

function sender(calls: string[]) {
  return transferSenderMachine.provide({
    delays: { offerTimeout: 100, stallTimeout: 50 },
    actions: {
      finishTransport: () => void calls.push('finish'),
      abortTransport: () => void calls.push('abort'),
    },
  });
}

function receiver(calls: string[]) {
  return transferReceiverMachine.provide({
    delays: { announceTimeout: 100, stallTimeout: 50 },
    actions: {
      saveFile: () => void calls.push('save'),
      finishTransport: () => void calls.push('finish'),
      abortTransport: () => void calls.push('abort'),
    },
  });
}

test('sender: happy path offering → sending → finishing → done', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = run(sender(calls), clock);
  assert.is(a.getSnapshot().value, 'offering');
  a.send({ type: 'ACCEPTED' });
  a.send({ type: 'PROGRESS', bytes: 500 });
  assert.is(a.getSnapshot().context.bytes, 500);
  a.send({ type: 'ALL_ACKNOWLEDGED' });
  assert.is(a.getSnapshot().value, 'finishing');
  a.send({ type: 'VERIFIED' });
  assert.is(a.getSnapshot().value, 'done');
  assert.is(a.getSnapshot().status, 'done');
  assert.equal(calls, ['finish']);
  assert.is(a.getSnapshot().output?.bytes, 1000);
});

test('sender: an unanswered offer fails after offerTimeout, not before', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = run(sender(calls), clock);
  clock.increment(99);
  assert.is(a.getSnapshot().value, 'offering');
  clock.increment(1);
  assert.is(a.getSnapshot().value, 'failed');
  assert.is(a.getSnapshot().context.failure?.type, 'PeerVanished');
  assert.equal(calls, ['abort']);
});

test('sender: PROGRESS re-arms the stall timer; silence then fails', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = run(sender(calls), clock);
  a.send({ type: 'ACCEPTED' });
  for (let i = 1; i <= 5; i++) {
    clock.increment(40);
    a.send({ type: 'PROGRESS', bytes: i * 100 });
  }
  assert.is(a.getSnapshot().value, 'sending', '200 ms in, never 50 ms silent');
  clock.increment(50);
  assert.is(a.getSnapshot().value, 'failed');
  assert.is(a.getSnapshot().context.failure?.type, 'PeerVanished');
});

test('sender: stall while waiting for verification also fails', () => {
  const clock = new SimulatedClock();
  const a = run(sender([]), clock);
  a.send({ type: 'ACCEPTED' });
  a.send({ type: 'ALL_ACKNOWLEDGED' });
  clock.increment(49);
  a.send({ type: 'PROGRESS', bytes: 1000 });
  clock.increment(49);
  assert.is(a.getSnapshot().value, 'finishing');
  clock.increment(1);
  assert.is(a.getSnapshot().value, 'failed');
});

test('sender: CANCEL and FAILED from any running state', () => {
  for (const prefix of [[], ['ACCEPTED'], ['ACCEPTED', 'ALL_ACKNOWLEDGED']] as const) {
    const clock = new SimulatedClock();
    const c = run(sender([]), clock);
    for (const type of prefix) c.send({ type });
    c.send({ type: 'CANCEL' });
    assert.is(c.getSnapshot().value, 'cancelled');
    const f = run(sender([]), clock);
    for (const type of prefix) f.send({ type });
    f.send({ type: 'FAILED', failure: { type: 'DiskError' } });
    assert.is(f.getSnapshot().value, 'failed');
    assert.is(f.getSnapshot().context.failure?.type, 'DiskError');
  }
});

test('receiver: happy path announced → receiving → verifying → saving → saved', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = runReceiver(receiver(calls), clock);
  a.send({ type: 'STARTED' });
  a.send({ type: 'PROGRESS', bytes: 10 });
  a.send({ type: 'ALL_RECEIVED' });
  assert.is(a.getSnapshot().value, 'verifying');
  a.send({ type: 'DIGEST', expected: 'ab', actual: 'ab' });
  assert.is(a.getSnapshot().value, 'saving');
  assert.equal(calls, ['save']);
  clock.increment(10_000); // saving is local work: no peer timeout applies
  a.send({ type: 'SAVED', path: '/d/Yoda_a.mp4' });
  assert.is(a.getSnapshot().value, 'saved');
  assert.is(a.getSnapshot().context.savedPath, '/d/Yoda_a.mp4');
  assert.equal(calls, ['save', 'finish']);
});

test('receiver: digest mismatch fails with VerificationFailed and aborts (temp file deleted)', () => {
  const calls: string[] = [];
  const a = runReceiver(receiver(calls), new SimulatedClock());
  a.send({ type: 'STARTED' });
  a.send({ type: 'ALL_RECEIVED' });
  a.send({ type: 'DIGEST', expected: 'ab', actual: 'cd' });
  assert.is(a.getSnapshot().value, 'failed');
  assert.equal(a.getSnapshot().context.failure, {
    type: 'VerificationFailed',
    expected: 'ab',
    actual: 'cd',
  });
  assert.equal(calls, ['abort']);
});

test('receiver: the presenter never starts → announceTimeout', () => {
  const clock = new SimulatedClock();
  const a = runReceiver(receiver([]), clock);
  clock.increment(99);
  assert.is(a.getSnapshot().value, 'announced');
  clock.increment(1);
  assert.is(a.getSnapshot().value, 'failed');
  assert.is(a.getSnapshot().context.failure?.type, 'PeerVanished');
});

test('receiver: stall while receiving and while waiting for the digest', () => {
  for (const prefix of [['STARTED'], ['STARTED', 'ALL_RECEIVED']] as const) {
    const clock = new SimulatedClock();
    const a = runReceiver(receiver([]), clock);
    for (const type of prefix) a.send({ type });
    clock.increment(30);
    a.send({ type: 'PROGRESS', bytes: 1 });
    clock.increment(30);
    assert.not.equal(a.getSnapshot().value, 'failed', 'progress re-armed the timer');
    clock.increment(20);
    assert.is(a.getSnapshot().value, 'failed');
  }
});

test('receiver: CANCEL is ignored while saving (a rename is not interrupted)', () => {
  const a = runReceiver(receiver([]), new SimulatedClock());
  a.send({ type: 'STARTED' });
  a.send({ type: 'ALL_RECEIVED' });
  a.send({ type: 'DIGEST', expected: 'x', actual: 'x' });
  a.send({ type: 'CANCEL' });
  assert.is(a.getSnapshot().value, 'saving');
  a.send({ type: 'FAILED', failure: { type: 'DiskError' } });
  assert.is(a.getSnapshot().value, 'failed');
});

test.run();
