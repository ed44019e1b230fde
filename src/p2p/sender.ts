// The presenter's side of one transfer: streams the file from disk in numbered chunks over its
// own UDP socket (an OS-chosen ephemeral port, connected to the audience so the kernel filters
// out every other source), keeps a bounded window in flight, retransmits what the audience
// reports missing, and finally sends the SHA-256 it computed while reading. Lifecycle decisions
// (stalls, final states) belong to machines/transfer-sender.machine.ts; this file only reports
// milestones to it.
import { createHash, type Hash } from 'node:crypto';
import dgram from 'node:dgram';
import { open, type FileHandle } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { err, ok, type Result } from 'neverthrow';
import { createActor, type Actor } from 'xstate';
import { transferSenderMachine } from '../../machines/transfer-sender.machine.js';
import { datagramBytesFor, normalizeAddress, type TransportConfig } from './config.js';
import {
  DATA_HEADER_BYTES,
  encodeAbort,
  encodeDataHeader,
  encodeFin,
  encodeHello,
  type AbortReasonCode,
  type Datagram,
} from './datagram.js';
import type { PresenterIntroduction } from './introduction.js';
import type { DatagramSeal } from './seal.js';
import { ProgressMeter } from './progress.js';
import { RttEstimator } from './rtt.js';
import { Block, BlockPool } from './block-pool.js';
import { emptyTransferStats, type TransferStats } from './stats.js';
import { abortReasonName, failureToAbortReason } from './abort-reasons.js';
import type { TransferError } from './transfer-error.js';
import type { ProgressListener, SendOutcome } from './transfer-handle.js';

export interface SendOptions {
  readonly filePath: string;
  readonly onProgress?: ProgressListener;
}

/** One chunk sent and not yet acknowledged. The data stays referenced for retransmission. */
interface InFlight {
  readonly data: Buffer;
  readonly block: Block;
  lastTx: number;
  sentAt: number;
  lost: boolean;
}

const SEND_TIMES = 8192; // ring of transmission times, for RTT samples

export class SendTransfer {
  readonly stats: TransferStats = emptyTransferStats();
  readonly result: Promise<Result<SendOutcome, TransferError>>;
  private resolveResult!: (r: Result<SendOutcome, TransferError>) => void;

  private actor: Actor<typeof transferSenderMachine> | null = null;
  private socket: dgram.Socket | null = null;
  private file: FileHandle | null = null;
  private size = 0;
  private chunkBytes = 0;
  private totalChunks = 0;
  private windowChunks = 1;
  private readonly hash: Hash = createHash('sha256');
  private digest: Buffer | null = null;
  private failure: TransferError | null = null;
  private cancelRequested = false;
  /** Why the transfer was aborted before its machine started, if it was. */
  private abortedEarly: TransferError | null = null;
  private settled = false;
  private lastHeardAt = performance.now();

  // offer
  private accepted = false;
  private helloTimer: NodeJS.Timeout | null = null;
  private helloDelay = 100;

  // reading (in order, a block at a time, hashed as read)
  private readOffset = 0;
  private reading = false;
  private readonly readQueue: { data: Buffer; block: Block }[] = [];
  private readBlockBytes = 0;
  private pool: BlockPool | null = null;

  // window
  private base = 0; // every chunk below is acknowledged
  private nextSeq = 0; // next new chunk to send
  private peerLimit = 0; // flow control from the audience
  private readonly inflight = new Map<number, InFlight>();
  private lostQueue: number[] = [];
  private lostPending = 0;
  private tx = 0;
  private maxEcho = 0;
  private readonly sentTimes = new Float64Array(SEND_TIMES);
  private readonly rtt: RttEstimator;
  private rtoTimer: NodeJS.Timeout | null = null;
  private rtoBackoff = 1;
  private lastAckProgressAt = 0;
  private pumpScheduled = false;

  // finish
  private finSent = false;
  private meter: ProgressMeter | null = null;

  constructor(
    readonly intro: PresenterIntroduction,
    /** Seals what we send and opens what the audience sends (src/p2p/seal.ts). */
    private readonly seal: DatagramSeal,
    private readonly options: SendOptions,
    private readonly config: TransportConfig,
    private readonly onSettled: () => void,
  ) {
    this.rtt = new RttEstimator(config.minRtoMs, config.maxRtoMs);
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
  }

