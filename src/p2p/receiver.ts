// The audience's side of one transfer. The endpoint hands it every datagram that carries its
// connection id, authenticates under its key and comes from the announced presenter; this class
// keeps out-of-order chunks (bounded by the window it advertises), hashes and writes the in-order prefix to a temp file, reports what
// is missing, and on the presenter's FIN compares digests. Lifecycle decisions (timeouts, save or
// discard) belong to machines/transfer-receiver.machine.ts.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { err, ok, type Result } from 'neverthrow';
import { createActor, type Actor } from 'xstate';
import { transferReceiverMachine } from '../../machines/transfer-receiver.machine.js';
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
import { ProgressMeter } from './progress.js';
import { emptyTransferStats, type TransferStats } from './stats.js';
import type { TransferError } from './transfer-error.js';
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
  private readonly actor: Actor<typeof transferReceiverMachine>;
  private readonly tempPath: string;
  private readonly meter: ProgressMeter;

  /** the presenter's UDP source port, locked on the first valid datagram */
  peerPort: number | null = null;
  private settled = false;
  private failure: TransferError | null = null;
  private notifyPeerOnAbort = true;
  private lastHeardAt = performance.now();

  private file: FileHandle | null = null;
  private opening = false;
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
  private savedPath = '';

  private writeQueue: Buffer[] = [];
  private writePosition = 0; // file offset of writeQueue[0]
  private writing = false;
  private pendingWriteChunks = 0;
  private allReceivedSent = false;

  private sinceAck = 0;
  private ackEvery = 4;
  private ackScheduled = false;

  constructor(
    readonly intro: AudienceIntroduction,
    /** Names the transfer in every datagram (the seal around them is the endpoint's). */
    readonly connectionId: Buffer,
    private readonly options: ReceiveOptions,
    private readonly config: TransportConfig,
    private readonly reply: (buf: Buffer, port: number) => Promise<void>,
    private readonly onSettled: (epilogue: Epilogue) => void,
  ) {
    this.tempPath = tempFilePath(options.downloadDir, intro.fileName, intro.transferId);
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.meter = new ProgressMeter(intro.size, config.progressIntervalMs, (p) => {
      options.onProgress?.(p);
      this.actor.send({ type: 'PROGRESS', bytes: p.bytes });
    });
    this.actor = createActor(
      transferReceiverMachine.provide({
        actions: {
          saveFile: () => void this.save(),
          finishTransport: () => void this.release(null),
          abortTransport: ({ context }) => void this.release(context.failure?.type ?? 'Cancelled'),
        },
        delays: { announceTimeout: config.announceTimeoutMs, stallTimeout: config.stallTimeoutMs },
      }),
      { input: { transferId: intro.transferId, total: intro.size } },
    );
    this.actor.subscribe({
      error: (e) =>
        this.fail({
          type: 'DiskError',
          path: this.tempPath,
          detail: `internal error: ${String(e)}`,
        }),
    });
    this.actor.start();
  }

  state(): string {
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
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
    this.notifyPeerOnAbort = notifyPeer;
    this.actor.send({ type: 'CANCEL' });
  }

  /** A datagram of ours, authenticated, from the presenter's locked address:port. */
  handle(d: Datagram): void {
    if (this.settled) return;
    this.stats.datagramsReceived++;
    this.lastHeardAt = performance.now();
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
        this.notifyPeerOnAbort = false;
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
    if (this.opening) return;
    if (size !== this.intro.size) {
      return this.fail({
        type: 'ProtocolError',
        detail: `presenter announced ${size} bytes, the server said ${this.intro.size}`,
      });
    }
    this.opening = true;
    this.chunkBytes = chunkBytes;
    this.totalChunks = Math.ceil(size / chunkBytes);
    this.windowChunks = Math.max(4, Math.floor(this.config.windowBytes / chunkBytes));
    this.ackEvery = Math.max(2, Math.min(32, Math.floor(this.windowChunks / 8)));
    this.limit = Math.min(this.totalChunks, this.windowChunks);
    open(this.tempPath, 'w', 0o600).then(
      (fh) => {
        if (this.settled) {
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
          detail: e instanceof Error ? e.message : String(e),
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
    if (this.writing || this.file === null || this.settled) return;
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
          detail: e instanceof Error ? e.message : String(e),
        });
      },
    );
  }

  private checkAllReceived(): void {
    if (
      this.allReceivedSent ||
      this.file === null ||
      this.cum < this.totalChunks ||
      this.writing ||
      this.writeQueue.length > 0
    )
      return;
    this.allReceivedSent = true;
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
    if (this.peerPort === null || this.settled) return;
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
    if (this.allReceivedSent) this.compareDigests();
  }

  private compareDigests(): void {
    if (this.presenterDigest === null || this.digestHex === null) return;
    if (this.presenterDigest !== this.digestHex) {
      this.failure = {
        type: 'VerificationFailed',
        expected: this.presenterDigest,
        actual: this.digestHex,
      };
    }
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
        detail: e instanceof Error ? e.message : String(e),
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
    this.savedPath = published.value;
    this.actor.send({ type: 'SAVED', path: published.value });
  }

  private fail(error: TransferError): void {
    if (this.settled || this.failure?.type === error.type) return;
    this.failure ??= error;
    this.actor.send({ type: 'FAILED', failure: error });
  }

  private async release(failureType: string | null): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    const reason = failureToAbortReason(failureType ?? 'Cancelled');
    // the final word is awaited: a socket closed right after would otherwise swallow it
    if (
      failureType !== null &&
      this.notifyPeerOnAbort &&
      failureType !== 'PeerVanished' &&
      this.peerPort !== null
    ) {
      await this.reply(encodeAbort(this.connectionId, reason), this.peerPort);
    }
    if (failureType === null && this.peerPort !== null)
      await this.reply(encodeDone(this.connectionId), this.peerPort);
    const file = this.file;
    this.file = null;
    this.buffered.clear();
    this.writeQueue = [];
    await file?.close().catch(() => undefined);
    if (failureType !== null) await removeTempFile(this.tempPath);
    this.onSettled(failureType === null ? { kind: 'saved' } : { kind: 'aborted', reason });
    if (failureType === null) {
      this.meter.finish(this.intro.size);
      this.resolveResult(
        ok({
          transferId: this.intro.transferId,
          path: this.savedPath,
          bytes: this.intro.size,
          sha256: this.digestHex ?? '',
          presenter: this.intro.presenter,
          fileName: this.intro.fileName,
          stats: { ...this.stats },
        }),
      );
    } else {
      this.resolveResult(err(this.errorFor(failureType)));
    }
  }

  private errorFor(failureType: string): TransferError {
    if (failureType === 'Cancelled') return { type: 'Cancelled' };
    if (failureType === 'PeerVanished') {
      return {
        type: 'PeerVanished',
        side: 'audience',
        silentMs: Math.round(performance.now() - this.lastHeardAt),
      };
    }
    return this.failure ?? { type: 'Cancelled' };
  }
}
