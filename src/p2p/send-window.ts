// The sender's reliability layer: a bounded window of numbered chunks in flight, paced in bursts,
// acknowledged cumulatively plus selectively (the audience's missing ranges), with loss detected
// by order (a chunk sent `reorderThreshold` transmissions before one that arrived is lost) and by
// an adaptive retransmission timeout. It knows chunks and acknowledgements only; sealing, the
// socket and the transfer's lifecycle are the caller's (sender.ts).
import type { TransportConfig } from './config.js';
import type { Datagram } from './datagram.js';
import type { Block } from './block-pool.js';
import type { Chunk } from './block-reader.js';
import { RttEstimator } from './rtt.js';
import type { TransferStats } from './stats.js';

/** Where the chunks come from, in file order (block-reader.ts). */
export interface ChunkSource {
  readonly queued: number;
  take(): Chunk | undefined;
  readAhead(): void;
}

/** What the window asks of the sender around it. */
export interface WindowLink {
  /** Sends chunk `seq` as its `tx`-th transmission. */
  sendData(seq: number, tx: number, data: Buffer): void;
  /**
   * Nothing was acknowledged for a whole RTO and no chunk is outstanding to probe with: repeat
   * the control datagram that makes the audience answer (the FIN once every chunk is
   * acknowledged, otherwise the HELLO, when flow control is closed and the update was lost).
   */
  probe(): void;
}

export type Ack = Extract<Datagram, { type: 'Ack' }>;

/** One chunk sent and not yet acknowledged. The data stays referenced for retransmission. */
interface InFlight {
  readonly data: Buffer;
  readonly block: Block;
  lastTx: number;
  sentAt: number;
  lost: boolean;
}

const SEND_TIMES = 8192; // ring of transmission times, for RTT samples

export class SendWindow {
  private readonly windowChunks: number;
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
  private lastAckProgressAt = performance.now();
  private pumpImmediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly totalChunks: number,
    private readonly chunkBytes: number,
    private readonly source: ChunkSource,
    private readonly link: WindowLink,
    private readonly stats: TransferStats,
    private readonly config: TransportConfig,
  ) {
    this.windowChunks = Math.max(4, Math.floor(config.windowBytes / chunkBytes));
    this.rtt = new RttEstimator(config.minRtoMs, config.maxRtoMs);
  }

  /** Every chunk has been acknowledged. */
  get complete(): boolean {
    return this.base >= this.totalChunks;
  }

  /** Chunks acknowledged in order, as bytes (the last chunk may be short: the caller clamps). */
  get acknowledgedBytes(): number {
    return this.base * this.chunkBytes;
  }

  /** An ACK claiming chunks we never sent is nonsense (a bug in the peer: it authenticated). */
  plausible(a: Ack): boolean {
    return a.cum <= this.nextSeq && a.top <= this.nextSeq;
  }

  /** Takes in a plausible ACK: frees what arrived, detects loss, then sends what it allows. */
  onAck(a: Ack): void {
    const now = performance.now();
    if (a.limit > this.peerLimit) this.peerLimit = Math.min(a.limit, this.totalChunks);
    if (a.echoTx > this.maxEcho && a.echoTx <= this.tx) {
      this.maxEcho = a.echoTx;
      if (this.tx - a.echoTx < SEND_TIMES)
        this.rtt.sample(now - (this.sentTimes[a.echoTx % SEND_TIMES] ?? now));
    }

    let progressed = false;
    while (this.base < a.cum) {
      this.acknowledge(this.base);
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
    this.pump();
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

  /** Source has new chunks: send them if the window allows. */
  readonly pump = (): void => {
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
      this.source.queued > 0
    ) {
      const { data, block } = this.source.take()!;
      const c: InFlight = { data, block, lastTx: 0, sentAt: 0, lost: false };
      this.inflight.set(this.nextSeq, c);
      this.transmit(this.nextSeq, c, false);
      this.nextSeq++;
      budget--;
    }
    // at most one burst per event-loop turn: the rest after incoming ACKs had their say
    if (budget === 0) this.pumpImmediate ??= setImmediate(this.nextBurst);
    this.armRto();
    this.source.readAhead();
  };

  private readonly nextBurst = (): void => {
    this.pumpImmediate = null;
    this.pump();
  };

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
    this.link.sendData(seq, this.tx, c.data);
  }

  /** Restarts the retransmission timer from now (the FIN just went out). */
  restartTimer(): void {
    this.lastAckProgressAt = performance.now();
    this.rtoBackoff = 1;
    this.armRto();
  }

  private armRto(): void {
    if (this.rtoTimer !== null) return;
    // A timer is needed while chunks are unacknowledged, while the FIN is unanswered (every
    // chunk acknowledged), and while flow control blocks us (the window update may be lost).
    const outstanding = this.inflight.size - this.lostPending > 0;
    const blockedByPeer = this.nextSeq >= this.peerLimit && this.nextSeq < this.totalChunks;
    if (!outstanding && !this.complete && !blockedByPeer) return;
    const wait = Math.min(this.rtt.rto() * this.rtoBackoff, this.config.maxRtoMs);
    this.rtoTimer = setTimeout(this.onRto, wait);
  }

  /** Nothing acknowledged for a whole RTO: probe with the oldest chunks (or the FIN) again. */
  private readonly onRto = (): void => {
    this.rtoTimer = null;
    const now = performance.now();
    const rto = Math.min(this.rtt.rto() * this.rtoBackoff, this.config.maxRtoMs);
    if (now - this.lastAckProgressAt >= rto) {
      this.stats.timeouts++;
      this.rtoBackoff = Math.min(this.rtoBackoff * 2, 64);
      this.lastAckProgressAt = now;
      if (this.inflight.size === 0) {
        this.link.probe();
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
  };

  /** Stops the timers: the transfer ended. */
  stop(): void {
    if (this.rtoTimer !== null) clearTimeout(this.rtoTimer);
    if (this.pumpImmediate !== null) clearImmediate(this.pumpImmediate);
    this.rtoTimer = null;
    this.pumpImmediate = null;
  }
}
