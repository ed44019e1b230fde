// Model-based test of machines/session.machine.ts against a real server process over TCP.
//
// The machine has `after`, `invoke` and `always`, so the TestModel is built directly (paths.ts);
// its events are the machine's input events plus the done/error events of the invoked actors,
// each carrying the outcome its guards look at. Each path has its own username and connection,
// and each step makes the real server do what the event stands for:
//
//   HELLO, BAD_MESSAGE     frames on the connection; `flood: true` stands for the frame that goes
//                          over the real limit (the driver sends as many as it takes)
//   REQUEST                a request; in checkingLockout/verifying it is written together with the
//                          request that made the session busy, so it really waits in the queue.
//                          `flood: true` before login: the request over --max-unauthenticated;
//                          `rate` when active: throttled / flooding on a server with a low rate
//   CLOSE                  a frame header over --max-frame-bytes (FRAME_TOO_LARGE)
//   SLOW_READER            the client stops reading while another user sends it messages
//   DISCONNECTED           the client hangs up (during verifying: a costly scrypt hash, and
//                          nobody may be left online)
//   after(loginTimeout)    a server started with --login-timeout 1; waits for the closing event
//   done(checkLockout)     locked: the account was locked by failures on other connections
//   done(verifyCredentials)  accepted / wrongPassword / lockedNow / blocked / alreadyActive /
//                          throttled, prepared before the password is sent; error: a server whose
//                          presence backend fails for users named x… (INTERNAL)
//   error(checkLockout)    the same server's lockouts cannot reach the cluster for users named w…
//                          (CLUSTER_UNAVAILABLE)
//   done(goOnline), done(commandsAnswered), done(goOffline)   observed: the answer, the closing
//                          event, userlog.txt and the console line each one stands for
//
// The always transitions that work off the queue are recorded with the step that triggered them
// (coverage.ts), and the driver asserts the answer each queued request got.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { sessionMachine } from '../../machines/session.machine.js';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { ResponseMessage, ServerMessage } from '../../src/protocol/messages.js';
import { hashPassword } from '../../src/server/password.js';
import {
  beforeAll,
  eventually,
  startServer,
  tempDir,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';
import { TransitionCoverage, takenTransitions } from './coverage.js';
import {
  buildTestModel,
  describePath,
  generatePaths,
  runPath,
  runPool,
  type ModelPath,
  type PathDriver,
  type StepContext,
} from './paths.js';
import { Conn, ConsoleWatch, UserPool, userlogHas, writeCredentials, WAIT_MS } from './support.js';

const ATTEMPTS = 3;
const MAX_UNAUTHENTICATED = 100;
const MAX_BAD_MESSAGES = 10; // the server's fixed limit (config.ts)
const MAX_QUEUED_BYTES = 65536;
const WRONG = 'not-the-password';
const UDP = '9';

type Flagged = { flood?: boolean; rate?: 'throttled' | 'flooding'; pipelined?: boolean };
const flagsOf = (e: EventObject): Flagged => e as Flagged;

// The model: the real machine, with the guards that count or measure time answered by the
// event (the driver makes the real count or rate reach the limit for exactly those steps).
const model = sessionMachine.provide({
  guards: {
    tooManyBadMessages: ({ event }) => flagsOf(event).flood === true,
    tooManyUnauthenticated: ({ event }) => flagsOf(event).flood === true,
    commandRateFlooding: ({ event }) => flagsOf(event).rate === 'flooding',
    commandRateThrottled: ({ event }) => flagsOf(event).rate === 'throttled',
    // the driver writes frames read together only where the rate is raised out of the way
    commandRateAdmitsAll: () => true,
  },
});

const idOf = (path: string): string => {
  const node = sessionMachine.getStateNodeById(`session.${path}`);
  return node.invoke[0]!.id;
};
const INVOKE = {
  checkLockout: idOf('open.authenticating.checkingLockout'),
  verify: idOf('open.authenticating.verifying'),
  goOnline: idOf('open.authenticating.welcoming'),
  draining: idOf('draining'),
  loggingOut: idOf('loggingOut'),
  goOffline: idOf('goingOffline'),
};
const done = (id: string, output?: unknown): EventObject =>
  ({ type: `xstate.done.actor.${id}`, output }) as EventObject;
const TIMEOUT = [
  ...sessionMachine.getStateNodeById('session.open.authenticating').transitions.keys(),
].find((k) => k.startsWith('xstate.after.'))!;
const VERIFY_ERROR = `xstate.error.actor.${INVOKE.verify}`;
const LOCKOUT_ERROR = `xstate.error.actor.${INVOKE.checkLockout}`;

const VERDICTS = [
  'accepted',
  'wrongPassword',
  'lockedNow',
  'blocked',
  'alreadyActive',
  'throttled',
] as const;
type Verdict = (typeof VERDICTS)[number];

const request = (step: string, extra: Record<string, unknown> = {}): EventObject =>
  ({ type: 'REQUEST', step, requestId: 0, ...extra }) as EventObject;
const frames = (...events: EventObject[]): EventObject =>
  ({ type: 'FRAMES', frames: events }) as EventObject;
const framesOf = (e: EventObject): EventObject[] =>
  (e as unknown as { frames: EventObject[] }).frames;
const COMMAND = { command: { name: 'activeuser' }, args: [] };
const EVENTS: EventObject[] = [
  { type: 'HELLO', version: 1 } as EventObject,
  { type: 'HELLO', version: 2 } as EventObject,
  { type: 'HELLO', version: 1, flood: true } as EventObject,
  { type: 'BAD_MESSAGE' },
  { type: 'BAD_MESSAGE', flood: true } as EventObject,
  request('username', { username: 'u' }),
  request('password', { password: 'p', udpPort: 9 }),
  request('logout'),
  request('command', { command: { name: 'activeuser' }, args: [] }),
  request('invalid', { code: 'UNKNOWN_COMMAND', needsLogin: null }),
  request('invalid', { code: 'UNKNOWN_COMMAND', needsLogin: null, flood: true }),
  // written together with the request that made the session busy (it waits in the queue)
  request('username', { username: 'u', pipelined: true }),
  request('password', { password: 'p', udpPort: 9, pipelined: true }),
  request('logout', { pipelined: true }),
  request('command', { command: { name: 'activeuser' }, args: [], pipelined: true }),
  request('invalid', { code: 'UNKNOWN_COMMAND', needsLogin: null, pipelined: true }),
  request('command', { command: { name: 'activeuser' }, args: [], rate: 'throttled' }),
  request('command', { command: { name: 'activeuser' }, args: [], rate: 'flooding' }),
  // frames read together (written in one write): plain requests are served at once; a run with a
  // logout is taken frame by frame, as if each had come alone
  frames(request('command', COMMAND), request('command', COMMAND)),
  frames(request('command', COMMAND), request('logout')),
  { type: 'CLOSE', code: 'FRAME_TOO_LARGE', limit: 65536 } as EventObject,
  { type: 'SLOW_READER' },
  { type: 'DISCONNECTED' },
  { type: TIMEOUT },
  done(INVOKE.checkLockout, { locked: false }),
  done(INVOKE.checkLockout, { locked: true }),
  ...VERDICTS.map((verdict) => done(INVOKE.verify, { verdict })),
  { type: VERIFY_ERROR, error: new Error('presence backend failed') } as EventObject,
  {
    type: LOCKOUT_ERROR,
    error: Object.assign(new Error('Redis unreachable'), { closingCode: 'CLUSTER_UNAVAILABLE' }),
  } as EventObject,
  done(INVOKE.goOnline),
  done(INVOKE.draining),
  done(INVOKE.loggingOut),
  done(INVOKE.goOffline),
];

const BUSY = [
  { open: { authenticating: 'checkingLockout' } },
  { open: { authenticating: 'verifying' } },
  { open: { authenticating: 'welcoming' } },
];
const isBusy = (s: AnyMachineSnapshot | undefined): boolean =>
  s !== undefined && BUSY.some((b) => s.matches(b));
const stepOf = (e: EventObject): string => (e as { step?: string }).step ?? '';

/** What the real system can be made to deliver where (see the header). */
function allow(s: AnyMachineSnapshot, e: EventObject): boolean {
  const flags = flagsOf(e);
  const inHandshake = s.matches({ open: { authenticating: 'handshake' } });
  const active = s.matches({ open: 'active' });
  if (flags.rate !== undefined && !active) return false;
  if (flags.flood && (inHandshake || isBusy(s))) return false;
  if (e.type === 'REQUEST' && flags.flood && active) return false;
  if ((flags.pipelined === true) !== isBusy(s) && e.type === 'REQUEST' && !flags.flood)
    return false;
  if (isBusy(s)) {
    // Only requests written together with the password that made the session busy; at most
    // one waits. (A password written with its username is tested in e2e/pipelined-login.)
    if (e.type === 'DISCONNECTED') return s.matches({ open: { authenticating: 'verifying' } });
    if (e.type === 'REQUEST')
      return (
        s.matches({ open: { authenticating: 'verifying' } }) &&
        (s.context as { queue: unknown[] }).queue.length === 0
      );
    if (!e.type.startsWith('xstate.done.') && !e.type.startsWith('xstate.error.')) return false;
    // A password that went out with the previous one cannot meet a lock or a throttle made
    // between the two checks: the preparation would hit the first password too.
    const current = (s.context as { current: Flagged | null }).current;
    const verdict = (e as unknown as { output?: { verdict?: string } }).output?.verdict;
    if (current?.pipelined && (verdict === 'blocked' || verdict === 'throttled')) return false;
    return true;
  }
  if (e.type === 'SLOW_READER') return active;
  // Frames read together are modelled where a logged-in user pipelines (pipelined-login and the
  // flood steps send frames together before login too).
  if (e.type === 'FRAMES') return active && (s.context as { queue: unknown[] }).queue.length === 0;
  return true;
}

// Users: plain passwords for most paths; a costly scrypt hash for hang-up-while-verifying; users
// x… whose presence claim fails on the faulty server.
const plain = Array.from({ length: 160 }, (_, i) => `s${String(i + 1).padStart(3, '0')}`);
const hashed = Array.from({ length: 10 }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const broken = Array.from({ length: 10 }, (_, i) => `x${String(i + 1).padStart(2, '0')}`);
const unreachable = Array.from({ length: 10 }, (_, i) => `w${String(i + 1).padStart(2, '0')}`);
const HASHED_PASSWORD = 'hashed-pw!';
const passwordOf = (user: string): string =>
  user.startsWith('h') ? HASHED_PASSWORD : `pw-${user}!`;

interface Setup {
  name: string;
  server: ServerHandle;
  console: ConsoleWatch;
  plain: UserPool;
  hashed: UserPool;
  broken: UserPool;
  unreachable: UserPool;
}

const setups: Record<'main' | 'quick' | 'faulty' | 'rate' | 'throttle', Setup> = {} as never;
const coverage = new TransitionCoverage('session', model);

async function startSetup(
  name: string,
  extraArgs: string[],
  credentials: ReadonlyArray<readonly [string, string]>,
  entry?: string[],
): Promise<Setup> {
  const dir = tempDir(`model-session-${name}`);
  writeCredentials(dir, credentials);
  const server = await startServer({
    dir,
    attempts: ATTEMPTS,
    blockSeconds: 600, // a lock made by a path outlives the path; every path has its own user
    args: [
      '--max-unauthenticated',
      String(MAX_UNAUTHENTICATED),
      '--max-queued-bytes',
      String(MAX_QUEUED_BYTES),
      ...extraArgs,
    ],
    ...(entry ? { entry } : {}),
  });
  return {
    name,
    server,
    console: new ConsoleWatch(server.program),
    plain: new UserPool(plain),
    hashed: new UserPool(hashed),
    broken: new UserPool(broken),
    unreachable: new UserPool(unreachable),
  };
}

beforeAll(async () => {
  const costly = await hashPassword(HASHED_PASSWORD, { N: 32768, r: 8, p: 1 });
  // the hashed users come first: the server derives its decoy secret from the first hash line
  const credentials = [
    ...hashed.map((u) => [u, costly] as const),
    ...broken.map((u) => [u, passwordOf(u)] as const),
    ...unreachable.map((u) => [u, passwordOf(u)] as const),
    ...plain.map((u) => [u, passwordOf(u)] as const),
  ];
  const noIpLimit = ['--max-ip-failures', '1000000'];
  const fast = ['--rate-burst', '100000', '--rate-per-second', '100000'];
  const [main, quick, faulty, rate, throttle] = await Promise.all([
    startSetup('main', [...noIpLimit, ...fast], credentials),
    startSetup('quick', [...noIpLimit, ...fast, '--login-timeout', '1'], credentials),
    startSetup('faulty', [...noIpLimit, ...fast], credentials, [
      '--import',
      import.meta.resolve('tsx'),
      new URL('./faulty-presence-server.ts', import.meta.url).pathname,
    ]),
    startSetup(
      'rate',
      [...noIpLimit, '--rate-burst', '5', '--rate-per-second', '1', '--max-throttled', '2'],
      credentials,
    ),
    startSetup('throttle', ['--max-ip-failures', '1', ...fast], credentials),
  ]);
  Object.assign(setups, {
    main: main!,
    quick: quick!,
    faulty: faulty!,
    rate: rate!,
    throttle: throttle!,
  });
});

// SIGTERM: the servers stop even with accounts still blocked for 600 s, and exit with status 0.
async function stop(setup: Setup): Promise<void> {
  setup.server.program.kill('SIGTERM');
  await setup.console.waitFor('Server stopped');
  assert.is((await setup.server.program.exited).code, 0);
}

test.after(async () => {
  await Promise.all(Object.values(setups).map(stop));
  coverage.print();
});

/** Per-user expectations of the server console, counted so repeated lines are told apart. */
class Lines {
  private readonly counts = new Map<string, number>();
  constructor(private readonly watch: ConsoleWatch) {}
  async next(line: string): Promise<void> {
    const n = (this.counts.get(line) ?? 0) + 1;
    this.counts.set(line, n);
    await this.watch.waitFor(line, n);
  }
  expected(line: string): number {
    return this.counts.get(line) ?? 0;
  }
}

const frame = (value: unknown): Buffer => encodeFrame(JSON.stringify(value));
const isRes = (id: number) => (m: ServerMessage) => m.t === 'res' && m.id === id;
const codeOf = (r: ServerMessage): string => (r.t === 'res' ? (r.ok ? 'ok' : r.error.code) : r.t);
const TOO_LARGE_HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/** A request the driver sent, and the answer the model says it gets. */
interface Sent {
  id: number;
  step: string;
}

class SessionDriver implements PathDriver {
  private readonly setup: Setup;
  private readonly user: string;
  private readonly lines: Lines;
  private raw: RawClient | null = null;
  private nextId = 1;
  private readonly steps: ModelPath['steps'];
  /** Step indices whose frames already went out with an earlier write. */
  private readonly sentEarly = new Map<number, Sent>();
  /** Mirror of the machine's queue, and the login step being worked on. */
  private queue: Sent[] = [];
  private current: Sent | null = null;
  private bye: Sent | null = null;
  private failures = 0; // consecutive failures the server has counted for this user
  private badSent = 0;
  private unauthenticatedSent = 0;
  private closingExpected: string | null = null;
  private holder: Conn | null = null;
  private readonly extra: Conn[] = [];
  /** For each username or password request (by step index), the outcome of the check that answers it. */
  private readonly outcomeFor = new Map<number, EventObject>();

  constructor(path: ModelPath) {
    this.steps = path.steps;
    const events = path.steps.map((s) => s.event);
    const has = (p: (e: EventObject) => boolean) => events.some(p);
    this.setup = has((e) => e.type === TIMEOUT)
      ? setups.quick
      : has((e) => e.type === VERIFY_ERROR || e.type === LOCKOUT_ERROR)
        ? setups.faulty
        : has((e) => flagsOf(e).rate !== undefined)
          ? setups.rate
          : has((e) => (e as { output?: { verdict?: string } }).output?.verdict === 'throttled')
            ? setups.throttle
            : setups.main;
    const disconnectsWhileVerifying = path.steps.some(
      (s, i) =>
        s.event.type === 'DISCONNECTED' &&
        path.steps[i - 1]?.state.matches({ open: { authenticating: 'verifying' } }),
    );
    this.user = has((e) => e.type === VERIFY_ERROR)
      ? this.setup.broken.take()
      : has((e) => e.type === LOCKOUT_ERROR)
        ? this.setup.unreachable.take()
        : disconnectsWhileVerifying
          ? this.setup.hashed.take()
          : this.setup.plain.take();
    this.lines = new Lines(this.setup.console);
    this.planVerdicts();
  }

  /** Follows the model's queue through the path to find which check answers each login step. */
  private planVerdicts(): void {
    const queue: number[] = [];
    let current: number | null = null;
    for (let i = 1; i < this.steps.length; i++) {
      const before = this.steps[i - 1]!.state;
      const event = this.steps[i]!.event;
      // the step's own transition answers the current login step; its always transitions come after
      if (
        event.type === `xstate.done.actor.${INVOKE.verify}` ||
        event.type === VERIFY_ERROR ||
        event.type === LOCKOUT_ERROR ||
        event.type === `xstate.done.actor.${INVOKE.checkLockout}`
      ) {
        if (current !== null) this.outcomeFor.set(current, event);
        current = null;
      }
      for (const key of takenTransitions(model, before, event)) {
        if (key.startsWith('session.open.authenticating --REQUEST--> ')) queue.push(i);
        else if (key.includes('--always[nextIsPassword]--> session.open.authenticating.verifying'))
          current = queue.shift() ?? null;
        else if (
          key.includes('--always[nextIsUsername]--> session.open.authenticating.checkingLockout')
        )
          current = queue.shift() ?? null;
        else if (key.includes('--always')) queue.shift();
      }
    }
  }

  private get port(): number {
    return this.setup.server.port;
  }

  private get c(): RawClient {
    if (!this.raw) throw new Error('no connection');
    return this.raw;
  }

  private userlog(): string[] {
    return this.setup.server.userlog();
  }

  /** Sends a request with the driver's own next id (ids must not repeat on the connection). */
  private send(cmd: string, args: string[] = []): number {
    const id = this.nextId++;
    this.c.sendBytes(frame({ t: 'req', id, cmd, args }));
    return id;
  }

  private async reply(id: number): Promise<ResponseMessage> {
    return (await this.c.waitFor(isRes(id), WAIT_MS)) as ResponseMessage;
  }

  private async expectReply(sent: Sent, code: string, data?: unknown): Promise<void> {
    const r = await this.reply(sent.id);
    assert.is(codeOf(r), code, `${sent.step} #${sent.id}: ${JSON.stringify(r)}`);
    if (data !== undefined && r.ok) assert.equal(r.data, data);
  }

  // ---- preconditions made on other connections ----------------------------------------------

  private async sideFailure(): Promise<string> {
    const side = await Conn.open(this.port);
    await side.ok('username', [this.user]);
    const code = side.errorCode(await side.call('password', [WRONG, UDP]));
    if (code === 'ACCOUNT_LOCKED_NOW') {
      this.failures = 0;
      await this.lines.next(
        `${this.user} failed to log in from 127.0.0.1; the account is now blocked`,
      );
    } else {
      assert.is(code, 'INVALID_PASSWORD');
      this.failures++;
      await this.lines.next(`${this.user} failed to log in from 127.0.0.1`);
    }
    await side.close();
    return code;
  }

  private async sideLogin(user = this.user): Promise<Conn> {
    const side = await Conn.open(this.port);
    await side.ok('username', [user]);
    assert.equal(await side.ok('password', [passwordOf(user), UDP]), {
      username: user,
      invitations: [],
    });
    if (user === this.user) this.failures = 0;
    await this.lines.next(`${user} is online`);
    return side;
  }

  private async sideLogout(side: Conn): Promise<void> {
    assert.equal(await side.ok('logout'), { username: this.user });
    await side.closedByServer();
    await this.lines.next(`${this.user} logout`);
  }

  private async lockAccount(): Promise<void> {
    for (let i = 0; i < ATTEMPTS; i++)
      if ((await this.sideFailure()) === 'ACCOUNT_LOCKED_NOW') return;
    assert.unreachable(`${ATTEMPTS} failures did not lock ${this.user}`);
  }

  /** The IP is over --max-ip-failures 1 (throttle server): one failure from anyone does it. */
  private async throttleIp(): Promise<void> {
    const side = await Conn.open(this.port);
    await side.ok('username', [`nobody-${this.user}`]); // one failure per name: never a lock
    const code = side.errorCode(await side.call('password', [WRONG, UDP]));
    assert.ok(['INVALID_PASSWORD', 'LOGIN_THROTTLED'].includes(code), code);
    await side.close();
  }

  /** Chooses (and prepares) the password that makes the real check produce `outcome`. */
  private async passwordFor(outcome: EventObject | undefined): Promise<string> {
    if (!outcome) return passwordOf(this.user); // never checked (refused or left in the queue)
    if (outcome.type === VERIFY_ERROR) return passwordOf(this.user);
    const verdict = (outcome as unknown as { output: { verdict: Verdict } }).output.verdict;
    switch (verdict) {
      case 'accepted':
        return passwordOf(this.user);
      case 'wrongPassword':
        if (this.failures >= ATTEMPTS - 1) await this.sideLogout(await this.sideLogin());
        this.failures++;
        return WRONG;
      case 'lockedNow':
        while (this.failures < ATTEMPTS - 1) await this.sideFailure();
        this.failures = 0;
        return WRONG;
      case 'blocked':
        await this.lockAccount();
        return passwordOf(this.user);
      case 'alreadyActive':
        this.holder = await this.sideLogin();
        this.extra.push(this.holder);
        return passwordOf(this.user);
      case 'throttled':
        await this.throttleIp();
        return passwordOf(this.user);
    }
  }

  /** The frame for a model REQUEST (ids are the driver's own). */
  private async requestFrame(
    index: number,
    e: EventObject,
  ): Promise<{ sent: Sent; bytes: Buffer }> {
    const step = stepOf(e);
    const id = this.nextId++;
    const sent = { id, step };
    const req = (cmd: string, args: string[]) => frame({ t: 'req', id, cmd, args });
    switch (step) {
      case 'username':
        if (
          (this.outcomeFor.get(index) as { output?: { locked?: boolean } } | undefined)?.output
            ?.locked
        )
          await this.lockAccount();
        return { sent, bytes: req('username', [this.user]) };
      case 'password':
        return {
          sent,
          bytes: req('password', [await this.passwordFor(this.outcomeFor.get(index)), UDP]),
        };
      case 'logout':
        return { sent, bytes: req('logout', []) };
      case 'command':
        return { sent, bytes: req('activeuser', []) };
      default:
        return { sent, bytes: req('nope', []) };
    }
  }

  // ---- steps ----------------------------------------------------------------------------------

  async exec(ctx: StepContext): Promise<void> {
    const e = ctx.event;
    const before = ctx.before;
    const flags = flagsOf(e);
    if (e.type === 'xstate.init') {
      this.raw = await RawClient.connect(this.port);
      return;
    }
    if (e.type === 'HELLO') {
      if (before?.matches({ open: { authenticating: 'handshake' } })) {
        this.c.sendJson({ t: 'hello', v: (e as unknown as { version: number }).version });
        if ((e as unknown as { version: number }).version === 1)
          await this.c.waitFor((m) => m.t === 'welcome', WAIT_MS);
        else this.closingExpected = 'VERSION_UNSUPPORTED';
        return;
      }
      return this.badMessages(flags.flood === true, () => frame({ t: 'hello', v: 1 }));
    }
    if (e.type === 'BAD_MESSAGE')
      return this.badMessages(flags.flood === true, () => encodeFrame('{not json'));
    if (e.type === 'CLOSE') {
      this.c.sendBytes(TOO_LARGE_HEADER);
      this.closingExpected = 'FRAME_TOO_LARGE';
      return;
    }
    if (e.type === 'REQUEST') return this.request(ctx);
    if (e.type === 'FRAMES') return this.framesTogether(ctx);
    if (e.type === 'SLOW_READER') return this.slowReader();
    if (e.type === 'DISCONNECTED') return this.disconnect(ctx);
    if (e.type === TIMEOUT) {
      this.closingExpected = 'LOGIN_TIMEOUT';
      return;
    }
    if (e.type === `xstate.done.actor.${INVOKE.checkLockout}`) {
      const username = this.current!;
      this.current = null;
      if ((e as unknown as { output: { locked: boolean } }).output.locked) {
        await this.expectReply(username, 'ACCOUNT_BLOCKED');
        await this.lines.next(`${this.user} tried to log in but the account is blocked`);
      } else {
        await this.expectReply(username, 'ok');
      }
      return this.afterQueue(ctx);
    }
    if (e.type === `xstate.done.actor.${INVOKE.verify}`) return this.verified(ctx);
    if (e.type === VERIFY_ERROR) {
      this.closingExpected = 'INTERNAL';
      return;
    }
    if (e.type === LOCKOUT_ERROR) {
      this.current = null;
      this.closingExpected = 'CLUSTER_UNAVAILABLE';
      await this.lines.next(
        "Disconnecting connection from 127.0.0.1: the cluster's shared state (Redis) cannot be reached",
      );
      return;
    }
    if (e.type === `xstate.done.actor.${INVOKE.goOnline}`) {
      const password = this.current!;
      this.current = null;
      await this.expectReply(password, 'ok', { username: this.user, invitations: [] });
      if (ctx.state.matches({ open: 'active' }))
        assert.ok(
          userlogHas(this.userlog(), this.user),
          'the user is in userlog.txt once the login is answered',
        );
      await this.lines.next(`${this.user} is online`);
      return this.afterQueue(ctx);
    }
    if (e.type === `xstate.done.actor.${INVOKE.draining}`) {
      const closing = await this.c.waitFor((m) => m.t === 'ev' && m.ev === 'closing', WAIT_MS);
      assert.is(
        (closing as { error?: { code?: string } }).error?.code,
        this.closingExpected,
        'the closing event says why',
      );
      if (this.closingExpected === 'LOGIN_TIMEOUT')
        await this.setup.console.waitFor(
          'Disconnecting connection from 127.0.0.1: limit loginTimeout (1000 ms) reached',
          1,
        );
      if (!ctx.state.matches('goingOffline')) await withClose(this.c);
      return;
    }
    if (e.type === `xstate.done.actor.${INVOKE.loggingOut}`) return; // observed with going offline
    if (e.type === `xstate.done.actor.${INVOKE.goOffline}`) {
      await this.lines.next(`${this.user} logout`);
      if (ctx.state.matches('loggedOut')) {
        await this.expectReply(this.bye!, 'ok', { username: this.user });
        await withClose(this.c);
      }
      await eventually(
        () => !userlogHas(this.userlog(), this.user),
        `${this.user} to leave userlog.txt`,
      );
      return;
    }
    throw new Error(`no driver for ${e.type}`);
  }

  /** Bad frames: one (answered with an error event) or, for `flood`, as many as go over the limit. */
  private async badMessages(flood: boolean, make: () => Buffer): Promise<void> {
    if (!flood) {
      const errorsBefore = this.c.received.filter((m) => m.t === 'ev' && m.ev === 'error').length;
      this.c.sendBytes(make());
      this.badSent++;
      await this.c.waitFor(
        () => this.c.received.filter((m) => m.t === 'ev' && m.ev === 'error').length > errorsBefore,
        WAIT_MS,
      );
      return;
    }
    const count = MAX_BAD_MESSAGES + 1 - this.badSent;
    this.c.sendBytes(Buffer.concat(Array.from({ length: count }, make)));
    this.badSent += count;
    this.closingExpected = 'BAD_MESSAGE';
  }

  private async request(ctx: StepContext): Promise<void> {
    const e = ctx.event;
    const flags = flagsOf(e);
    const before = ctx.before!;
    if (before.matches({ open: 'active' })) return this.activeRequest(ctx);
    if (before.matches({ open: { authenticating: 'handshake' } })) {
      this.send('activeuser');
      this.closingExpected = 'HANDSHAKE_REQUIRED';
      return;
    }
    if (flags.flood) {
      const count = MAX_UNAUTHENTICATED + 1 - this.unauthenticatedSent;
      this.c.sendBytes(
        Buffer.concat(
          Array.from({ length: count }, () =>
            frame({ t: 'req', id: 1_000_000, cmd: 'nope', args: [] }),
          ),
        ),
      );
      this.closingExpected = 'TOO_MANY_UNAUTHENTICATED_MESSAGES';
      return;
    }
    // Requests the session will find waiting in its queue go out in this same write.
    let sent = this.sentEarly.get(ctx.index);
    if (!sent) {
      const made = await this.requestFrame(ctx.index, e);
      const writes = [made.bytes];
      sent = made.sent;
      for (let j = ctx.index + 1; j < this.steps.length; j++) {
        const step = this.steps[j]!;
        const prior = this.steps[j - 1]!.state;
        if (step.event.type.startsWith('xstate.done.actor.')) continue;
        if (step.event.type !== 'REQUEST' || !isBusy(prior)) break;
        const early = await this.requestFrame(j, step.event);
        this.sentEarly.set(j, early.sent);
        writes.push(early.bytes);
      }
      this.unauthenticatedSent += writes.length;
      this.c.sendBytes(Buffer.concat(writes));
    }
    this.queue.push(sent);
    await this.afterQueue(ctx);
  }

  /** Asserts what the always transitions of this step did with the queue's head. */
  private async afterQueue(ctx: StepContext): Promise<void> {
    for (const key of ctx.transitions) {
      if (!key.includes('--always')) continue;
      const head = this.queue.shift();
      if (!head) throw new Error(`the queue mirror is empty at ${key}`);
      if (
        key.includes('[nextIsUsername]--> session.open.authenticating.checkingLockout') ||
        key.includes('[nextIsPassword]--> session.open.authenticating.verifying')
      ) {
        this.current = head;
      } else if (key.includes('[nextIsLogout]')) {
        this.bye = head;
      } else if (key.includes('[nextIsPassword]') || key.includes('[nextIsUsername]')) {
        await this.expectReply(head, 'OUT_OF_ORDER');
      } else if (key.startsWith('session.open.active ')) {
        await this.expectServed(head);
      } else {
        await this.expectReply(head, head.step === 'invalid' ? 'UNKNOWN_COMMAND' : 'NOT_LOGGED_IN');
      }
    }
  }

  /** What a logged-in user's request is answered. */
  private async expectServed(sent: Sent): Promise<void> {
    if (sent.step === 'command') {
      const r = await this.reply(sent.id);
      assert.ok(r.ok, JSON.stringify(r));
      const users = (r.ok ? (r.data as { users: Array<{ user: string }> }) : { users: [] }).users;
      assert.not.ok(
        users.some((u) => u.user === this.user),
        'activeuser lists the other users only',
      );
      await this.lines.next(`${this.user} issued /activeuser command`);
    } else if (sent.step === 'invalid') await this.expectReply(sent, 'UNKNOWN_COMMAND');
    else await this.expectReply(sent, 'ALREADY_AUTHENTICATED');
  }

  private async activeRequest(ctx: StepContext): Promise<void> {
    const e = ctx.event;
    const rate = flagsOf(e).rate;
    if (rate === 'throttled') {
      for (let i = 0; i < 100; i++)
        if (codeOf(await this.reply(this.send('activeuser'))) === 'RATE_LIMITED') return;
      assert.unreachable('never throttled');
    }
    if (rate === 'flooding') {
      this.closingExpected = 'FLOODING';
      for (let i = 0; i < 100; i++) {
        const id = this.send('activeuser');
        const m = await this.c.waitFor(
          (x) => isRes(id)(x) || (x.t === 'ev' && x.ev === 'closing'),
          WAIT_MS,
        );
        if (m.t === 'ev') {
          await this.setup.console.waitFor(
            `Disconnecting ${this.user}: limit maxThrottled (2) reached, sustained flood`,
          );
          return;
        }
      }
      assert.unreachable('never cut as a flood');
    }
    const made = await this.requestFrame(ctx.index, e);
    this.c.sendBytes(made.bytes);
    if (made.sent.step === 'logout') this.bye = made.sent;
    else await this.expectServed(made.sent);
  }

  /** Requests of a logged-in user in one write: each answered as if it had come alone. */
  private async framesTogether(ctx: StepContext): Promise<void> {
    const made = [];
    for (const e of framesOf(ctx.event)) made.push(await this.requestFrame(ctx.index, e));
    this.c.sendBytes(Buffer.concat(made.map((m) => m.bytes)));
    for (const { sent } of made)
      if (sent.step === 'logout') this.bye = sent;
      else await this.expectServed(sent);
  }

  private async slowReader(): Promise<void> {
    this.c.socket.pause();
    const other = await this.sideLogin(this.setup.plain.take());
    const text = 'x'.repeat(1000);
    const cut = `Disconnecting ${this.user}: limit maxQueuedBytes (${MAX_QUEUED_BYTES}) reached, client is not reading`;
    // batches of 100 messages, each batch answered before the next: fills the kernel's buffers fast
    for (let batch = 0; batch < 1000 && this.setup.console.count(cut) === 0; batch++) {
      const ids = Array.from({ length: 100 }, () => other.send('msgto', [this.user, text]));
      const last = await other.reply(ids[ids.length - 1]!);
      if (!last.ok) break; // offline already
    }
    await this.setup.console.waitFor(
      `Disconnecting ${this.user}: limit maxQueuedBytes (${MAX_QUEUED_BYTES}) reached, client is not reading`,
    );
    this.extra.push(other);
    this.c.socket.resume(); // reads what was queued, then sees the server's reset
  }

  private async disconnect(ctx: StepContext): Promise<void> {
    const before = ctx.before!;
    if (before.matches({ open: { authenticating: 'verifying' } })) {
      // hang up while the (costly) password check runs: the check must not leave a ghost
      await withClose(this.c, true);
      const onlineBefore = this.lines.expected(`${this.user} is online`);
      const side = await this.loginEventually();
      assert.is(
        this.setup.console.count(`${this.user} is online`),
        onlineBefore + 1,
        'the hung-up connection never came online',
      );
      await this.sideLogout(side);
      return;
    }
    if (before.matches({ open: 'active' }))
      this.c.socket.destroy(); // abrupt, like a killed client
    else await withClose(this.c, true);
  }

  /** Logs the user in on a new connection; USER_ALREADY_ACTIVE only while the dropped check finishes. */
  private async loginEventually(): Promise<Conn> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const side = await Conn.open(this.port);
      await side.ok('username', [this.user]);
      const r = await side.call('password', [passwordOf(this.user), UDP]);
      if (r.ok) {
        await this.lines.next(`${this.user} is online`);
        return side;
      }
      assert.is(side.errorCode(r), 'USER_ALREADY_ACTIVE');
      await side.close();
      if (Date.now() > deadline)
        assert.unreachable(`${this.user} is still online after the connection hung up`);
    }
  }

  private async verified(ctx: StepContext): Promise<void> {
    const password = this.current!;
    const verdict = (ctx.event as unknown as { output: { verdict: Verdict } }).output.verdict;
    const user = this.user;
    if (verdict !== 'accepted') this.current = null;
    switch (verdict) {
      case 'accepted':
        return; // answered once userlog.txt lists the user (goOnline)
      case 'wrongPassword':
        await this.expectReply(password, 'INVALID_PASSWORD');
        await this.lines.next(`${user} failed to log in from 127.0.0.1`);
        break;
      case 'lockedNow':
        await this.expectReply(password, 'ACCOUNT_LOCKED_NOW');
        await this.lines.next(
          `${user} failed to log in from 127.0.0.1; the account is now blocked`,
        );
        await withClose(this.c);
        return;
      case 'blocked':
        await this.expectReply(password, 'ACCOUNT_BLOCKED');
        await this.lines.next(`${user} tried to log in but the account is blocked`);
        await withClose(this.c);
        return;
      case 'throttled':
        await this.expectReply(password, 'LOGIN_THROTTLED');
        await withClose(this.c);
        return;
      case 'alreadyActive': {
        await this.expectReply(password, 'USER_ALREADY_ACTIVE');
        this.failures = 0;
        await this.lines.next(`${user} tried to log in again from 127.0.0.1 but is already online`);
        const holder = this.holder!;
        assert.ok(!holder.isClosed, 'the session holding the user stays connected');
        await holder.ok('activeuser');
        assert.is(
          this.userlog().filter((l) => l.split('; ')[2] === user).length,
          1,
          'one userlog line for the user',
        );
        await this.sideLogout(holder);
        this.holder = null;
        break;
      }
    }
    await this.afterQueue(ctx);
  }

  async check(ctx: StepContext): Promise<void> {
    const s: AnyMachineSnapshot = ctx.state;
    if (
      s.matches('closedByServer') ||
      s.matches('refused') ||
      s.matches('lost') ||
      s.matches('loggedOut')
    ) {
      await withClose(this.c, true);
      assert.not.ok(
        userlogHas(this.userlog(), this.user),
        'a session that ended leaves nobody online',
      );
    } else if (
      this.setup !== setups.rate &&
      s.matches({ open: 'active' }) &&
      s.context.queue.length === 0 &&
      ctx.next?.event.type !== 'SLOW_READER' &&
      !flagsOf(ctx.next?.event ?? { type: '' }).rate
    ) {
      // a login step from a logged-in user is refused, and the user is listed
      const id = this.send('username', [this.user]);
      assert.is(codeOf(await this.reply(id)), 'ALREADY_AUTHENTICATED');
      assert.ok(userlogHas(this.userlog(), this.user));
    }
  }

  async dispose(): Promise<void> {
    for (const c of this.extra) if (!c.isClosed) c.destroy();
    if (this.raw && !this.raw.closed) this.raw.socket.destroy();
  }
}

