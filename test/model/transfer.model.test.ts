// Model-based tests of machines/transfer-sender.machine.ts and transfer-receiver.machine.ts
// against the real UDP transport (src/p2p: P2PEndpoint.listen / expect / send on 127.0.0.1).
//
// Each path runs one real transfer (presenter endpoint → GateRelay → audience endpoint). The relay
// holds every datagram at first; the driver makes the model's events happen in the real system:
//
//   OPENED                  the presenter opened the file and its socket: its HELLO reaches the relay
//   FAILED / CANCEL (opening)  the presenter is given a file that does not exist / is cancelled
//                           right after send(), before the file is open
//   ACCEPTED / STARTED      let the HELLO (and the audience's ACK) through, keep DATA and FIN
//   PROGRESS                let one more DATA through (sender: or replay an ACK once finishing;
//                           receiver in verifying: the FIN, whose digest check follows at once)
//   ALL_ACKNOWLEDGED / ALL_RECEIVED   let every DATA through, keep the FIN
//   VERIFIED / DIGEST[match]          let the FIN through
//   DIGEST (mismatch)       the FIN with one byte of its SHA-256 flipped
//   SAVED                   the verified file gets its final name
//   FAILED                  an ABORT from the peer (injected by the relay); in `saving`, the temp
//                           file is removed before the FIN is let through so the final link fails
//   CANCEL                  handle.cancel()
//   after(...)              the relay drops everything (a vanished peer) and the path's endpoint is
//                           configured with a short timeout for that timer only; the test waits
//                           for the transfer's result, never for time to pass
//
// The real actors are observed through a tap on `machine.provide` (see machine-tap.ts): every
// step waits until the real actor took the modelled transition, then checks what is observable
// (handle.state(), results, files in the download directory, what the peer was told).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { transferReceiverMachine } from '../../machines/transfer-receiver.machine.js';
import { transferSenderMachine } from '../../machines/transfer-sender.machine.js';
import { AbortReason, DATA_HEADER_BYTES, encodeAbort } from '../../src/p2p/datagram.js';
import {
  P2PEndpoint,
  type ReceiveOutcome,
  type SendOutcome,
  type TransferError,
  type TransferHandle,
  type TransportConfig,
} from '../../src/p2p/index.js';
import type { Result } from 'neverthrow';
import { TransitionCoverage } from './coverage.js';
import { GateRelay } from './gate-relay.js';
import { MachineTap } from './machine-tap.js';
import {
  buildTestModel,
  delayedEvents,
  describePath,
  generatePaths,
  runPath,
  runPool,
  type ModelPath,
  type PathDriver,
  type StepContext,
} from './paths.js';
import { withTimeout } from './support.js';

const idOf = (c: unknown): string => (c as { transferId: string }).transferId;
const senderTap = new MachineTap(transferSenderMachine, idOf);
const receiverTap = new MachineTap(transferReceiverMachine, idOf);
const senderCoverage = new TransitionCoverage('transferSender', transferSenderMachine);
const receiverCoverage = new TransitionCoverage('transferReceiver', transferReceiverMachine);

const DATAGRAM_BYTES = 1200;
const CHUNK = DATAGRAM_BYTES - DATA_HEADER_BYTES;
const SIZE = 4 * CHUNK + 123; // five chunks, the last one short
const SHORT_MS = 500; // the one timer a path waits for
const LONG_MS = 60_000; // every other timer (never reached: the path ends first)
const PRESENTER = 'Yoda';
const FILE = 'clip.bin';

const SENDER_EVENTS: EventObject[] = [
  { type: 'OPENED', total: SIZE } as EventObject,
  { type: 'ACCEPTED' },
  { type: 'PROGRESS', bytes: 1 } as EventObject,
  { type: 'ALL_ACKNOWLEDGED', sha256: 'a' } as EventObject,
  { type: 'VERIFIED' },
  { type: 'FAILED', failure: { type: 'PeerAborted' } } as EventObject,
  { type: 'CANCEL' },
  ...delayedEvents(transferSenderMachine),
];
const RECEIVER_EVENTS: EventObject[] = [
  { type: 'STARTED' },
  { type: 'PROGRESS', bytes: 1 } as EventObject,
  { type: 'ALL_RECEIVED' },
  { type: 'DIGEST', expected: 'a', actual: 'a' } as EventObject,
  { type: 'DIGEST', expected: 'a', actual: 'b' } as EventObject,
  { type: 'SAVED', path: 'p' } as EventObject,
  { type: 'FAILED', failure: { type: 'PeerAborted' } } as EventObject,
  { type: 'CANCEL' },
  ...delayedEvents(transferReceiverMachine),
];

