import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import { ChangeSignal } from './change-signal.js';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const SERVER_BIN = join(ROOT, 'dist/src/cli/server.js');
export const CLIENT_BIN = join(ROOT, 'dist/src/cli/client.js');
export const EXAMPLE_CREDENTIALS = join(ROOT, 'examples/credentials.txt');

/** Passwords from examples/credentials.txt. */
export const PASSWORDS: Record<string, string> = {
  Yoda: 'wise@!manbaby',
  'Obi-wan': 'bearded@jedi',
  Hans: 'falcon*solo',
  Luke: '8ight*saber',
  Leia: 'princess!alder',
  Vader: '666sithlord**',
};

// Waiting is for something to be printed, never for time to pass; this only bounds a broken test.
const DEFAULT_WAIT_MS = 15_000;
// A server's start includes TLS set-up and, for test servers run through tsx, compiling: on a
// loaded 2-core machine several starting at once can take longer than one ordinary wait.
const SERVER_START_WAIT_MS = 45_000;

export const tempDir = (label: string): string =>
  mkdtempSync(join(tmpdir(), `tessenger-${label}-`));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

let setupFailure: unknown;

/**
 * `test.before` whose failure is seen. uvu swallows an error thrown by a `before` hook (its runner
 * returns from a `finally`): the file would report no test passed without saying why, and hang on
 * the servers the hook had already started. Here the error is printed, every test of the file fails
 * with it, and the programs started so far are ended.
 */
export function beforeAll(hook: () => Promise<void> | void): void {
  test.before(async () => {
    try {
      await hook();
    } catch (error) {
      setupFailure = error ?? new Error('the before hook failed');
      console.error('setup (before hook) failed:', error);
      for (const child of live) child.kill('SIGKILL');
    }
  });
}

// Programs started inside a test (not in a `before` hook) end with it: a failed test must not
// leave a server or client running that keeps this test file's process alive.
let inTest = false;
const startedInTest = new Set<ChildProcess>();
test.before.each(() => {
  inTest = true;
  if (setupFailure !== undefined) throw setupFailure;
});
test.after.each(() => {
  inTest = false;
  for (const child of startedInTest)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  startedInTest.clear();
});

/**
 * A real program under test. Output is read like a transcript: `expect` waits until the text
 * appears after the cursor and moves the cursor past it, so steps read in order.
 */
export class Program {
  private out = '';
  private cursor = 0;
  private readonly changed = new ChangeSignal();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    live.add(child);
    if (inTest) startedInTest.add(child);
    const collect = (d: Buffer) => {
      this.out += d.toString('utf8');
      this.changed.notify();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolveExit) =>
      child.on('close', (code, signal) => {
        live.delete(child);
        this.changed.notify();
        resolveExit({ code, signal });
      }),
    );
  }

  get output(): string {
    return this.out;
  }

  /** Everything printed since the cursor. */
  get unread(): string {
    return this.out.slice(this.cursor);
  }

  private find(pattern: string | RegExp): { index: number; text: string } | undefined {
    const rest = this.out.slice(this.cursor);
    if (typeof pattern === 'string') {
      const index = rest.indexOf(pattern);
      return index < 0 ? undefined : { index, text: pattern };
    }
    const match = pattern.exec(rest);
    return match ? { index: match.index, text: match[0] } : undefined;
  }

  /** Waits for `pattern` after the cursor; returns the matched text and moves past it. */
  async expect(pattern: string | RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const found = await this.changed.until(
      () => {
        const hit = this.find(pattern);
        if (!hit && (this.child.exitCode !== null || this.child.signalCode !== null)) {
          throw new Error(
            `${this.name} exited before printing ${String(pattern)}. Output since cursor:\n${this.unread}`,
          );
        }
        return hit;
      },
      timeoutMs,
      () =>
        new Error(
          `${this.name} did not print ${String(pattern)} within ${timeoutMs} ms. Output since cursor:\n${this.unread}`,
        ),
    );
    this.cursor += found.index + found.text.length;
    return found.text;
  }

  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  closeInput(): void {
    this.child.stdin?.end();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  async exitCode(): Promise<number | null> {
    return (await this.exited).code;
  }
}