/** Waits until the connection is closed; `ours` closes our side first. */
async function withClose(raw: RawClient, ours = false): Promise<void> {
  if (ours && !raw.closed) raw.close();
  await Promise.race([
    raw.closedPromise,
    new Promise((_, reject) =>
      setTimeout(
        () => reject(new Error('timed out waiting for the connection to close')),
        WAIT_MS,
      ).unref(),
    ),
  ]);
}

test('session paths drive the real server', async () => {
  const testModel = buildTestModel(model, {
    events: EVENTS,
    input: {
      connectionId: 1,
      limits: {
        protocolVersion: 1,
        maxBadMessages: MAX_BAD_MESSAGES,
        maxUnauthenticatedMessages: MAX_UNAUTHENTICATED,
      },
    },
    limit: 5000,
    contextKey: (c) => {
      const context = c as {
        queue: Array<{ step: string }>;
        online: boolean;
        end: { type: string } | null;
      };
      return [context.queue.map((q) => q.step), context.online, context.end?.type ?? null];
    },
    allow,
  });
  const paths = generatePaths(testModel);
  console.log(`session: ${paths.length} paths`);
  const failures = await runPool<ModelPath>(paths, 4, (path) =>
    runPath(model, path, new SessionDriver(path), [coverage]),
  );
  for (const f of failures)
    console.error(
      `FAILED PATH ${describePath(model, f.item)}\n  ${String(f.error instanceof Error ? f.error.message : f.error)}`,
    );
  assert.is(failures.length, 0, `${failures.length} of ${paths.length} session paths failed`);
});

test('every session transition was exercised against the real server', () => {
  const r = coverage.report();
  assert.equal(r.uncovered, [], coverage.format());
});

test.run();
