// A UDP relay between a presenter and an audience that a test lets attack the transfer: every
// datagram passes through `meddle`, which returns what to deliver instead (nothing = dropped, the
// original, a tampered copy, extra forged or replayed datagrams). It also records every datagram
// it saw, as an eavesdropper on the path would. The sockets are relay-sockets.ts's.
import { RelaySockets, type Address, type Direction } from './relay-sockets.js';

export type { Direction } from './relay-sockets.js';

/** Returns the datagrams to deliver in `direction` in place of `msg`. */
export type Meddler = (direction: Direction, msg: Buffer) => Buffer[];

export class MeddlingRelay {
  readonly seen: { direction: Direction; msg: Buffer }[] = [];
  meddle: Meddler = (_direction, msg) => [msg];

  private constructor(private readonly sockets: RelaySockets) {
    sockets.onDatagram = (direction, msg) => this.pass(direction, msg);
  }

  static async start(audience: Address): Promise<MeddlingRelay> {
    return new MeddlingRelay(await RelaySockets.open(audience));
  }

  get port(): number {
    return this.sockets.port;
  }

  /** Everything seen so far, as one buffer (for searching). */
  recorded(): Buffer {
    return Buffer.concat(this.seen.map((s) => s.msg));
  }

  private pass(direction: Direction, msg: Buffer): void {
    this.seen.push({ direction, msg: Buffer.from(msg) });
    for (const out of this.meddle(direction, msg)) this.deliver(direction, out);
  }

  deliver(direction: Direction, buf: Buffer): void {
    this.sockets.deliver(direction, buf);
  }

  close(): Promise<void> {
    return this.sockets.close();
  }
}
