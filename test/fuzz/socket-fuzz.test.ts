// Socket-level fuzzing of a live server (SPEC §7): fifty concurrent connections keep misbehaving
// (random bytes, truncated frames, huge headers, slow drips, floods, silent holds, resets) while
// two real terminal clients exchange private messages. Afterwards every honest message arrived
// exactly once and is logged exactly once, the server still logs a fresh user in, and its memory
// stayed bounded. The load runs for a bounded while; no assertion depends on timing.
import type { Socket } from 'node:net';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame-codec.js';
import { decodeServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import {
  beforeAll,
  loggedIn,
  PASSWORDS,
  startServer,
  type Program,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

const SEED = 0x50c4e7;
const SLOTS = 50;
const HONEST_MESSAGES = 40; // each way
const MIN_SESSIONS = 1500; // fuzz sessions to finish before stopping (unless the load cap comes first)
const MAX_SESSIONS = 4000; // keeps ephemeral ports and CPU in check on small machines
const LOAD_CAP_MS = 8000; // a bound on how long the load runs, never asserted
const RSS_LIMIT_KIB = 300 * 1024;
const KNOWN = new Set<string>(ERROR_CODES);
const REFUSALS = ['TOO_MANY_CONNECTIONS', 'TOO_MANY_CONNECTIONS_FROM_IP'];

/** A small seeded generator (xorshift32), one per connection slot, so each slot's script is reproducible. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.next() % items.length] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

const header = (size: number): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(size >>> 0);
  return h;
};
const frame = (value: unknown): Buffer => encodeFrame(JSON.stringify(value));
const HELLO = frame({ t: 'hello', v: 1 });

// ---------- one misbehaving connection ----------

let stopping = false;
const open = new Set<Socket>();

interface Outcome {
  kind: Behaviour;
  closing: string[];
  codes: string[];
  refusedToConnect: boolean;
}

/** A raw connection that records what the server said, and knows when it is gone. */
class FuzzConn {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    open.add(socket);
    socket.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (frames.isOk())
        for (const f of frames.value) decodeServerMessage(f).map((m) => this.messages.push(m));
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        open.delete(socket);
        this.wake();
        resolve();
      }),
    );
    // A connection whose TLS handshake finished after the stop was called is ended at once (the
    // stop's sweep of open sockets has passed; a paused TLS socket never notices the server's close).
    if (stopping) socket.destroy();
  }

  static open(port: number): Promise<FuzzConn | undefined> {
    return new Promise((resolve) => {
      // Over TLS, the server's default: the fuzzing is of the protocol inside the secured link.
      const socket = connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      });
      socket.once('secureConnect', () => resolve(new FuzzConn(socket)));
      // A handshake the server cut (a limit, its handshake timeout) ends this attempt too.
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
      socket.once('error', () => resolve(undefined));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves with the first matching message, or undefined once the connection is gone. */
  async waitFor(predicate: (m: ServerMessage) => boolean): Promise<ServerMessage | undefined> {
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.isClosed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits until the server closes the connection (the fuzz stop destroys it otherwise). */
  untilClosed(): Promise<void> {
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * An abrupt close in the middle of a frame. Node cannot send a TCP reset under a TLS socket
   * (resetAndDestroy refuses its handle), so the nearest is a destroy without TLS close_notify.
   */
  reset(): void {
    this.socket.destroy();
  }

  outcome(kind: Behaviour): Outcome {
    const closing = this.messages
      .filter((m) => m.t === 'ev' && m.ev === 'closing')
      .map((m) => String((m as { error?: { code?: unknown } }).error?.code));
    const codes = this.messages.flatMap((m) => {
      if (m.t === 'res' && !m.ok) return [m.error.code as string];
      if (m.t === 'ev' && (m.ev === 'error' || m.ev === 'closing'))
        return [String((m as { error?: { code?: unknown } }).error?.code)];
      return [];
    });
    return { kind, closing, codes, refusedToConnect: false };
  }
}

const BEHAVIOURS = [
  'randomBytes',
  'truncatedFrame',
  'hugeHeader',
  'slowDrip',
  'floodUnauthenticated',
  'garbageJson',
  'holdSilent',
  'resetMidFrame',
  'loggedInFlood',
] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

/** What the server may close each kind of misbehaviour with (a refusal at accept is always allowed). */
const EXPECTED_CLOSING: Record<Behaviour, string[] | 'any'> = {
  randomBytes: 'any',
  truncatedFrame: ['LOGIN_TIMEOUT'],
  hugeHeader: ['FRAME_TOO_LARGE'],
  slowDrip: ['LOGIN_TIMEOUT', 'TOO_MANY_UNAUTHENTICATED_MESSAGES'],
  floodUnauthenticated: ['TOO_MANY_UNAUTHENTICATED_MESSAGES', 'LOGIN_TIMEOUT'],
  garbageJson: ['BAD_MESSAGE'],
  holdSilent: ['LOGIN_TIMEOUT'],
  resetMidFrame: ['LOGIN_TIMEOUT'],
  loggedInFlood: ['FLOODING', 'LOGIN_TIMEOUT'],
};

// Accounts the logged-in flooders may use (never the honest ones, never a wrong password: that
// would lock accounts or throttle the address the honest clients share).
const FLOOD_USERS = ['Hans', 'Luke', 'Vader'];
const busyUsers = new Set<string>();

/** Requests allowed before login: never `password`, so no login ever fails. */
const unauthenticatedRequest = (rng: Rng, id: number): Buffer =>
  frame({
    t: 'req',
    id,
    cmd: rng.pick([
      'msgto',
      'activeuser',
      'logout',
      'creategroup',
      'username',
      'joingroup',
      'p2pvideo',
      'fly',
    ]),
    args: rng.pick([[], ['Yoda'], ['Obi-wan', 'hi'], [rng.bytes(8).toString('latin1')]]),
  });

const garbage = (rng: Rng): Buffer =>
  rng.pick([
    () => encodeFrame(rng.bytes(rng.int(1, 64)).toString('latin1')),
    () => encodeFrame('{"t":"req","id":1,"cmd":'),
    () => frame({ t: 'req', id: -5, cmd: 'activeuser', args: [] }),
    () => frame({ t: 'req', id: 1, cmd: 'activeuser', args: [1, 2] }),
    () => frame([1, 2, 3]),
    () => frame({ t: 'hello', v: 1 }),
    () => Buffer.concat([header(8), Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28, 0x7d])]),
  ])();

