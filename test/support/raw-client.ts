import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame-codec.js';
import type { CommandArgs, CommandName, CommandReply } from '../../src/protocol/catalogue.js';
import { decodeServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import { ChangeSignal } from './change-signal.js';

/** A protocol-level client for tests that need to misbehave or look at raw replies. */
export class RawClient {
  readonly received: ServerMessage[] = [];
  /**
   * Frames that are not a valid server message (PROTOCOL.md's shapes), as text: the real client
   * reports each as a protocol error, so a server must never send one.
   */
  readonly malformed: string[] = [];
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private readonly changed = new ChangeSignal();
  private nextId = 1;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (frames.isOk())
        for (const f of frames.value)
          decodeServerMessage(f).match(
            (m) => this.received.push(m),
            () => this.malformed.push(f.toString('utf8')),
          );
      this.changed.notify();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.changed.notify();
        resolve();
      }),
    );
  }

  /**
   * Connects over TLS like the real client (the certificate is not checked: these tests are
   * about the protocol, trust has its own tests), or over plain TCP with `plaintext`.
   */
  static connect(port: number, options: { plaintext?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = options.plaintext
        ? connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)))
        : connectTls(
            { host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' },
            () => resolve(new RawClient(socket)),
          );
      socket.once('error', reject);
    });
  }

  sendJson(value: unknown): void {
    this.socket.write(encodeFrame(JSON.stringify(value)));
  }

  sendBytes(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  hello(): void {
    this.sendJson({ t: 'hello', v: 1 });
  }

  request(cmd: string, args: string[] = []): number {
    const id = this.nextId++;
    this.sendJson({ t: 'req', id, cmd, args });
    return id;
  }

  /**
   * Several frames in one write, so the server reads them together (one read, one batch):
   * requests by `cmd`, anything else as `frame`. Returns each request's id, in order.
   */
  sendTogether(
    frames: ReadonlyArray<{ cmd: string; args?: string[] } | { frame: unknown }>,
  ): number[] {
    const ids: number[] = [];
    const encoded = frames.map((f) => {
      if ('frame' in f) return encodeFrame(JSON.stringify(f.frame));
      const id = this.nextId++;
      ids.push(id);
      return encodeFrame(JSON.stringify({ t: 'req', id, cmd: f.cmd, args: f.args ?? [] }));
    });
    this.socket.write(Buffer.concat(encoded));
    return ids;
  }

  /** Waits for a message matching `predicate` (bounded so a broken test fails, not hangs). */
  async waitFor(
    predicate: (m: ServerMessage) => boolean,
    timeoutMs = 10_000,
  ): Promise<ServerMessage> {
    return this.changed.until(
      () => {
        const found = this.received.find(predicate);
        if (!found && this.closed)
          throw new Error(`connection closed; received ${JSON.stringify(this.received)}`);
        return found;
      },
      timeoutMs,
      () => new Error(`timed out; received ${JSON.stringify(this.received)}`),
    );
  }

  /** A well-formed request of the catalogue, and its typed reply. */
  async ask<C extends CommandName>(cmd: C, args: CommandArgs<C>): Promise<CommandReply<C>> {
    const id = this.request(cmd, [...args]);
    const reply = await this.waitFor((m) => m.t === 'res' && m.id === id);
    // the server's reply to `cmd` has the catalogue's shape: that is what the tests check
    return reply as CommandReply<C>;
  }

  response(id: number): Promise<ServerMessage> {
    return this.waitFor((m) => m.t === 'res' && m.id === id);
  }

  async login(username: string, password: string, udpPort = 9): Promise<void> {
    this.hello();
    await this.waitFor((m) => m.t === 'welcome');
    await this.response(this.request('username', [username]));
    const res = await this.response(this.request('password', [password, String(udpPort)]));
    if (res.t !== 'res' || !res.ok) throw new Error(`login failed: ${JSON.stringify(res)}`);
  }

  close(): void {
    this.socket.end();
  }
}
