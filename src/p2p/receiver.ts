// The audience's side of one transfer. The endpoint hands it every datagram that carries its
// connection id, authenticates under its key and comes from the announced presenter; this class
// keeps out-of-order chunks (bounded by the window it advertises), hashes and writes the in-order
// prefix to a temp file, reports what is missing, and on the presenter's FIN compares digests.
// machines/transfer-receiver.machine.ts holds the lifecycle (timeouts, save or discard) and the
// result (its output); this class reports milestones to it and does what its states ask.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { err, ok, type Result } from 'neverthrow';
import { createActor, type Actor } from 'xstate';
import {
  transferReceiverMachine,
  type TransferReceiverContext,
  type TransferReceiverOutput,
} from '../../machines/transfer-receiver.machine.js';
import { failureToAbortReason, abortReasonName } from './abort-reasons.js';
import type { TransportConfig } from './config.js';
import {
  MIN_DATAGRAM_BYTES,
  encodeAbort,
  encodeAck,
  encodeDone,
  maxAckRanges,
  type AbortReasonCode,
  type Datagram,
  type SeqRange,
} from './datagram.js';
import { publishVerifiedFile, removeTempFile, tempFilePath } from './download-file.js';
import type { AudienceIntroduction } from './introduction.js';
import { ProgressMeter, report } from './progress.js';
import { emptyTransferStats, type TransferStats } from './stats.js';
import { machineOutput } from './machine-output.js';
import { errorText, internalError, type TransferError } from './transfer-error.js';
import type { ProgressListener, ReceiveOutcome } from './transfer-handle.js';

export interface ReceiveOptions {
  readonly downloadDir: string;
  readonly onProgress?: ProgressListener;
}

/** How a finished transfer answers late datagrams (see P2PEndpoint's tombstones). */
export type Epilogue =
  { readonly kind: 'saved' } | { readonly kind: 'aborted'; readonly reason: AbortReasonCode };

const MAX_WRITE_BATCH = 256; // buffers per writev (IOV_MAX is 1024 on Linux)

export class ReceiveTransfer {
  readonly stats: TransferStats = emptyTransferStats();
  readonly result: Promise<Result<ReceiveOutcome, TransferError>>;
  private resolveResult!: (r: Result<ReceiveOutcome, TransferError>) => void;
  private readonly output: Promise<TransferReceiverOutput>;
  private readonly actor: Actor<typeof transferReceiverMachine>;
  private readonly tempPath: string;
  private readonly meter: ProgressMeter;

  /** the presenter's UDP source port, locked on the first valid datagram */
  peerPort: number | null = null;

  private file: FileHandle | null = null;
  /** the temp file being created (a repeated HELLO must not open it twice) */
  private fileOpening: Promise<void> | null = null;
  private chunkBytes = 0;
  private totalChunks = 0;
  private windowChunks = 0;

  private cum = 0; // every chunk below is hashed and queued for writing
  private top = 0; // one past the highest chunk seen
  private limit = 0; // highest limit advertised (we accept anything below it)
  private maxTx = 0;
  private readonly buffered = new Map<number, Buffer>();
  private readonly hash: Hash = createHash('sha256');
  private digestHex: string | null = null;
  private presenterDigest: string | null = null;

  private writeQueue: Buffer[] = [];
  private writePosition = 0; // file offset of writeQueue[0]
  private writing = false;
  private pendingWriteChunks = 0;

  private sinceAck = 0;
  private ackEvery = 4;
  private ackScheduled = false;
  /** resources are released once, by a final state or by an actor error */
  private released = false;