async function session(port: number, rng: Rng, kind: Behaviour): Promise<Outcome> {
  const conn = await FuzzConn.open(port);
  if (!conn) return { kind, closing: [], codes: [], refusedToConnect: true };
  switch (kind) {
    case 'randomBytes': {
      if (rng.int(0, 1) === 0) conn.write(HELLO);
      conn.write(rng.bytes(rng.int(1, 8192)));
      await conn.untilClosed();
      break;
    }
    case 'truncatedFrame': {
      conn.write(HELLO);
      const whole = frame({
        t: 'req',
        id: 1,
        cmd: 'msgto',
        args: ['Obi-wan', 'x'.repeat(rng.int(10, 2000))],
      });
      conn.write(whole.subarray(0, rng.int(1, whole.length - 1)));
      if (rng.int(0, 2) === 0)
        await conn.untilClosed(); // left hanging until the login timeout
      else conn.destroy();
      break;
    }
    case 'hugeHeader': {
      if (rng.int(0, 1) === 0) conn.write(HELLO);
      conn.write(
        header(rng.pick([65_537, 1 << 20, 0x7fffffff, 0xffffffff, rng.int(65_537, 0xffffffff)])),
      );
      await conn.untilClosed();
      break;
    }
    case 'slowDrip': {
      const bytes = Buffer.concat([
        HELLO,
        ...Array.from({ length: rng.int(1, 4) }, (_, i) => unauthenticatedRequest(rng, i + 1)),
      ]);
      for (const byte of bytes) {
        if (conn.isClosed || stopping) break;
        conn.write(Buffer.of(byte));
        await new Promise((resolve) => setTimeout(resolve, rng.int(1, 5)));
      }
      if (rng.int(0, 1) === 0) await conn.untilClosed();
      else conn.destroy();
      break;
    }
    case 'floodUnauthenticated': {
      conn.write(
        Buffer.concat([
          HELLO,
          ...Array.from({ length: rng.int(25, 150) }, (_, i) => unauthenticatedRequest(rng, i + 1)),
        ]),
      );
      await conn.untilClosed();
      break;
    }
    case 'garbageJson': {
      conn.write(
        Buffer.concat([HELLO, ...Array.from({ length: rng.int(11, 60) }, () => garbage(rng))]),
      );
      await conn.untilClosed();
      break;
    }
    case 'holdSilent': {
      if (rng.int(0, 1) === 0) conn.write(HELLO);
      await conn.untilClosed();
      break;
    }
    case 'resetMidFrame': {
      conn.write(HELLO);
      const big = frame({ t: 'req', id: 1, cmd: 'msgto', args: ['Obi-wan', 'é'.repeat(30_000)] });
      conn.write(big.subarray(0, rng.int(4, big.length - 1)));
      conn.reset();
      break;
    }
    case 'loggedInFlood': {
      const user = FLOOD_USERS.find((u) => !busyUsers.has(u));
      if (!user) {
        conn.destroy();
        break;
      }
      busyUsers.add(user);
      try {
        // Each login step is awaited: the server does not keep pipelined login requests in order (reported).
        conn.write(
          Buffer.concat([HELLO, frame({ t: 'req', id: 1, cmd: 'username', args: [user] })]),
        );
        const named = await conn.waitFor((m) => m.t === 'res' && m.id === 1);
        if (named?.t === 'res' && named.ok)
          conn.write(
            frame({ t: 'req', id: 2, cmd: 'password', args: [PASSWORDS[user] ?? '', '9'] }),
          );
        const login =
          named?.t === 'res' && named.ok
            ? await conn.waitFor((m) => m.t === 'res' && m.id === 2)
            : undefined;
        if (login?.t === 'res' && login.ok) {
          const paused = rng.int(0, 1) === 0;
          // A paused flooder sends enough to be cut for flooding and never reads the answers.
          const n = paused ? rng.int(160, 400) : rng.int(20, 400);
          const requests = Array.from({ length: n }, (_, i) =>
            frame({
              t: 'req',
              id: 100 + i,
              cmd: rng.pick(['activeuser', 'joingroup', 'fly']),
              args: rng.pick([[], ['NoSuchGroup']]),
            }),
          );
          if (paused) conn.socket.pause();
          conn.write(Buffer.concat(requests));
          if (paused) await conn.untilClosed();
          else
            await conn.waitFor(
              (m) =>
                (m.t === 'ev' && m.ev === 'closing') || (m.t === 'res' && m.id === 100 + n - 1),
            );
          conn.destroy();
        } else {
          conn.destroy();
        }
        await conn.closed;
      } finally {
        busyUsers.delete(user);
      }
      break;
    }
  }
  await conn.closed;
  return conn.outcome(kind);
}