export interface ServerHandle {
  program: Program;
  port: number;
  /** The certificate fingerprint the server printed (undefined with --plaintext), for clients' --fingerprint. */
  fingerprint: string | undefined;
  dir: string;
  dataDir: string;
  userlog(): string[];
  messagelog(): string[];
  groupLog(group: string): string[];
  stop(): Promise<number | null>;
}

export interface ServerOptions {
  attempts?: number;
  blockSeconds?: number;
  credentials?: string;
  dir?: string;
  args?: string[];
  /** Node arguments that start the server instead of the built bin (e.g. a test fixture). */
  entry?: string[];
}

const readLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

/**
 * Starts the server program in `options.dir` (a temp directory by default, with the example
 * credentials) without waiting for it to listen: for tests of the start-up itself.
 */
export function spawnServer(options: ServerOptions = {}): { program: Program; dir: string } {
  const dir = options.dir ?? tempDir('server');
  const credentialsFile = join(dir, 'credentials.txt');
  if (!existsSync(credentialsFile))
    writeFileSync(
      credentialsFile,
      options.credentials ?? readFileSync(EXAMPLE_CREDENTIALS, 'utf8'),
    );
  const args = [
    ...(options.entry ?? [SERVER_BIN]),
    '0',
    String(options.attempts ?? 3),
    '--host',
    '127.0.0.1',
    '--data-dir',
    join(dir, 'data'),
    '--block-seconds',
    String(options.blockSeconds ?? 10),
    ...(options.args ?? []),
  ];
  const program = new Program(
    'server',
    spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  return { program, dir };
}

export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  const { program, dir } = spawnServer(options);
  const dataDir = join(dir, 'data');
  const line = await program.expect(/listening on [\d.]+:(\d+)/, SERVER_START_WAIT_MS);
  const port = Number(/:(\d+)$/.exec(line)?.[1]);
  return {
    program,
    port,
    fingerprint: /TLS certificate (SHA256:\S+)/.exec(program.output)?.[1],
    dir,
    dataDir,
    userlog: () => readLines(join(dataDir, 'userlog.txt')),
    messagelog: () => readLines(join(dataDir, 'messagelog.txt')),
    groupLog: (group) => readLines(join(dataDir, `${group}_messagelog.txt`)),
    stop: async () => {
      program.kill('SIGTERM');
      return program.exitCode();
    },
  };
}

const LINK_SECURITY_FLAGS = ['--plaintext', '--ca', '--fingerprint', '--known-servers'];

/**
 * Starts a client. It connects over TLS and pins the server in a known-servers file of its own
 * (in its temp dir), so a test never reads or writes the real ~/.config; a test that passes its
 * own link-security option decides for itself.
 */
export function startClient(
  server: { port: number },
  name = 'client',
  options: { udpPort?: number; args?: string[]; dir?: string } = {},
): Program {
  const dir = options.dir ?? tempDir(`client-${name}`);
  const own = options.args ?? [];
  const trust = own.some((a) => LINK_SECURITY_FLAGS.includes(a))
    ? []
    : ['--known-servers', join(dir, 'known_servers')];
  const args = [
    CLIENT_BIN,
    '127.0.0.1',
    String(server.port),
    String(options.udpPort ?? 0),
    ...trust,
    ...own,
  ];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const program = new Program(name, child);
  (program as Program & { dir: string }).dir = dir;
  return program;
}

export const clientDir = (program: Program): string => (program as Program & { dir: string }).dir;

export const PROMPT =
  'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingroup, /groupmsg, /p2pvideo, /logout):';

/** Starts a client and logs it in as `user`, waiting for the first command prompt. */
export async function loggedIn(
  server: { port: number },
  user: string,
  options: { udpPort?: number; args?: string[]; dir?: string } = {},
): Promise<Program> {
  const client = startClient(server, user, options);
  await client.expect('Please login');
  await client.expect('Username:');
  client.type(user);
  await client.expect('Password:');
  client.type(PASSWORDS[user] ?? 'unknown');
  await client.expect('Welcome to TESSENGER!');
  await client.expect(PROMPT);
  return client;
}

/** Waits until `check` holds, re-checking whenever `program` prints (e.g. a file the server writes). */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
