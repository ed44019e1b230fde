// A UDP relay between a presenter and an audience that misbehaves like a bad network, with seeded
// randomness so every run makes the same decisions for the same datagram sequence: it drops,
// duplicates and reorders (holds a datagram back until a few later ones have passed). The
// sockets are relay-sockets.ts's.
import { DATA_HEADER_BYTES, DatagramType, TAG_BYTES } from '../../src/p2p/datagram.js';
import { RelaySockets, type Direction } from './relay-sockets.js';

export interface Impairment {
  /** probability a datagram is dropped, 0..1 */
  readonly loss: number;
  /** probability a forwarded datagram is sent twice */
  readonly duplicate: number;
  /** probability a datagram is held back and overtaken by the next 1..maxDisplacement ones */
  readonly reorder: number;
  readonly maxDisplacement: number;
}

export interface RelayOptions {
  readonly audience: { readonly address: string; readonly port: number };
  readonly seed: number;
  /** presenter → audience (data) direction */
  readonly forward: Impairment;
  /** audience → presenter (acknowledgement) direction; defaults to `forward` */
  readonly backward?: Impairment;
}

export interface RelayCounters {
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** payload bytes of DATA datagrams dropped: what the transport has to resend at least */
  droppedDataBytes: number;
}

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same decisions. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Held {
  readonly buf: Buffer;
  countdown: number;
  readonly direction: Direction;
}

export class LossyRelay {
  readonly counters: RelayCounters = {
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    droppedDataBytes: 0,
  };
  private readonly held: Held[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly random: () => number;

  private constructor(
    private readonly sockets: RelaySockets,
    private readonly options: RelayOptions,
  ) {
    this.random = seededRandom(options.seed);
    sockets.onDatagram = (direction, msg) => this.pass(direction, msg);
  }

  static async start(options: RelayOptions, host = '127.0.0.1'): Promise<LossyRelay> {
    return new LossyRelay(await RelaySockets.open(options.audience, host), options);
  }

  /** Where the presenter should send (in place of the audience). */
  get port(): number {
    return this.sockets.port;
  }

  private pass(direction: Direction, msg: Buffer): void {
    const how =
      direction === 'forward'
        ? this.options.forward
        : (this.options.backward ?? this.options.forward);
    // release held datagrams that have now been overtaken enough
    const due: Held[] = [];
    for (const h of this.held) if (--h.countdown <= 0) due.push(h);
    if (this.random() < how.loss) {
      this.counters.dropped++;
      if (msg.length > DATA_HEADER_BYTES + TAG_BYTES && msg[3] === DatagramType.Data)
        this.counters.droppedDataBytes += msg.length - DATA_HEADER_BYTES - TAG_BYTES;
    } else if (this.random() < how.reorder) {
      this.counters.reordered++;
      this.held.push({
        buf: msg,
        countdown: 1 + Math.floor(this.random() * how.maxDisplacement),
        direction,
      });
      this.armFlush();
    } else {
      this.emit(direction, msg);
      if (this.random() < how.duplicate) {
        this.counters.duplicated++;
        this.emit(direction, msg);
      }
    }
    for (const h of due) {
      this.held.splice(this.held.indexOf(h), 1);
      this.emit(h.direction, h.buf);
    }
  }

  private emit(direction: Direction, buf: Buffer): void {
    this.counters.forwarded++;
    this.sockets.deliver(direction, buf);
  }

  /** Held datagrams must not wait forever when traffic pauses. */
  private armFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      for (const h of this.held.splice(0)) this.emit(h.direction, h.buf);
    }, 5);
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.sockets.close();
  }
}