  constructor(
    readonly intro: AudienceIntroduction,
    /** Names the transfer in every datagram (the seal around them is the endpoint's). */
    readonly connectionId: Buffer,
    private readonly options: ReceiveOptions,
    private readonly config: TransportConfig,
    private readonly reply: (buf: Buffer, port: number) => Promise<void>,
    private readonly onSettled: (epilogue: Epilogue) => void,
    /** the lifecycle; tests pass one with a fault injected */
    machine: typeof transferReceiverMachine = transferReceiverMachine,
  ) {
    this.tempPath = tempFilePath(options.downloadDir, intro.fileName, intro.transferId);
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.meter = new ProgressMeter(intro.size, config.progressIntervalMs, (p) => {
      report(options.onProgress, p);
      this.actor.send({ type: 'PROGRESS', bytes: p.bytes });
    });
    this.actor = createActor(
      machine.provide({
        actions: {
          saveFile: () => void this.save(),
          finishTransport: ({ context }) => void this.release(context),
          abortTransport: ({ context }) => void this.release(context),
        },
      }),
      {
        input: {
          transferId: intro.transferId,
          total: intro.size,
          announceTimeoutMs: config.announceTimeoutMs,
          stallTimeoutMs: config.stallTimeoutMs,
        },
      },
    );
    this.output = machineOutput(
      this.actor,
      (e) => void this.release({ failure: internalError(e), tellPeer: true }),
    );
    this.actor.start();
  }

