// A UDP relay between a presenter and an audience that a test lets attack the transfer: every
// datagram passes through `meddle`, which returns what to deliver instead (nothing = dropped, the
// original, a tampered copy, extra forged or replayed datagrams). It also records every datagram
// it saw, as an eavesdropper on the path would.
//
//   presenter ──▶ relay.port (front) ──▶ back socket ──▶ audience
//   presenter ◀── front socket        ◀── back socket ◀── audience
import dgram from 'node:dgram';

export type Direction = 'forward' | 'backward';

/** Returns the datagrams to deliver in `direction` in place of `msg`. */
export type Meddler = (direction: Direction, msg: Buffer) => Buffer[];

export class MeddlingRelay {
  readonly seen: { direction: Direction; msg: Buffer }[] = [];
  meddle: Meddler = (_direction, msg) => [msg];
  private presenter: { address: string; port: number } | null = null;

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    private readonly audience: { address: string; port: number },
  ) {
    front.on('message', (msg, rinfo) => {
      this.presenter = { address: rinfo.address, port: rinfo.port };
      this.pass('forward', msg);
    });
    back.on('message', (msg) => this.pass('backward', msg));
    front.on('error', () => undefined);
    back.on('error', () => undefined);
  }

  static async start(audience: { address: string; port: number }): Promise<MeddlingRelay> {
    const open = async (): Promise<dgram.Socket> => {
      const s = dgram.createSocket({
        type: 'udp4',
        recvBufferSize: 4 << 20,
        sendBufferSize: 4 << 20,
      });
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    };
    return new MeddlingRelay(await open(), await open(), audience);
  }

  get port(): number {
    return this.front.address().port;
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
    if (direction === 'forward') this.back.send(buf, this.audience.port, this.audience.address);
    else if (this.presenter) this.front.send(buf, this.presenter.port, this.presenter.address);
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.front, this.back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  }
}