// ---------- the test ----------

const rssKiB = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
};

let server: ServerHandle;
let yoda: Program | undefined;
let obi: Program | undefined;

beforeAll(async () => {
  server = await startServer({ args: ['--login-timeout', '2'] });
});
test.after(async () => {
  stopping = true;
  for (const s of open) s.destroy();
  yoda?.kill('SIGKILL');
  obi?.kill('SIGKILL');
  await server?.stop();
});

const pad = (i: number) => String(i).padStart(3, '0');
const yodaText = (i: number) => `y2o-${pad(i)} through the storm ☃`;
const obiText = (i: number) => `o2y-${pad(i)} hello there`;
const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

test('50 misbehaving connections do not disturb two honest clients; the server stays up and bounded', async () => {
  const pid = server.program.child.pid ?? -1;
  const rssBefore = rssKiB(pid);
  let rssMax = rssBefore;
  // The honest clients connect first, so the connection limits never refuse them.
  yoda = await loggedIn(server, 'Yoda');
  obi = await loggedIn(server, 'Obi-wan');

  const outcomes: Outcome[] = [];
  let sessions = 0;
  let enough: () => void = () => {};
  const enoughSessions = new Promise<void>((resolve) => (enough = resolve));
  const slot = async (index: number): Promise<void> => {
    const rng = new Rng(SEED + index * 7919);
    while (!stopping && sessions < MAX_SESSIONS) {
      const outcome = await session(server.port, rng, rng.pick(BEHAVIOURS));
      outcomes.push(outcome);
      sessions += 1;
      if (sessions % 25 === 0) rssMax = Math.max(rssMax, rssKiB(pid));
      if (sessions >= MIN_SESSIONS) enough();
    }
  };
  const started = Date.now();
  const slots = Array.from({ length: SLOTS }, (_, i) => slot(i));

  try {
    // Honest traffic, each message awaited on both ends.
    for (let i = 0; i < HONEST_MESSAGES; i++) {
      yoda.type(`/msgto Obi-wan ${yodaText(i)}`);
      await yoda.expect('message sent at');
      await obi.expect(`Yoda: ${yodaText(i)}`);
      obi.type(`/msgto Yoda ${obiText(i)}`);
      await obi.expect('message sent at');
      await yoda.expect(`Obi-wan: ${obiText(i)}`);
    }
    // Keep the load on for a while longer (a bounded while: the cap only ends the load early).
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([
      enoughSessions,
      new Promise<void>(
        (resolve) => (cap = setTimeout(resolve, Math.max(0, LOAD_CAP_MS - (Date.now() - started)))),
      ),
    ]);
    clearTimeout(cap);
  } finally {
    stopping = true;
    for (const s of open) s.destroy();
    await Promise.all(slots);
  }
  rssMax = Math.max(rssMax, rssKiB(pid));

  // Every honest message arrived exactly once.
  for (let i = 0; i < HONEST_MESSAGES; i++) {
    assert.is(count(obi.output, `Yoda: ${yodaText(i)}`), 1, `Obi-wan got "${yodaText(i)}" once`);
    assert.is(count(yoda.output, `Obi-wan: ${obiText(i)}`), 1, `Yoda got "${obiText(i)}" once`);
  }
  assert.is(count(yoda.output, 'message sent at'), HONEST_MESSAGES);
  assert.is(count(obi.output, 'message sent at'), HONEST_MESSAGES);

  // messagelog.txt holds exactly the honest messages, numbered in order, each direction in order.
  const log = server.messagelog();
  assert.is(log.length, 2 * HONEST_MESSAGES, log.slice(-5).join('\n'));
  const parsed = log.map((line) =>
    /^(\d+); (\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}); (\S+); (.*)$/.exec(line),
  );
  parsed.forEach((m, i) => assert.is(m?.[1], String(i + 1), `line ${i + 1} numbered: ${log[i]}`));
  assert.equal(
    parsed.filter((m) => m?.[3] === 'Obi-wan').map((m) => m?.[4]),
    Array.from({ length: HONEST_MESSAGES }, (_, i) => yodaText(i)),
  );
  assert.equal(
    parsed.filter((m) => m?.[3] === 'Yoda').map((m) => m?.[4]),
    Array.from({ length: HONEST_MESSAGES }, (_, i) => obiText(i)),
  );

  // What the fuzzers were told: only known codes, and the closing each misbehaviour deserves.
  assert.ok(outcomes.length >= SLOTS, `fuzz sessions ran (${outcomes.length})`);
  for (const o of outcomes) {
    for (const code of o.codes) assert.ok(KNOWN.has(code), `unknown code ${code} after ${o.kind}`);
    const expected = EXPECTED_CLOSING[o.kind];
    for (const code of o.closing) {
      if (expected === 'any' || REFUSALS.includes(code)) continue;
      assert.ok(expected.includes(code), `${o.kind} was closed with ${code}`);
    }
  }
  const tally = new Map<string, number>();
  for (const o of outcomes) {
    const key = `${o.kind}:${o.refusedToConnect ? 'connect-failed' : (o.closing[0] ?? 'no closing')}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(
    `fuzz sessions: ${outcomes.length}; server RSS KiB before ${rssBefore}, max ${rssMax}`,
  );
  console.log(
    [...tally.entries()]
      .sort()
      .map(([k, n]) => `  ${k}: ${n}`)
      .join('\n'),
  );

  // The server is alive, answers a fresh login, and lists the honest users.
  assert.is(server.program.child.exitCode, null, 'the server is still running');
  assert.ok(!server.program.output.includes('Internal error'), server.program.output.slice(-3000));
  let fresh: RawClient | undefined;
  for (let attempt = 0; attempt < 50 && !fresh; attempt++) {
    // Connections the fuzz just dropped may briefly still count against the per-address limit.
    const raw = await RawClient.connect(server.port);
    raw.hello();
    const first = await raw.waitFor(
      (m) => m.t === 'welcome' || (m.t === 'ev' && m.ev === 'closing'),
    );
    if (first.t === 'welcome') fresh = raw;
    else await raw.closedPromise;
  }
  assert.ok(fresh, 'a fresh connection is accepted');
  await fresh.response(fresh.request('username', ['Leia']));
  const login = await fresh.response(fresh.request('password', [PASSWORDS.Leia ?? '', '9']));
  assert.ok(login.t === 'res' && login.ok, JSON.stringify(login));
  const active = await fresh.response(fresh.request('activeuser'));
  const users =
    active.t === 'res' && active.ok
      ? ((active.data as { users: Array<{ user: string }> }).users ?? []).map((u) => u.user)
      : [];
  assert.ok(users.includes('Yoda') && users.includes('Obi-wan'), JSON.stringify(active));
  fresh.close();

  // Memory stayed bounded (a bound on size, not on time).
  const rssAfter = rssKiB(pid);
  assert.ok(rssMax < RSS_LIMIT_KIB, `server RSS peaked at ${rssMax} KiB`);
  assert.ok(rssAfter < RSS_LIMIT_KIB, `server RSS after the fuzz: ${rssAfter} KiB`);

  // The honest clients still work after all that.
  yoda.type('/msgto Obi-wan after the storm');
  await yoda.expect('message sent at');
  await obi.expect('Yoda: after the storm');
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
  assert.is(server.messagelog().length, 2 * HONEST_MESSAGES + 1);
});

test('after the fuzz the server still shuts down gracefully (exit status 0)', async () => {
  assert.is(await server.stop(), 0);
});

test.run();
