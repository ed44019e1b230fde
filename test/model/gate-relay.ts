// A UDP relay between a presenter and an audience that a test steers datagram by datagram: each
// direction has a rule per datagram type (pass, hold or drop); held datagrams are released on
// demand (optionally altered), and datagrams can be injected towards either side. The relay is a
// man in the middle on 127.0.0.1, so the audience sees it as the presenter's address.
//
//   presenter ──▶ front (relay.port) ──▶ back ──▶ audience
//   presenter ◀── front               ◀── back ◀── audience
import dgram from 'node:dgram';
import { decodeDatagram, type Datagram } from '../../src/p2p/datagram.js';
import { ChangeSignal } from '../support/change-signal.js';

export type Rule = 'pass' | 'hold' | 'drop';
export type Direction = 'forward' | 'backward';
type Kind = Datagram['type'];

export interface Seen {
  readonly direction: Direction;
  readonly datagram: Datagram;
  readonly buf: Buffer;
}

export class GateRelay {
  readonly seen: Seen[] = [];
  private readonly rules: Record<Direction, Partial<Record<Kind, Rule>> & { default: Rule }> = {
    forward: { default: 'hold' },
    backward: { default: 'hold' },
  };
  private readonly held: Record<Direction, Seen[]> = { forward: [], backward: [] };
  private presenter: { address: string; port: number } | null = null;
  private readonly changed = new ChangeSignal();

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    private readonly audience: { address: string; port: number },
  ) {
    front.on('message', (msg, rinfo) => {
      this.presenter = { address: rinfo.address, port: rinfo.port };
      this.arrive('forward', msg);
    });
    back.on('message', (msg) => this.arrive('backward', msg));
    front.on('error', () => undefined);
    back.on('error', () => undefined);
  }

  static async start(audience: { address: string; port: number }): Promise<GateRelay> {
    const bind = (): Promise<dgram.Socket> =>
      new Promise((resolve) => {
        const s = dgram.createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    return new GateRelay(await bind(), await bind(), audience);
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
    const decoded = decodeDatagram(buf);
    if (decoded.isErr()) return;
    const s: Seen = { direction, datagram: decoded.value, buf: Buffer.from(buf) };
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

  /** Sends on the held datagrams that match (altered by `alter` if given); returns how many. */
  release(direction: Direction, match: (s: Seen) => boolean, alter?: (buf: Buffer) => Buffer): number {
    const keep: Seen[] = [];
    let n = 0;
    for (const s of this.held[direction]) {
      if (match(s)) {
        this.deliver(direction, alter ? alter(Buffer.from(s.buf)) : s.buf);
        n++;
      } else keep.push(s);
    }
    this.held[direction] = keep;
    return n;
  }

  heldOf(direction: Direction, kind: Kind): Seen[] {
    return this.held[direction].filter((s) => s.datagram.type === kind);
  }

  /** Sends `buf` to the presenter (backward) or the audience (forward) as if the peer had. */
  inject(direction: Direction, buf: Buffer): void {
    this.deliver(direction, buf);
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
    return this.changed.until(() => this.seen.find(pred), timeoutMs, () => new Error(`the relay never saw ${what}`));
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}
