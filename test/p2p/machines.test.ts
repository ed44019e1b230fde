// The transfer machines on a simulated clock: every timeout fires exactly when its delay has
// passed without the milestone that would have re-armed it, with no real waiting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { transferSenderMachine } from '../../machines/transfer-sender.machine.js';
import { transferReceiverMachine } from '../../machines/transfer-receiver.machine.js';

// the timeouts come in with the input, as the transport passes them (TransportConfig)
const senderInput = { transferId: 't', offerTimeoutMs: 100, stallTimeoutMs: 50 };
const receiverInput = { transferId: 't', total: 1000, announceTimeoutMs: 100, stallTimeoutMs: 50 };
const diskError = { type: 'DiskError', path: '/d/x', detail: 'EIO' } as const;

function started<
  A extends { subscribe: (o: { error: (e: unknown) => void }) => unknown; start: () => unknown },
>(actor: A): A {
  actor.subscribe({ error: (e) => assert.unreachable(String(e)) });
  actor.start();
  return actor;
}

function run(logic: typeof transferSenderMachine, clock: SimulatedClock) {
  const a = started(createActor(logic, { clock, input: senderInput }));
  assert.is(a.getSnapshot().value, 'opening');
  a.send({ type: 'OPENED', total: 1000 });
  return a;
}

function runReceiver(logic: typeof transferReceiverMachine, clock: SimulatedClock) {
  return started(createActor(logic, { clock, input: receiverInput }));
}

function sender(calls: string[]) {
  return transferSenderMachine.provide({
    actions: {
      finishTransport: () => void calls.push('finish'),
      abortTransport: () => void calls.push('abort'),
    },
  });
}

function receiver(calls: string[]) {
  return transferReceiverMachine.provide({
    actions: {
      saveFile: () => void calls.push('save'),
      finishTransport: () => void calls.push('finish'),
      abortTransport: () => void calls.push('abort'),
    },
  });
}

test('sender: happy path opening → offering → sending → finishing → done, the result in the output', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = run(sender(calls), clock);
  assert.is(a.getSnapshot().value, 'offering');
  a.send({ type: 'ACCEPTED' });
  a.send({ type: 'PROGRESS', bytes: 500 });
  assert.is(a.getSnapshot().value, 'sending');
  a.send({ type: 'ALL_ACKNOWLEDGED', sha256: 'ab' });
  assert.is(a.getSnapshot().value, 'finishing');
  a.send({ type: 'VERIFIED' });
  assert.is(a.getSnapshot().value, 'done');
  assert.is(a.getSnapshot().status, 'done');
  assert.equal(calls, ['finish']);
  assert.equal(a.getSnapshot().output, {
    transferId: 't',
    total: 1000,
    sha256: 'ab',
    failure: null,
  });
});

test('sender: an unanswered offer fails after offerTimeout, not before', () => {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const a = run(sender(calls), clock);
  clock.increment(99);
  assert.is(a.getSnapshot().value, 'offering');
  clock.increment(1);
  assert.is(a.getSnapshot().value, 'failed');
  assert.equal(a.getSnapshot().output?.failure, {
    type: 'PeerVanished',
    side: 'presenter',
    silentMs: 100,
  });
  assert.is(a.getSnapshot().context.tellPeer, false, 'a silent audience is not told');
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
  assert.equal(a.getSnapshot().output?.failure, {
    type: 'PeerVanished',
    side: 'presenter',
    silentMs: 50,
  });
});

test('sender: stall while waiting for verification also fails', () => {
  const clock = new SimulatedClock();
  const a = run(sender([]), clock);
  a.send({ type: 'ACCEPTED' });
  a.send({ type: 'ALL_ACKNOWLEDGED', sha256: 'ab' });
  clock.increment(49);
  a.send({ type: 'PROGRESS', bytes: 1000 });
  clock.increment(49);
  assert.is(a.getSnapshot().value, 'finishing');
  clock.increment(1);
  assert.is(a.getSnapshot().value, 'failed');
});

