// Shared helpers of the model-based tests: a console watcher that many concurrent paths can wait
// on (unlike Program.expect, which reads one transcript in order), credentials files with one
// user per path, and a thin wrapper around RawClient with the waits the drivers need.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { ResponseMessage, ServerMessage } from '../../src/protocol/messages.js';
import type { Program } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';
import { ChangeSignal } from '../support/change-signal.js';

// Bounds a broken test; nothing waits for time to pass.
export const WAIT_MS = 10_000;

/**
 * Collects the server's console lines; any number of paths can wait for their own lines. From a
 * server process's output, or (without a program) from an in-process server's console (`push`).
 */
export class ConsoleWatch {
  private text = '';
  private readonly changed = new ChangeSignal();

  constructor(program?: Program) {
    if (!program) return;
    this.text = program.output;
    const collect = (d: Buffer): void => this.push(d.toString('utf8'));
    program.child.stdout?.on('data', collect);
    program.child.stderr?.on('data', collect);
  }

  /** Console text as the server writes it (whole lines, each ending in a newline). */
  push(text: string): void {
    this.text += text;
    this.changed.notify();
  }

  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }

  /** How many complete lines equal `line` (or match it). */
  count(line: string | RegExp): number {
    return this.lines().filter((l) => (typeof line === 'string' ? l === line : line.test(l)))
      .length;
  }

  /** Waits until at least `times` lines equal `line` (or match it). */
  async waitFor(line: string | RegExp, times = 1, timeoutMs = WAIT_MS): Promise<void> {
    await this.changed.until(
      () => (this.count(line) >= times ? true : undefined),
      timeoutMs,
      () =>
        new Error(
          `server console never printed ${String(line)} (x${times}); last lines:\n${this.lines().slice(-15).join('\n')}`,
        ),
    );
  }
}

/** Writes `credentials.txt` in `dir` (startServer uses it as is when present). */
export function writeCredentials(
  dir: string,
  users: ReadonlyArray<readonly [string, string]>,
): void {
  writeFileSync(join(dir, 'credentials.txt'), users.map(([u, p]) => `${u} ${p}\n`).join(''));
}

/** A pool of fresh usernames: each path takes its own, so per-username state never leaks. */
export class UserPool {
  private next = 0;
  constructor(private readonly names: readonly string[]) {}
  take(): string {
    const name = this.names[this.next++];
    if (name === undefined)
      throw new Error('the credentials file has too few users for the generated paths');
    return name;
  }
}

const isRes = (id: number) => (m: ServerMessage) => m.t === 'res' && m.id === id;

/** A protocol connection as one path step sees it. */
export class Conn {
  private constructor(readonly raw: RawClient) {}

  static async open(port: number, options: { plaintext?: boolean } = {}): Promise<Conn> {
    const raw = await RawClient.connect(port, options);
    raw.hello();
    await raw.waitFor((m) => m.t === 'welcome', WAIT_MS);
    return new Conn(raw);
  }

  send(cmd: string, args: string[] = []): number {
    return this.raw.request(cmd, args);
  }

  async reply(id: number): Promise<ResponseMessage> {
    const reply = (await this.raw.waitFor(isRes(id), WAIT_MS)) as ResponseMessage;
    // frames arrive in order: anything malformed sent before this answer has arrived by now
    assert.equal(this.raw.malformed, [], 'every frame the server sent is a valid server message');
    return reply;
  }

  async call(cmd: string, args: string[] = []): Promise<ResponseMessage> {
    return this.reply(this.send(cmd, args));
  }

  /** Asserts the request succeeded and returns its data. */
  async ok(cmd: string, args: string[] = []): Promise<unknown> {
    const r = await this.call(cmd, args);
    if (!r.ok) assert.unreachable(`${cmd} failed: ${JSON.stringify(r)}`);
    return r.ok ? r.data : undefined;
  }

  /** Asserts the request failed with `code`. */
  async fails(cmd: string, args: string[], code: string): Promise<void> {
    const r = await this.call(cmd, args);
    assert.is(
      r.ok ? 'ok' : r.error.code,
      code,
      `${cmd} ${JSON.stringify(args)}: ${JSON.stringify(r)}`,
    );
  }

  errorCode(r: ResponseMessage): string {
    return r.ok ? 'ok' : r.error.code;
  }

  /** Waits for a `closing` event and returns its code. */
  async closing(): Promise<string> {
    const m = await this.raw.waitFor((x) => x.t === 'ev' && x.ev === 'closing', WAIT_MS);
    const error = m.t === 'ev' ? (m.error as { code?: unknown } | undefined) : undefined;
    return typeof error?.code === 'string' ? error.code : '';
  }

  /** Waits until the server has closed the connection. */
  async closedByServer(): Promise<void> {
    await withTimeout(this.raw.closedPromise, 'the server to close the connection');
  }

  get isClosed(): boolean {
    return this.raw.closed;
  }

  /** Closes our side and waits for the socket to be fully closed. */
  async close(): Promise<void> {
    if (!this.raw.closed) this.raw.close();
    await withTimeout(this.raw.closedPromise, 'the connection to close');
  }

  /** Abrupt close, as a crashed client would. */
  destroy(): void {
    this.raw.socket.destroy();
  }
}

export async function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** userlog.txt lines naming `user` (field 3). */
export const userlogHas = (lines: readonly string[], user: string): boolean =>
  lines.some((l) => l.split('; ')[2] === user);