  state(): string {
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  private get running(): boolean {
    return this.actor.getSnapshot().status === 'active';
  }

  cancel(): void {
    this.actor.send({ type: 'CANCEL' });
  }

  /** Ends the transfer now with `error` (the server reported the presenter gone); the temp file is removed. */
  abort(error: TransferError): void {
    this.fail(error);
  }

  /** Called by the endpoint when it closes: like cancel, optionally without telling the peer. */
  close(notifyPeer: boolean): void {
    this.actor.send({ type: 'CANCEL', quietly: !notifyPeer });
  }

  /** A datagram of ours, authenticated, from the presenter's locked address:port. */
  handle(d: Datagram): void {
    if (!this.running) return;
    this.stats.datagramsReceived++;
    // any valid datagram proves the presenter alive: the (throttled) report re-arms the stall timer
    if (this.file !== null)
      this.meter.update(Math.min(this.intro.size, this.cum * this.chunkBytes));
    switch (d.type) {
      case 'Hello':
        return this.onHello(d.size, d.chunkBytes);
      case 'Data':
        return this.onData(d.seq, d.tx, d.payload);
      case 'Fin':
        return this.onFin(d.sha256.toString('hex'));
      case 'Abort':
        return this.fail({ type: 'PeerAborted', reason: abortReasonName(d.reason) });
      default:
        this.stats.droppedMalformed++;
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  private onHello(size: number, chunkBytes: number): void {
    if (this.file !== null) {
      if (chunkBytes === this.chunkBytes)
        this.sendAck(); // our first ACK was lost
      else this.stats.droppedMalformed++;
      return;
    }
    if (this.fileOpening !== null) return;
    if (size !== this.intro.size) {
      return this.fail({
        type: 'ProtocolError',
        detail: `presenter announced ${size} bytes, the server said ${this.intro.size}`,
      });
    }
    this.chunkBytes = chunkBytes;
    this.totalChunks = Math.ceil(size / chunkBytes);
    this.windowChunks = Math.max(4, Math.floor(this.config.windowBytes / chunkBytes));
    this.ackEvery = Math.max(2, Math.min(32, Math.floor(this.windowChunks / 8)));
    this.limit = Math.min(this.totalChunks, this.windowChunks);
    this.fileOpening = open(this.tempPath, 'w', 0o600).then(
      (fh) => {
        if (!this.running) {
          void fh.close().then(() => removeTempFile(this.tempPath));
          return;
        }
        this.file = fh;
        this.actor.send({ type: 'STARTED' });
        this.sendAck();
        this.checkAllReceived();
      },
      (e: unknown) =>
        this.fail({
          type: 'DiskError',
          path: this.tempPath,
          detail: errorText(e),
        }),
    );
  }

  // ---- data ----------------------------------------------------------------------------------

  private onData(seq: number, tx: number, payload: Buffer): void {
    if (this.file === null) {
      this.stats.outOfWindow++; // data before the HELLO: the presenter will repeat it
      return;
    }
    if (seq >= this.totalChunks) {
      this.stats.droppedMalformed++;
      return;
    }
    const expected =
      seq === this.totalChunks - 1 ? this.intro.size - seq * this.chunkBytes : this.chunkBytes;
    if (payload.length !== expected) {
      this.stats.droppedMalformed++;
      return;
    }
    if (tx > this.maxTx) this.maxTx = tx;
    if (seq < this.cum || this.buffered.has(seq)) {
      // a duplicate usually means our ACK was lost: owe the presenter a fresh one
      this.stats.duplicates++;
      this.sinceAck++;
      this.scheduleAck();
      return;
    }
    if (seq >= this.limit) {
      this.stats.outOfWindow++;
      return;
    }
    this.buffered.set(seq, payload);
    if (seq >= this.top) this.top = seq + 1;
    if (seq === this.cum) this.advance();
    if (++this.sinceAck >= this.ackEvery) this.sendAck();
    else this.scheduleAck();
  }

  /** Moves the in-order prefix from the reorder buffer to the hash and the write queue. */
  private advance(): void {
    for (let b = this.buffered.get(this.cum); b !== undefined; b = this.buffered.get(this.cum)) {
      this.buffered.delete(this.cum);
      this.hash.update(b);
      this.writeQueue.push(b);
      this.pendingWriteChunks++;
      this.cum++;
    }
    if (this.top < this.cum) this.top = this.cum;
    this.flushWrites();
  }

  private flushWrites(): void {
    if (this.writing || this.file === null || !this.running) return;
    if (this.writeQueue.length === 0) return this.checkAllReceived();
    const batch = this.writeQueue.splice(0, MAX_WRITE_BATCH);
    const bytes = batch.reduce((n, b) => n + b.length, 0);
    const position = this.writePosition;
    this.writing = true;
    this.file.writev(batch, position).then(
      ({ bytesWritten }) => {
        this.writing = false;
        if (bytesWritten !== bytes) {
          return this.fail({ type: 'DiskError', path: this.tempPath, detail: 'short write' });
        }
        this.writePosition += bytes;
        this.pendingWriteChunks -= batch.length;
        // Window update: the disk freed room the presenter may be waiting for.
        if (
          Math.min(this.totalChunks, this.cum + this.windowChunks - this.pendingWriteChunks) >
          this.limit
        )
          this.sendAck();
        this.flushWrites();
      },
      (e: unknown) => {
        this.writing = false;
        this.fail({
          type: 'DiskError',
          path: this.tempPath,
          detail: errorText(e),
        });
      },
    );
  }

  private checkAllReceived(): void {
    if (
      this.actor.getSnapshot().value !== 'receiving' ||
      this.file === null ||
      this.cum < this.totalChunks ||
      this.writing ||
      this.writeQueue.length > 0
    )
      return;
    this.digestHex = this.hash.digest('hex');
    this.actor.send({ type: 'ALL_RECEIVED' });
    this.sendAck();
    if (this.presenterDigest !== null) this.compareDigests();
  }

  // ---- acknowledgements ------------------------------------------------------------------------

  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    // after the current batch of incoming datagrams: one ACK per event-loop turn at most
    setImmediate(() => {
      this.ackScheduled = false;
      if (this.sinceAck > 0) this.sendAck();
    });
  }

  private sendAck(): void {
    if (this.peerPort === null || !this.running) return;
    this.sinceAck = 0;
    // Flow control: promise room for a window minus what still waits for the disk.
    const room = this.cum + this.windowChunks - this.pendingWriteChunks;
    this.limit = Math.max(this.limit, Math.min(this.totalChunks, room));
    const missing: SeqRange[] = [];
    const maxRanges = maxAckRanges(MIN_DATAGRAM_BYTES);
    let top = this.top;
    let gapStart = -1;
    for (let s = this.cum; s < this.top; s++) {
      const have = this.buffered.has(s);
      if (!have && gapStart < 0) gapStart = s;
      if (have && gapStart >= 0) {
        if (missing.length === maxRanges) {
          top = gapStart; // describe only what fits; the rest is reported next time
          gapStart = -1;
          break;
        }
        missing.push({ start: gapStart, end: s });
        gapStart = -1;
      }
    }
    this.stats.acksSent++;
    this.stats.datagramsSent++;
    void this.reply(
      encodeAck(this.connectionId, {
        cum: this.cum,
        top,
        limit: this.limit,
        echoTx: this.maxTx,
        missing,
      }),
      this.peerPort,
    );
  }

  // ---- end -----------------------------------------------------------------------------------

  private onFin(presenterDigest: string): void {
    if (this.file === null) {
      this.stats.outOfWindow++;
      return;
    }
    if (this.presenterDigest !== null) {
      // repeated FIN while we verify or save: show we are alive
      this.sendAck();
      return;
    }
    if (this.cum < this.totalChunks) {
      this.stats.droppedMalformed++; // FIN before all data: impossible for an honest presenter
      return;
    }
    this.presenterDigest = presenterDigest;
    this.meter.update(this.intro.size);
    this.compareDigests();
  }

  /** Once both digests are known (the FIN may overtake the last disk write): the machine decides. */
  private compareDigests(): void {
    if (this.presenterDigest === null || this.digestHex === null) return;
    this.actor.send({ type: 'DIGEST', expected: this.presenterDigest, actual: this.digestHex });
  }

  /** Entry action of `saving`: close the temp file and give it its final name. */
  private async save(): Promise<void> {
    const file = this.file;
    this.file = null;
    try {
      await file?.close();
    } catch (e) {
      this.fail({
        type: 'DiskError',
        path: this.tempPath,
        detail: errorText(e),
      });
      return;
    }
    const published = await publishVerifiedFile(
      this.tempPath,
      this.options.downloadDir,
      this.intro.presenter,
      this.intro.fileName,
    );
    if (published.isErr()) return this.fail(published.error);
    this.actor.send({ type: 'SAVED', path: published.value });
  }

  private fail(error: TransferError): void {
    this.actor.send({ type: 'FAILED', failure: error });
  }

  /**
   * Entry action of every final state: the final word to the presenter (DONE, or ABORT if the
   * machine says so), then close and (unless saved) delete the temp file, and settle the result
   * from the machine's output.
   */
  private async release(
    context: Pick<TransferReceiverContext, 'failure' | 'tellPeer'>,
  ): Promise<void> {
    if (this.released) return;
    this.released = true;
    const { failure, tellPeer } = context;
    const reason = failureToAbortReason(failure?.type ?? 'Cancelled');
    // the final word is awaited: a socket closed right after would otherwise swallow it
    if (this.peerPort !== null && (failure === null || tellPeer)) {
      const last =
        failure === null ? encodeDone(this.connectionId) : encodeAbort(this.connectionId, reason);
      await this.reply(last, this.peerPort);
    }
    const file = this.file;
    this.file = null;
    this.buffered.clear();
    this.writeQueue = [];
    await file?.close().catch(() => undefined);
    if (failure !== null) await removeTempFile(this.tempPath);
    this.onSettled(failure === null ? { kind: 'saved' } : { kind: 'aborted', reason });
    // an actor that errored has no output: its failure is the one given here
    if (failure !== null && this.actor.getSnapshot().status === 'error')
      return this.resolveResult(err(failure));
    const output = await this.output;
    if (output.failure !== null) return this.resolveResult(err(output.failure));
    this.meter.finish(output.total);
    this.resolveResult(
      ok({
        transferId: output.transferId,
        path: output.savedPath ?? '',
        bytes: output.total,
        sha256: output.sha256 ?? '',
        presenter: this.intro.presenter,
        fileName: this.intro.fileName,
        stats: { ...this.stats },
      }),
    );
  }
}
