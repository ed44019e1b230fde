// The plumbing the test relays share (lossy-relay.ts misbehaves like a bad network,
// meddling-relay.ts lets a test attack the transfer): two UDP sockets on the path between a
// presenter and an audience. The presenter sends to the front socket, which remembers where it
// heard the presenter from; the back socket talks to the audience. Every datagram is handed to
// `onDatagram` (set by the relay that owns the sockets) with its direction; the relay decides
// what to `deliver`.
//
//   presenter ──▶ front (port) ──▶ back ──▶ audience      forward
//   presenter ◀── front        ◀── back ◀── audience      backward
import dgram from 'node:dgram';

export type Direction = 'forward' | 'backward';

export interface Address {
  readonly address: string;
  readonly port: number;
}

export class RelaySockets {
  /** The owning relay's decision for each datagram; until set, everything is dropped. */
  onDatagram: (direction: Direction, msg: Buffer) => void = () => undefined;
  private presenter: Address | null = null;

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    private readonly audience: Address,
  ) {
    front.on('message', (msg, rinfo) => {
      this.presenter = { address: rinfo.address, port: rinfo.port };
      this.onDatagram('forward', msg);
    });
    // nothing can go backward before the presenter was heard: the audience answers only it
    back.on('message', (msg) => {
      if (this.presenter !== null) this.onDatagram('backward', msg);
    });
    // ICMP feedback from a peer that has gone concerns single datagrams, never the relay
    front.on('error', () => undefined);
    back.on('error', () => undefined);
  }

  static async open(audience: Address, host = '127.0.0.1'): Promise<RelaySockets> {
    const bound = async (): Promise<dgram.Socket> => {
      const s = dgram.createSocket({
        type: 'udp4',
        recvBufferSize: 4 << 20,
        sendBufferSize: 4 << 20,
      });
      await new Promise<void>((resolve) => s.bind(0, host, resolve));
      return s;
    };
    return new RelaySockets(await bound(), await bound(), audience);
  }

  /** Where the presenter sends (in place of the audience). */
  get port(): number {
    return this.front.address().port;
  }

  /** Sends `buf` on in `direction`: to the audience, or back to the presenter. */
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