  state(): string {
    if (this.actor === null) return this.settled ? 'failed' : 'opening';
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  cancel(): void {
    this.cancelRequested = true;
    if (this.actor) this.actor.send({ type: 'CANCEL' });
  }

  /**
   * Ends the transfer now with `error`, through the machine's FAILED input (no ABORT is sent:
   * this comes from the server, which reports the audience gone).
   */
  abort(error: TransferError): void {
    if (this.actor) return this.fail(error, false);
    this.cancelRequested = true;
    this.abortedEarly = error;
  }

  async start(): Promise<void> {
    const opened = await this.openFile();
    if (opened.isErr()) return this.settleEarly(opened.error);
    if (this.cancelRequested) return this.settleEarly(this.abortedEarly ?? { type: 'Cancelled' });

    const datagramBytes = datagramBytesFor(this.config, this.intro.audience.address);
    this.chunkBytes = datagramBytes - DATA_HEADER_BYTES - this.seal.overheadBytes;
    this.totalChunks = Math.ceil(this.size / this.chunkBytes);
    this.windowChunks = Math.max(4, Math.floor(this.config.windowBytes / this.chunkBytes));
    this.readBlockBytes =
      this.chunkBytes * Math.max(1, Math.floor((1024 * 1024) / this.chunkBytes));
    // window + read-ahead, in blocks, plus slack for blocks pinned by a single unacknowledged chunk
    this.pool = new BlockPool(
      this.readBlockBytes,
      Math.ceil(this.config.windowBytes / this.readBlockBytes) + 4,
    );

    const socket = await this.openSocket();
    if (socket.isErr()) return this.settleEarly(socket.error);
    if (this.cancelRequested) return this.settleEarly(this.abortedEarly ?? { type: 'Cancelled' });

    this.meter = new ProgressMeter(this.size, this.config.progressIntervalMs, (p) => {
      this.options.onProgress?.(p);
      this.actor?.send({ type: 'PROGRESS', bytes: p.bytes });
    });
    this.actor = createActor(
      transferSenderMachine.provide({
        actions: {
          finishTransport: () => void this.release(null),
          abortTransport: ({ context }) => void this.release(context.failure?.type ?? 'Cancelled'),
        },
        delays: {
          offerTimeout: this.config.offerTimeoutMs,
          stallTimeout: this.config.stallTimeoutMs,
        },
      }),
      { input: { transferId: this.intro.transferId, total: this.size } },
    );
    // An actor error must never become an unhandled exception in the client.
    this.actor.subscribe({
      error: (e) => this.fail({ type: 'SocketError', detail: `internal error: ${String(e)}` }),
    });
    this.actor.start();
    this.sendHello();
  }

  // ---- setup -------------------------------------------------------------------------------

  private async openFile(): Promise<Result<void, TransferError>> {
    const path = this.options.filePath;
    try {
      this.file = await open(path, 'r');
      const st = await this.file.stat();
      if (!st.isFile()) return err({ type: 'FileUnreadable', path, detail: 'not a regular file' });
      this.size = st.size;
      return ok(undefined);
    } catch (e) {
      return err({
        type: 'FileUnreadable',
        path,
        detail: e instanceof Error ? e.message : String(e),
      });
    }
  }

  private openSocket(): Promise<Result<void, TransferError>> {
    const port = this.intro.audience.port;
    const address = normalizeAddress(this.intro.audience.address);
    const socket = dgram.createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      recvBufferSize: this.config.socketBufferBytes,
      sendBufferSize: this.config.socketBufferBytes,
    });
    this.socket = socket;
    socket.on('message', (msg) => this.onDatagram(msg));
    return new Promise((resolve) => {
      const onError = (e: Error): void => resolve(err({ type: 'SocketError', detail: e.message }));
      socket.once('error', onError);
      socket.bind(0, () => {
        socket.connect(port, address, () => {
          socket.off('error', onError);
          // ICMP "port unreachable" surfaces as ECONNREFUSED on a connected socket: the audience
          // may simply not be listening yet, so it is not fatal; silence is judged by the stall timer.
          socket.on('error', (e: NodeJS.ErrnoException) => {
            if (e.code !== 'ECONNREFUSED') this.fail({ type: 'SocketError', detail: e.message });
          });
          resolve(ok(undefined));
        });
      });
    });
  }

  // ---- offer ---------------------------------------------------------------------------------

  private sendHello(): void {
    if (this.accepted || this.settled) return;
    this.transmitControl(encodeHello(this.seal.connectionId, this.size, this.chunkBytes));
    this.helloTimer = setTimeout(() => this.sendHello(), this.helloDelay);
    this.helloDelay = Math.min(this.helloDelay * 2, 1000);
  }

  // ---- incoming ------------------------------------------------------------------------------

  private onDatagram(msg: Buffer): void {
    if (this.settled) return;
    this.stats.datagramsReceived++;
    // Authenticated first: a datagram that fails is dropped before anything in it is believed.
    const opened = this.seal.open(msg);
    if (opened.isErr()) {
      if (opened.error.type === 'Unauthenticated') this.stats.droppedUnauthenticated++;
      else if (opened.error.type === 'OtherTransfer') this.stats.droppedForged++;
      else this.stats.droppedMalformed++;
      return;
    }
    this.handle(opened.value);
  }

  private handle(d: Datagram): void {
    switch (d.type) {
      case 'Ack':
        return this.onAck(d);
      case 'Done':
        if (!this.finSent) {
          this.stats.droppedForged++;
          return;
        }
        this.lastHeardAt = performance.now();
        this.meter?.finish(this.size);
        this.actor?.send({ type: 'VERIFIED' });
        return;
      case 'Abort':
        this.lastHeardAt = performance.now();
        return this.fail({ type: 'PeerAborted', reason: abortReasonName(d.reason) }, false);
      default:
        // HELLO / DATA / FIN never travel towards the presenter
        this.stats.droppedMalformed++;
    }
  }

  private onAck(a: Extract<Datagram, { type: 'Ack' }>): void {
    // An ACK claiming chunks we never sent is nonsense (a bug in the peer: it authenticated).
    if (a.cum > this.nextSeq || a.top > this.nextSeq) {
      this.stats.droppedForged++;
      return;
    }
    const now = performance.now();
    this.lastHeardAt = now;
    if (!this.accepted) {
      this.accepted = true;
      if (this.helloTimer) clearTimeout(this.helloTimer);
      this.lastAckProgressAt = now;
      this.actor?.send({ type: 'ACCEPTED' });
    }
    if (a.limit > this.peerLimit) this.peerLimit = Math.min(a.limit, this.totalChunks);
    if (a.echoTx > this.maxEcho && a.echoTx <= this.tx) {
      this.maxEcho = a.echoTx;
      if (this.tx - a.echoTx < SEND_TIMES)
        this.rtt.sample(now - (this.sentTimes[a.echoTx % SEND_TIMES] ?? now));
    }

    let progressed = false;
    while (this.base < a.cum) {
      if (this.acknowledge(this.base)) progressed = true;
      this.base++;
      progressed = true;
    }
    // everything in [cum, top) outside the missing ranges has arrived
    let s = a.cum;
    for (const r of a.missing) {
      for (; s < r.start; s++) if (this.acknowledge(s)) progressed = true;
      s = r.end;
    }
    for (; s < a.top; s++) if (this.acknowledge(s)) progressed = true;

    // Loss by order: a chunk whose last transmission is `reorderThreshold` transmissions older
    // than the newest one the audience has seen will not arrive any more.
    const horizon = this.maxEcho - this.config.reorderThreshold;
    for (const [seq, c] of this.inflight) {
      if (!c.lost && c.lastTx <= horizon) this.markLost(seq, c);
    }

    if (progressed) {
      this.lastAckProgressAt = now;
      this.rtoBackoff = 1;
    }
    this.meter?.update(Math.min(this.size, this.base * this.chunkBytes));
    if (this.base >= this.totalChunks && this.accepted) this.finish();
    else this.pump();
  }

  /** Forgets an acknowledged chunk; true if it was still outstanding. */
  private acknowledge(seq: number): boolean {
    const c = this.inflight.get(seq);
    if (c === undefined) return false;
    if (c.lost) this.lostPending--;
    this.inflight.delete(seq);
    c.block.release();
    return true;
  }

  private markLost(seq: number, c: InFlight): void {
    c.lost = true;
    this.lostPending++;
    this.lostQueue.push(seq);
  }

  // ---- sending -------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends what the window allows, retransmissions first, at most one burst per turn. */
  private pump(): void {
    if (this.settled || !this.accepted || this.finSent) return;
    let budget = this.config.burstDatagrams;
    while (budget > 0 && this.lostQueue.length > 0) {
      const seq = this.lostQueue.shift()!;
      const c = this.inflight.get(seq);
      if (c === undefined || !c.lost) continue;
      c.lost = false;
      this.lostPending--;
      this.transmit(seq, c, true);
      budget--;
    }
    while (
      budget > 0 &&
      this.nextSeq < this.totalChunks &&
      this.nextSeq < this.peerLimit &&
      this.inflight.size - this.lostPending < this.windowChunks &&
      this.readQueue.length > 0
    ) {
      const { data, block } = this.readQueue.shift()!;
      const c: InFlight = { data, block, lastTx: 0, sentAt: 0, lost: false };
      this.inflight.set(this.nextSeq, c);
      this.transmit(this.nextSeq, c, false);
      this.nextSeq++;
      budget--;
    }
    if (budget === 0) this.schedulePump();
    this.armRto();
    this.readAhead();
  }

  private transmit(seq: number, c: InFlight, isRetransmission: boolean): void {
    this.tx++;
    const now = performance.now();
    c.lastTx = this.tx;
    c.sentAt = now;
    this.sentTimes[this.tx % SEND_TIMES] = now;
    this.stats.datagramsSent++;
    this.stats.dataBytesSent += c.data.length;
    if (isRetransmission) {
      this.stats.retransmittedDatagrams++;
      this.stats.retransmittedBytes += c.data.length;
    }
    this.socket?.send(
      this.seal.seal([encodeDataHeader(this.seal.connectionId, seq, this.tx), c.data]),
      this.onSendError,
    );
  }

  private transmitControl(buf: Buffer): void {
    this.stats.datagramsSent++;
    this.socket?.send(this.seal.seal([buf]), this.onSendError);
  }

  private readonly onSendError = (e: Error | null): void => {
    if (e && (e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' && !this.settled) {
      this.fail({ type: 'SocketError', detail: e.message });
    }
  };

  /** Keeps about two blocks read ahead of the window, hashing in file order. */
  private readAhead(): void {
    if (this.reading || this.settled || this.file === null || this.readOffset >= this.size) return;
    if (this.readQueue.length * this.chunkBytes >= 2 * this.readBlockBytes) return;
    if (this.pool === null) return;
    const length = Math.min(this.readBlockBytes, this.size - this.readOffset);
    const pooled = this.pool.acquire();
    const block = pooled.buffer.subarray(0, length);
    const position = this.readOffset;
    this.reading = true;
    this.file.read(block, 0, length, position).then(
      ({ bytesRead }) => {
        this.reading = false;
        if (this.settled) return;
        if (bytesRead !== length) {
          return this.fail({
            type: 'FileUnreadable',
            path: this.options.filePath,
            detail: 'the file shrank while being sent',
          });
        }
        this.hash.update(block);
        for (let at = 0; at < length; at += this.chunkBytes) {
          pooled.retain();
          this.readQueue.push({
            data: block.subarray(at, Math.min(length, at + this.chunkBytes)),
            block: pooled,
          });
        }
        this.readOffset += length;
        this.pump();
      },
      (e: unknown) => {
        this.reading = false;
        this.fail({
          type: 'FileUnreadable',
          path: this.options.filePath,
          detail: e instanceof Error ? e.message : String(e),
        });
      },
    );
  }

  // ---- timers --------------------------------------------------------------------------------

  private armRto(): void {
    if (this.rtoTimer !== null || this.settled) return;
    // A timer is needed while chunks are unacknowledged, while the FIN is unanswered, and while
    // flow control blocks us (the audience's window update may be lost: we must probe).
    const outstanding = this.inflight.size - this.lostPending > 0;
    const blockedByPeer = this.nextSeq >= this.peerLimit && this.nextSeq < this.totalChunks;
    if (!outstanding && !this.finSent && !blockedByPeer) return;
    const wait = Math.min(this.rtt.rto() * this.rtoBackoff, this.config.maxRtoMs);
    this.rtoTimer = setTimeout(() => this.onRto(), wait);
  }

  /** Nothing acknowledged for a whole RTO: probe with the oldest chunks (or the FIN) again. */
  private onRto(): void {
    this.rtoTimer = null;
    if (this.settled) return;
    const now = performance.now();
    const rto = Math.min(this.rtt.rto() * this.rtoBackoff, this.config.maxRtoMs);
    if (now - this.lastAckProgressAt >= rto) {
      this.stats.timeouts++;
      this.rtoBackoff = Math.min(this.rtoBackoff * 2, 64);
      this.lastAckProgressAt = now;
      if (this.finSent) {
        this.sendFin();
      } else if (this.inflight.size === 0) {
        // flow control closed and the window update lost: the HELLO makes the audience re-ACK
        this.transmitControl(encodeHello(this.seal.connectionId, this.size, this.chunkBytes));
      } else {
        let probes = 2;
        for (const [seq, c] of this.inflight) {
          if (probes === 0) break;
          if (!c.lost && now - c.sentAt >= rto) {
            this.markLost(seq, c);
            probes--;
          }
        }
        this.pump();
      }
    }
    this.armRto();
  }

  // ---- end -----------------------------------------------------------------------------------

  private finish(): void {
    if (this.finSent) return;
    this.finSent = true;
    this.digest = this.hash.digest();
    this.actor?.send({ type: 'ALL_ACKNOWLEDGED' });
    this.lastAckProgressAt = performance.now();
    this.rtoBackoff = 1;
    this.sendFin();
    this.armRto();
  }

  private sendFin(): void {
    if (this.digest) this.transmitControl(encodeFin(this.seal.connectionId, this.digest));
  }

  private fail(error: TransferError, notifyPeer = true): void {
    if (this.settled || this.failure) return;
    this.failure = error;
    this.notifyPeerOnAbort = notifyPeer;
    this.actor?.send({ type: 'FAILED', failure: error });
  }

  private notifyPeerOnAbort = true;

  /** Entry action of every final state: stop timers, tell the peer if needed, close everything. */
  private async release(failureType: string | null): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.rtoTimer) clearTimeout(this.rtoTimer);
    const socket = this.socket;
    if (
      failureType !== null &&
      this.notifyPeerOnAbort &&
      failureType !== 'PeerVanished' &&
      socket
    ) {
      const reason: AbortReasonCode = failureToAbortReason(failureType);
      await new Promise<void>((resolve) =>
        socket.send(this.seal.seal([encodeAbort(this.seal.connectionId, reason)]), () => resolve()),
      );
    }
    socket?.close();
    await this.file?.close().catch(() => undefined);
    this.file = null;
    this.onSettled();
    if (failureType === null) {
      this.resolveResult(
        ok({
          transferId: this.intro.transferId,
          bytes: this.size,
          sha256: this.digest?.toString('hex') ?? '',
          stats: { ...this.stats },
        }),
      );
    } else {
      this.resolveResult(err(this.errorFor(failureType)));
    }
  }

  private errorFor(failureType: string): TransferError {
    if (this.failure) return this.failure;
    if (failureType === 'PeerVanished') {
      return {
        type: 'PeerVanished',
        side: 'presenter',
        silentMs: Math.round(performance.now() - this.lastHeardAt),
      };
    }
    return { type: 'Cancelled' };
  }

  private settleEarly(error: TransferError): void {
    this.settled = true;
    this.tellAudienceWeGaveUp(error);
    void this.file?.close().catch(() => undefined);
    this.onSettled();
    this.resolveResult(err(error));
  }

  /**
   * The audience was told by the server to expect this file: a transfer that ends before it
   * starts still sends one ABORT, so the audience stops waiting at once instead of timing out.
   */
  private tellAudienceWeGaveUp(error: TransferError): void {
    // Nothing was sent yet (no HELLO), so the audience has locked onto no source port: a fresh
    // socket is as good as the transfer's own.
    this.socket?.close();
    this.socket = null;
    const abort = this.seal.seal([
      encodeAbort(this.seal.connectionId, failureToAbortReason(error.type)),
    ]);
    const address = normalizeAddress(this.intro.audience.address);
    const socket = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    socket.on('error', () => undefined);
    socket.send(abort, this.intro.audience.port, address, () => socket.close());
  }
}
