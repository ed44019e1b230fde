// A UDP relay between a presenter and an audience that a test steers datagram by datagram: each
// direction has a rule per datagram type (pass, hold or drop); held datagrams are released on
// demand (optionally altered), and datagrams can be injected towards either side. The relay is a
// man in the middle on 127.0.0.1, so the audience sees it as the presenter's address. It is given
// the transfer key (an insider, as a test must be to steer by datagram type and sequence number):
// it opens what passes, and what it alters or injects it seals again like the real sender would,
// with packet numbers far above the peers' own so no nonce is reused.
//
//   presenter ──▶ front (relay.port) ──▶ back ──▶ audience
//   presenter ◀── front               ◀── back ◀── audience
import dgram from 'node:dgram';
import { decodeDatagram, type Datagram } from '../../src/p2p/datagram.js';
import { DatagramSeal, deriveTransferKeys } from '../../src/p2p/seal.js';
import { ChangeSignal } from '../support/change-signal.js';

export type Rule = 'pass' | 'hold' | 'drop';
export type Direction = 'forward' | 'backward';
type Kind = Datagram['type'];

export interface Seen {
  readonly direction: Direction;
  readonly datagram: Datagram;
  /** as it travelled (sealed) */
  readonly buf: Buffer;
  /** the same datagram opened */
  readonly plain: Buffer;
}

const INSIDER_PACKET_NUMBERS = 2 ** 40;

export class GateRelay {
  readonly seen: Seen[] = [];
  private readonly rules: Record<Direction, Partial<Record<Kind, Rule>> & { default: Rule }> = {
    forward: { default: 'hold' },
    backward: { default: 'hold' },
  };
  private readonly held: Record<Direction, Seen[]> = { forward: [], backward: [] };
  private presenter: { address: string; port: number } | null = null;
  private readonly changed = new ChangeSignal();
  /** forward datagrams are the presenter's: opened as the audience does, re-sealed as the presenter does */
  private readonly seals: Record<Direction, { open: DatagramSeal; seal: DatagramSeal }>;

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    private readonly audience: { address: string; port: number },
    key: Buffer,
  ) {
    const keys = deriveTransferKeys(key);
    this.seals = {
      forward: {
        open: new DatagramSeal(keys, 'audience'),
        seal: new DatagramSeal(keys, 'presenter', true, INSIDER_PACKET_NUMBERS),
      },
      backward: {
        open: new DatagramSeal(keys, 'presenter'),
        seal: new DatagramSeal(keys, 'audience', true, INSIDER_PACKET_NUMBERS),
      },
    };
    front.on('message', (msg, rinfo) => {
      this.presenter = { address: rinfo.address, port: rinfo.port };
      this.arrive('forward', msg);
    });
    back.on('message', (msg) => this.arrive('backward', msg));
    front.on('error', () => undefined);
    back.on('error', () => undefined);
  }

  static async start(audience: { address: string; port: number }, key: Buffer): Promise<GateRelay> {
    const bind = (): Promise<dgram.Socket> =>
      new Promise((resolve) => {
        const s = dgram.createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    return new GateRelay(await bind(), await bind(), audience, key);
  }

  get port(): number {
    return this.front.address().port;
  }

  /** Sets what happens to datagrams of `kinds` (or, without kinds, to every other kind). */
  rule(direction: Direction, rule: Rule, ...kinds: Kind[]): void {
    if (kinds.length === 0) {
      this.rules[direction] = { default: rule };
      return;
    }
    for (const k of kinds) this.rules[direction][k] = rule;
  }

  private arrive(direction: Direction, buf: Buffer): void {
    const plain = this.seals[direction].open.unseal(buf);
    if (plain.isErr()) return;
    const decoded = decodeDatagram(plain.value);
    if (decoded.isErr()) return;
    const s: Seen = {
      direction,
      datagram: decoded.value,
      buf: Buffer.from(buf),
      plain: plain.value,
    };
    this.seen.push(s);
    const rules = this.rules[direction];
    const rule = rules[s.datagram.type] ?? rules.default;
    if (rule === 'pass') this.deliver(direction, s.buf);
    else if (rule === 'hold') this.held[direction].push(s);
    this.changed.notify();
  }

  private deliver(direction: Direction, buf: Buffer): void {
    if (direction === 'forward') this.back.send(buf, this.audience.port, this.audience.address);
    else if (this.presenter) this.front.send(buf, this.presenter.port, this.presenter.address);
  }

  /** Sends on the held datagrams that match (the plaintext altered by `alter` and sealed again, if given); returns how many. */
  release(
    direction: Direction,
    match: (s: Seen) => boolean,
    alter?: (buf: Buffer) => Buffer,
  ): number {
    const keep: Seen[] = [];
    let n = 0;
    for (const s of this.held[direction]) {
      if (match(s)) {
        this.deliver(
          direction,
          alter ? this.sealFor(direction, alter(Buffer.from(s.plain))) : s.buf,
        );
        n++;
      } else keep.push(s);
    }
    this.held[direction] = keep;
    return n;
  }

  heldOf(direction: Direction, kind: Kind): Seen[] {
    return this.held[direction].filter((s) => s.datagram.type === kind);
  }

  /** Seals the plaintext datagram `plain` and sends it to the presenter (backward) or the audience (forward) as if the peer had. */
  inject(direction: Direction, plain: Buffer): void {
    this.deliver(direction, this.sealFor(direction, plain));
  }

  private sealFor(direction: Direction, plain: Buffer): Buffer {
    return Buffer.concat(this.seals[direction].seal.seal([plain]));
  }

  /** The transfer's connection id, for datagrams a test builds itself. */
  get connectionId(): Buffer {
    return this.seals.forward.seal.connectionId;
  }

  lastSeen(direction: Direction, kind: Kind): Seen | undefined {
    for (let i = this.seen.length - 1; i >= 0; i--) {
      const s = this.seen[i]!;
      if (s.direction === direction && s.datagram.type === kind) return s;
    }
    return undefined;
  }

  /** Waits until a datagram matching `pred` has been seen. */
  async waitFor(pred: (s: Seen) => boolean, what: string, timeoutMs = 10_000): Promise<Seen> {
    return this.changed.until(
      () => this.seen.find(pred),
      timeoutMs,
      () => new Error(`the relay never saw ${what}`),
    );
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}
