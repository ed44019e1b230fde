// The load generator's own minimal Tessenger client: one TCP connection, frames parsed
// incrementally, outgoing frames gathered per event-loop turn and written as one buffer.
// Hot-path traffic (load requests, responses, events) goes through plain callbacks; promises are
// used only for the few setup round trips (handshake, login, group set-up).
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';

export interface Response {
  t: 'res';
  id: number;
  ok: boolean;
  data?: unknown;
  error?: { code: string; [key: string]: unknown };
}

// Events are the protocol catalogue's, so a renamed field breaks the bench at compile time.
export type { ServerEvent } from '../../src/protocol/catalogue.js';
import type { ServerEvent } from '../../src/protocol/catalogue.js';

/** Ids of setup requests; load requests use their sequence number (< 2^30) as id. */
const SETUP_ID_BASE = 2 ** 30;

const dirty = new Set<BenchConnection>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const connection of dirty) connection.flush();
  dirty.clear();
}

export class SetupError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export class BenchConnection {
  private pending: string[] = [];
  private leftover: Buffer | null = null;
  private nextSetupId = SETUP_ID_BASE;
  private readonly waiters = new Map<number, (response: Response) => void>();
  private welcomeWaiter: ((ok: boolean) => void) | null = null;
  closed = false;
  closingCode: string | null = null;
  onResponse: ((response: Response) => void) | null = null;
  onEvent: ((event: ServerEvent) => void) | null = null;
  onClose: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.welcomeWaiter?.(false);
      for (const waiter of this.waiters.values())
        waiter({
          t: 'res',
          id: -1,
          ok: false,
          error: { code: this.closingCode ?? 'CONNECTION_CLOSED' },
        });
      this.waiters.clear();
      this.onClose?.();
    });
  }

  /** Plain TCP, or with `tls` the server's default TLS 1.3 (the certificate is not checked: a benchmark). */
  static open(port: number, host = '127.0.0.1', tls = false): Promise<BenchConnection> {
    return new Promise((resolve, reject) => {
      const socket = tls
        ? connectTls({ port, host, rejectUnauthorized: false, minVersion: 'TLSv1.3' })
        : connect({ port, host });
      const failed = (e: Error) =>
        reject(new SetupError((e as NodeJS.ErrnoException).code ?? 'CONNECT_FAILED'));
      socket.once('error', failed);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', failed);
        resolve(new BenchConnection(socket));
      });
    });
  }

  /** Queues one JSON message; all queued frames go out in one write at the end of this turn. */
  sendJson(json: string): void {
    if (this.closed) return;
    this.pending.push(json);
    dirty.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  flush(): void {
    const count = this.pending.length;
    if (count === 0 || this.closed) {
      this.pending = [];
      return;
    }
    let total = 0;
    const lengths = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const n = Buffer.byteLength(this.pending[i]!, 'utf8');
      lengths[i] = n;
      total += 4 + n;
    }
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const n = lengths[i]!;
      out.writeUInt32BE(n, at);
      out.write(this.pending[i]!, at + 4, n, 'utf8');
      at += 4 + n;
    }
    this.pending = [];
    this.socket.write(out);
  }

  private onData(chunk: Buffer): void {
    const buffer = this.leftover ? Buffer.concat([this.leftover, chunk]) : chunk;
    let at = 0;
    const end = buffer.length;
    while (end - at >= 4) {
      const size = buffer.readUInt32BE(at);
      if (end - at - 4 < size) break;
      const text = buffer.toString('utf8', at + 4, at + 4 + size);
      at += 4 + size;
      this.dispatch(JSON.parse(text) as Response | ServerEvent | { t: 'welcome' });
    }
    this.leftover = at === end ? null : buffer.subarray(at);
  }

  private dispatch(message: Response | ServerEvent | { t: 'welcome' }): void {
    if (message.t === 'res') {
      const waiter = message.id >= SETUP_ID_BASE ? this.waiters.get(message.id) : undefined;
      if (waiter) {
        this.waiters.delete(message.id);
        waiter(message);
      } else {
        this.onResponse?.(message);
      }
    } else if (message.t === 'ev') {
      if (message.ev === 'closing') this.closingCode = message.error.code;
      this.onEvent?.(message);
    } else if (message.t === 'welcome') {
      this.welcomeWaiter?.(true);
      this.welcomeWaiter = null;
    }
  }

  /** A setup round trip (not for load: it allocates a promise and a closure). */
  request(cmd: string, args: string[]): Promise<Response> {
    const id = this.nextSetupId++;
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.sendJson(JSON.stringify({ t: 'req', id, cmd, args }));
    });
  }

  /** The handshake: hello, answered by the welcome. */
  async hello(): Promise<void> {
    const welcomed = new Promise<boolean>((resolve) => (this.welcomeWaiter = resolve));
    this.sendJson(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, agent: 'tessenger-bench' }));
    if (!(await welcomed)) throw new SetupError(this.closingCode ?? 'NO_WELCOME');
  }

  async login(username: string, password: string, udpPort: number): Promise<void> {
    await this.hello();
    const asked = await this.request('username', [username]);
    if (!asked.ok) throw new SetupError(asked.error?.code ?? 'USERNAME_REFUSED');
    const accepted = await this.request('password', [password, String(udpPort)]);
    if (!accepted.ok) throw new SetupError(accepted.error?.code ?? 'PASSWORD_REFUSED');
  }

  destroy(): void {
    this.socket.destroy();
  }
}