test('sender: CANCEL and FAILED from any running state', () => {
  const steps = [{ type: 'ACCEPTED' }, { type: 'ALL_ACKNOWLEDGED', sha256: 'ab' }] as const;
  for (let n = 0; n <= steps.length; n++) {
    const clock = new SimulatedClock();
    const c = run(sender([]), clock);
    for (const e of steps.slice(0, n)) c.send(e);
    c.send({ type: 'CANCEL' });
    assert.is(c.getSnapshot().value, 'cancelled');
    assert.equal(c.getSnapshot().output?.failure, { type: 'Cancelled' });
    assert.is(c.getSnapshot().context.tellPeer, true);
    const f = run(sender([]), clock);
    for (const e of steps.slice(0, n)) f.send(e);
    f.send({ type: 'FAILED', failure: diskError });
    assert.is(f.getSnapshot().value, 'failed');
    assert.equal(f.getSnapshot().output?.failure, diskError);
    assert.is(f.getSnapshot().context.tellPeer, true);
  }
});

test('sender: the file fails to open, or the transfer is cancelled while opening', () => {
  const calls: string[] = [];
  const f = started(createActor(sender(calls), { input: senderInput }));
  const unreadable = { type: 'FileUnreadable', path: '/x', detail: 'ENOENT' } as const;
  f.send({ type: 'FAILED', failure: unreadable });
  assert.is(f.getSnapshot().value, 'failed');
  assert.equal(f.getSnapshot().output?.failure, unreadable);
  const c = started(createActor(sender(calls), { input: senderInput }));
  c.send({ type: 'CANCEL' });
  assert.is(c.getSnapshot().value, 'cancelled');
  assert.equal(calls, ['abort', 'abort']);
});

test('sender: the audience is told unless it knows already or this side vanishes quietly', () => {
  const told = (e: Parameters<ReturnType<typeof sender>['transition']>[1]) => {
    const a = run(sender([]), new SimulatedClock());
    a.send({ type: 'ACCEPTED' });
    a.send(e);
    return a.getSnapshot().context.tellPeer;
  };
  assert.is(told({ type: 'FAILED', failure: { type: 'PeerAborted', reason: 'DiskError' } }), false);
  assert.is(told({ type: 'FAILED', failure: { type: 'PeerLeft', user: 'Hans' } }), false);
  const silent = { type: 'PeerVanished', side: 'presenter', silentMs: 5 } as const;
  assert.is(told({ type: 'FAILED', failure: silent }), false);
  assert.is(told({ type: 'FAILED', failure: { type: 'SocketError', detail: 'x' } }), true);
  assert.is(told({ type: 'CANCEL', quietly: true }), false);
  assert.is(told({ type: 'CANCEL' }), true);
});

// P2P.md (Machines): the peer is told unless it told us (PeerAborted), is gone (PeerLeft) or is
// silent (PeerVanished), or this side ends quietly (CANCEL with `quietly`).
test('receiver: the presenter is told unless it knows already or this side vanishes quietly', () => {
  const told = (e: Parameters<ReturnType<typeof receiver>['transition']>[1]) => {
    const a = runReceiver(receiver([]), new SimulatedClock());
    a.send({ type: 'STARTED' });
    a.send(e);
    assert.ok(a.getSnapshot().status === 'done', 'the transfer ended');
    return a.getSnapshot().context.tellPeer;
  };
  assert.is(told({ type: 'FAILED', failure: { type: 'PeerAborted', reason: 'Cancelled' } }), false);
  assert.is(told({ type: 'FAILED', failure: { type: 'PeerLeft', user: 'Yoda' } }), false);
  const silent = { type: 'PeerVanished', side: 'audience', silentMs: 5 } as const;
  assert.is(told({ type: 'FAILED', failure: silent }), false);
  assert.is(told({ type: 'FAILED', failure: diskError }), true);
  assert.is(told({ type: 'CANCEL', quietly: true }), false);
  assert.is(told({ type: 'CANCEL', quietly: false }), true);
  assert.is(told({ type: 'CANCEL' }), true);
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
  assert.equal(a.getSnapshot().output, {
    transferId: 't',
    total: 1000,
    sha256: 'ab',
    savedPath: '/d/Yoda_a.mp4',
    failure: null,
  });
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
  assert.equal(a.getSnapshot().output?.failure, {
    type: 'PeerVanished',
    side: 'audience',
    silentMs: 100,
  });
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
  a.send({ type: 'FAILED', failure: diskError });
  assert.is(a.getSnapshot().value, 'failed');
});

test.run();