let counter = 0;
const isAfter = (e: EventObject, delay: string): boolean =>
  e.type.startsWith(`xstate.after.${delay}.`);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function listen(config: Partial<TransportConfig>): Promise<P2PEndpoint> {
  const r = await P2PEndpoint.listen({ port: 0, host: '127.0.0.1', config });
  if (r.isErr()) throw new Error(`listen failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** One real transfer between two endpoints through a GateRelay. */
class Rig {
  readonly transferId = `mt${process.pid}-${++counter}`;
  readonly key = randomBytes(32);
  readonly data = randomBytes(SIZE);
  dir = '';
  downloadDir = '';
  audience!: P2PEndpoint;
  presenter!: P2PEndpoint;
  relay!: GateRelay;
  send!: TransferHandle<SendOutcome>;
  recv!: TransferHandle<ReceiveOutcome>;
  private nextSeq = 0;

  async start(path: ModelPath): Promise<void> {
    const events = path.steps.map((s) => s.event);
    const timeouts = {
      offerTimeoutMs: events.some((e) => isAfter(e, 'offerTimeout')) ? SHORT_MS : LONG_MS,
      announceTimeoutMs: events.some((e) => isAfter(e, 'announceTimeout')) ? SHORT_MS : LONG_MS,
      stallTimeoutMs: events.some((e) => isAfter(e, 'stallTimeout')) ? SHORT_MS : LONG_MS,
    };
    const config: Partial<TransportConfig> = {
      datagramBytes: DATAGRAM_BYTES,
      progressIntervalMs: 0,
      lingerMs: 1000,
      ...timeouts,
    };
    this.dir = await mkdtemp(join(tmpdir(), 'tessenger-model-transfer-'));
    this.downloadDir = join(this.dir, 'downloads');
    await mkdir(this.downloadDir);
    // what the presenter does first, while it is opening the file
    const first = path.steps[1]?.event.type;
    const filePath = join(this.dir, first === 'FAILED' ? 'no-such-file.bin' : FILE);
    await writeFile(join(this.dir, FILE), this.data);
    this.audience = await listen(config);
    this.presenter = await listen(config);
    this.relay = await GateRelay.start(
      { address: '127.0.0.1', port: this.audience.port },
      this.key,
    );
    // an ABORT is always let through: the peer must hear about a cancel or failure
    this.relay.rule('forward', 'pass', 'Abort');
    this.relay.rule('backward', 'pass', 'Abort');
    const key = this.key.toString('hex');
    this.recv = this.audience.expect(
      {
        transferId: this.transferId,
        key,
        presenter: PRESENTER,
        presenterAddress: '127.0.0.1',
        fileName: FILE,
        size: SIZE,
      },
      { downloadDir: this.downloadDir },
    );
    this.send = this.presenter.send(
      {
        transferId: this.transferId,
        key,
        audience: { address: '127.0.0.1', port: this.relay.port },
      },
      { filePath },
    );
    if (first === 'CANCEL') this.send.cancel(); // before the file is open (that takes I/O)
  }

  /** Lets the HELLO through (and every answer of the audience); DATA and FIN stay held. */
  openControl(): void {
    this.relay.rule('forward', 'pass', 'Hello');
    this.relay.rule('backward', 'pass');
    this.relay.release('forward', (s) => s.datagram.type === 'Hello');
    this.relay.release('backward', () => true);
  }

  /** Lets the next chunk (every copy of it) through. */
  async releaseNextChunk(): Promise<void> {
    const seq = this.nextSeq++;
    await this.relay.waitFor(
      (s) => s.datagram.type === 'Data' && s.datagram.seq === seq,
      `DATA ${seq}`,
    );
    this.relay.release('forward', (s) => s.datagram.type === 'Data' && s.datagram.seq === seq);
  }

  releaseAllData(): void {
    this.relay.rule('forward', 'pass', 'Data');
    this.relay.release('forward', (s) => s.datagram.type === 'Data');
  }

  async releaseFin(alter?: (buf: Buffer) => Buffer): Promise<void> {
    await this.relay.waitFor((s) => s.datagram.type === 'Fin', 'the FIN');
    if (!alter) this.relay.rule('forward', 'pass', 'Fin');
    else this.relay.rule('forward', 'drop', 'Fin'); // repeats of the genuine FIN never arrive
    this.relay.release('forward', (s) => s.datagram.type === 'Fin', alter);
  }

  /** A vanished peer: nothing gets through any more, in either direction. */
  blackHole(): void {
    this.relay.rule('forward', 'drop');
    this.relay.rule('backward', 'drop');
    this.relay.release('forward', () => false);
  }

  abortTo(direction: 'forward' | 'backward'): void {
    this.relay.inject(direction, encodeAbort(this.relay.connectionId, AbortReason.DiskError));
  }

  tempPath(): string {
    return join(this.downloadDir, `.${FILE}.${this.transferId}.part`);
  }

  async files(): Promise<string[]> {
    return (await readdir(this.downloadDir)).sort();
  }

  async dispose(): Promise<void> {
    this.send?.cancel();
    this.recv?.cancel();
    await Promise.all([this.presenter?.close(), this.audience?.close()]);
    this.relay?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

async function settled<T>(
  handle: TransferHandle<T>,
  what: string,
): Promise<Result<T, TransferError>> {
  return withTimeout(handle.result, `the ${what} result`);
}

async function expectError<T>(
  handle: TransferHandle<T>,
  what: string,
  check: (e: TransferError) => void,
): Promise<void> {
  const r = await settled(handle, what);
  if (r.isOk()) assert.unreachable(`the ${what} succeeded but should have failed`);
  else check(r.error);
}

/** What both drivers share: the rig, the tap cursor, and the state check. */
abstract class TransferDriver implements PathDriver {
  protected readonly rig = new Rig();
  protected cursor = 0;

  constructor(
    protected readonly path: ModelPath,
    private readonly tap: MachineTap,
    /** model states the real system passes through without stopping */
    private readonly transient: (ctx: StepContext) => boolean,
  ) {}

  protected abstract handle(): TransferHandle<unknown>;
  protected abstract act(ctx: StepContext): Promise<void>;
  protected abstract observeFinal(ctx: StepContext): Promise<void>;

  async exec(ctx: StepContext): Promise<void> {
    if (ctx.index === 0) await this.rig.start(this.path);
    await this.act(ctx);
    // the real actor must take exactly the modelled transition
    if (ctx.index > 0)
      this.cursor = await this.tap.waitFor(this.rig.transferId, ctx.transitions, this.cursor);
  }

  async check(ctx: StepContext): Promise<void> {
    const model = ctx.state as AnyMachineSnapshot;
    if (model.status === 'done') return this.observeFinal(ctx);
    if (this.transient(ctx)) return;
    assert.is(
      this.handle().state(),
      JSON.stringify(model.value).replace(/^"|"$/g, ''),
      'the real transfer is in the model state',
    );
  }

  async dispose(): Promise<void> {
    await this.rig.dispose();
  }
}

class SenderDriver extends TransferDriver {
  constructor(path: ModelPath) {
    // `opening` lasts for opening a file and binding a socket (or less, when the path cancels
    // at once): its transitions are confirmed through the tap only
    super(path, senderTap, (ctx) => ctx.state.matches('opening'));
  }

  protected handle(): TransferHandle<unknown> {
    return this.rig.send;
  }

  protected async act(ctx: StepContext): Promise<void> {
    const rig = this.rig;
    const from = ctx.before?.value;
    const e = ctx.event;
    if (e.type === 'xstate.init') return; // the actor starts with send()
    if (from === 'opening' && (e.type === 'FAILED' || e.type === 'CANCEL')) return; // see Rig.start
    if (e.type === 'OPENED') {
      await rig.relay.waitFor((s) => s.datagram.type === 'Hello', 'the HELLO');
      return;
    }
    if (e.type === 'ACCEPTED') return rig.openControl();
    if (e.type === 'PROGRESS' && from === 'sending') return rig.releaseNextChunk();
    if (e.type === 'PROGRESS' && from === 'finishing') {
      // the audience is alive: an acknowledgement again (as when it answers a repeated FIN)
      const ack = rig.relay.lastSeen('backward', 'Ack');
      assert.ok(ack, 'an ACK was seen');
      return rig.relay.inject('backward', ack!.buf);
    }
    if (e.type === 'ALL_ACKNOWLEDGED') return rig.releaseAllData();
    if (e.type === 'VERIFIED') return rig.releaseFin();
    if (e.type === 'FAILED') return rig.abortTo('backward');
    if (e.type === 'CANCEL') return rig.send.cancel();
    if (e.type.startsWith('xstate.after.')) return rig.blackHole();
    throw new Error(`no driver for ${e.type}`);
  }

  protected async observeFinal(ctx: StepContext): Promise<void> {
    const rig = this.rig;
    const e = ctx.event;
    const state = String(ctx.state.value);
    if (state === 'done') {
      const r = await settled(rig.send, 'send');
      assert.ok(r.isOk(), `the send failed: ${JSON.stringify(r)}`);
      if (r.isOk()) assert.is(r.value.sha256, sha256(rig.data));
      const got = await settled(rig.recv, 'receive');
      assert.ok(got.isOk(), 'the audience saved the file');
      if (got.isOk())
        assert.ok(
          (await readFile(got.value.path)).equals(rig.data),
          'the saved file is byte-identical',
        );
    } else if (state === 'cancelled') {
      await expectError(rig.send, 'send', (err) => assert.is(err.type, 'Cancelled'));
      if (ctx.before?.value !== 'offering') {
        // the audience is told (ABORT) and keeps nothing
        await expectError(rig.recv, 'receive', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'Cancelled' }),
        );
        assert.equal(await rig.files(), []);
      }
    } else if (state === 'failed') {
      if (e.type === 'FAILED' && ctx.before?.value === 'opening') {
        await expectError(rig.send, 'send', (err) => assert.is(err.type, 'FileUnreadable'));
        // the audience was told at once instead of waiting out its announce timeout
        await expectError(rig.recv, 'receive', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'FileUnreadable' }),
        );
      } else if (e.type === 'FAILED')
        await expectError(rig.send, 'send', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'DiskError' }),
        );
      else
        await expectError(rig.send, 'send', (err) =>
          assert.equal([err.type, 'side' in err ? err.side : ''], ['PeerVanished', 'presenter']),
        );
    }
    assert.is(rig.send.state(), state);
  }
}

class ReceiverDriver extends TransferDriver {
  constructor(path: ModelPath) {
    // `saving` only lasts for a rename; a PROGRESS in `verifying` comes with the FIN, whose
    // digest check follows in the same turn: both are confirmed through the tap only
    super(
      path,
      receiverTap,
      (ctx) =>
        ctx.state.matches('saving') ||
        (ctx.event.type === 'PROGRESS' && ctx.before?.value === 'verifying'),
    );
  }

  protected handle(): TransferHandle<unknown> {
    return this.rig.recv;
  }

  protected async act(ctx: StepContext): Promise<void> {
    const rig = this.rig;
    const from = ctx.before?.value;
    const e = ctx.event;
    if (e.type === 'xstate.init') return; // the actor starts with expect()
    if (e.type === 'STARTED') return rig.openControl();
    if (e.type === 'PROGRESS' && from === 'receiving') return rig.releaseNextChunk();
    if (e.type === 'PROGRESS' && from === 'verifying') return rig.releaseFin();
    if (e.type === 'ALL_RECEIVED') return rig.releaseAllData();
    if (e.type === 'DIGEST') {
      const d = e as unknown as { expected: string; actual: string };
      if (d.expected !== d.actual) {
        return rig.releaseFin((buf) => {
          buf[buf.length - 1] = (buf[buf.length - 1] ?? 0) ^ 0xff; // last byte of the SHA-256
          return buf;
        });
      }
      // to make the save fail (next step), the verified temp file disappears first
      if (ctx.next?.event.type === 'FAILED') await rm(rig.tempPath());
      return rig.releaseFin();
    }
    if (e.type === 'SAVED') return; // follows the digest on its own
    if (e.type === 'FAILED') return from === 'saving' ? undefined : rig.abortTo('forward');
    if (e.type === 'CANCEL') return rig.recv.cancel();
    if (e.type.startsWith('xstate.after.')) return rig.blackHole();
    throw new Error(`no driver for ${e.type}`);
  }

  protected async observeFinal(ctx: StepContext): Promise<void> {
    const rig = this.rig;
    const e = ctx.event;
    const from = ctx.before?.value;
    const state = String(ctx.state.value);
    if (state === 'saved') {
      const r = await settled(rig.recv, 'receive');
      assert.ok(r.isOk(), `the receive failed: ${JSON.stringify(r)}`);
      if (r.isOk()) {
        assert.is(r.value.path, join(rig.downloadDir, `${PRESENTER}_${FILE}`));
        assert.ok(
          (await readFile(r.value.path)).equals(rig.data),
          'the saved file is byte-identical',
        );
      }
      assert.equal(await rig.files(), [`${PRESENTER}_${FILE}`], 'only the final file is left');
      const sent = await settled(rig.send, 'send');
      assert.ok(sent.isOk(), 'the presenter hears that the file was verified');
    } else {
      if (state === 'cancelled')
        await expectError(rig.recv, 'receive', (err) => assert.is(err.type, 'Cancelled'));
      else if (e.type === 'DIGEST')
        await expectError(rig.recv, 'receive', (err) => assert.is(err.type, 'VerificationFailed'));
      else if (e.type === 'FAILED' && from === 'saving')
        await expectError(rig.recv, 'receive', (err) => assert.is(err.type, 'DiskError'));
      else if (e.type === 'FAILED')
        await expectError(rig.recv, 'receive', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'DiskError' }),
        );
      else
        await expectError(rig.recv, 'receive', (err) =>
          assert.equal([err.type, 'side' in err ? err.side : ''], ['PeerVanished', 'audience']),
        );
      assert.equal(await rig.files(), [], 'nothing partial is left in the download directory');
      if (state === 'cancelled' && from !== 'announced') {
        await expectError(rig.send, 'send', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'Cancelled' }),
        );
      }
      if (e.type === 'DIGEST') {
        await expectError(rig.send, 'send', (err) =>
          assert.equal(err, { type: 'PeerAborted', reason: 'VerificationFailed' }),
        );
      }
    }
    assert.is(rig.recv.state(), state);
  }
}

function pathsFor(machine: AnyStateMachine, events: EventObject[]): ModelPath[] {
  const model = buildTestModel(machine, {
    events,
    input: { transferId: 'model', total: SIZE },
    limit: 1000,
    contextKey: () => null, // bytes and failure details are not part of the abstract state
  });
  return generatePaths(model);
}

async function runAll(
  name: string,
  machine: AnyStateMachine,
  paths: ModelPath[],
  driver: (p: ModelPath) => PathDriver,
  coverage: TransitionCoverage,
): Promise<void> {
  console.log(`${name}: ${paths.length} paths`);
  const failures = await runPool(paths, 4, (path) =>
    runPath(machine, path, driver(path), [coverage]),
  );
  for (const f of failures)
    console.error(
      `FAILED PATH ${describePath(machine, f.item)}\n  ${String(f.error instanceof Error ? f.error.message : f.error)}`,
    );
  assert.is(failures.length, 0, `${failures.length} of ${paths.length} ${name} paths failed`);
}

test('transfer sender paths drive the real UDP transport', async () => {
  await runAll(
    'transferSender',
    transferSenderMachine,
    pathsFor(transferSenderMachine, SENDER_EVENTS),
    (p) => new SenderDriver(p),
    senderCoverage,
  );
});

test('transfer receiver paths drive the real UDP transport', async () => {
  await runAll(
    'transferReceiver',
    transferReceiverMachine,
    pathsFor(transferReceiverMachine, RECEIVER_EVENTS),
    (p) => new ReceiverDriver(p),
    receiverCoverage,
  );
});

test('every transfer transition was exercised against the real transport', () => {
  senderCoverage.print();
  receiverCoverage.print();
  assert.equal(senderCoverage.report().uncovered, [], senderCoverage.format());
  assert.equal(receiverCoverage.report().uncovered, [], receiverCoverage.format());
});

test.run();
