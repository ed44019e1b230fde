// Model-based test of machines/session.machine.ts against a real server process over TCP.
//
// The machine has `after` (loginTimeout) and `invoke` (verifyCredentials), so the TestModel is
// built directly; its events include the delayed event and the invoke's done event with each
// verdict the guards look at, plus the error event. The outcome is produced in the real system by
// the driver, which looks one step ahead when it sends the password:
//
//   accepted       the right password
//   wrongPassword  a wrong one (with fewer than limit−1 earlier failures)
//   lockedNow      a wrong one after limit−1 failures made on other connections
//   blocked        another connection locks the account between the username and the password
//   alreadyActive  another connection holds the user when the password arrives
//   error          a user whose login fails in the presence backend (a third server, started
//                  from faulty-presence-server.ts, whose backend fails for users named x…)
//   DISCONNECTED   (from verifying) a user with a costly scrypt hash; the client sends the right
//                  password and hangs up at once: nobody may be left online
//   after(loginTimeout)  such paths run on a second server started with `--login-timeout 1`
//                  and wait for the `closing` LOGIN_TIMEOUT event, never for time to pass
//
// Each path has its own username and connection; paths run side by side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { sessionMachine } from '../../machines/session.machine.js';
import { hashPassword } from '../../src/server/password.js';
import { eventually, startServer, tempDir, type ServerHandle } from '../support/processes.js';
import { TransitionCoverage } from './coverage.js';
import { buildTestModel, describePath, generatePaths, runPath, runPool, type ModelPath, type PathDriver, type StepContext } from './paths.js';
import { Conn, ConsoleWatch, UserPool, userlogHas, writeCredentials, WAIT_MS } from './support.js';

const ATTEMPTS = 3;
const WRONG = 'not-the-password';
const UDP = '9';

// Invoke id and delayed event type, read from the machine (not hard-coded).
const verifyingNode = sessionMachine.getStateNodeById('session.authenticating.verifying');
const INVOKE_ID = verifyingNode.invoke[0]!.id;
const DONE = `xstate.done.actor.${INVOKE_ID}`;
const ERROR = `xstate.error.actor.${INVOKE_ID}`;
const TIMEOUT = [...sessionMachine.getStateNodeById('session.authenticating').transitions.keys()].find((k) => k.startsWith('xstate.after.'))!;

const VERDICTS = ['accepted', 'wrongPassword', 'lockedNow', 'blocked', 'alreadyActive'] as const;
type Verdict = (typeof VERDICTS)[number];

const EVENTS: EventObject[] = [
  { type: 'USERNAME', requestId: 1, username: 'u', accountLocked: false } as EventObject,
  { type: 'USERNAME', requestId: 1, username: 'u', accountLocked: true } as EventObject,
  { type: 'PASSWORD', requestId: 2, password: 'p', udpPort: 9 } as EventObject,
  ...VERDICTS.map((verdict) => ({ type: DONE, output: { verdict } }) as EventObject),
  { type: ERROR, error: new Error('verification failed') } as EventObject,
  { type: TIMEOUT },
  { type: 'COMMAND', requestId: 3, command: 'activeuser', args: [] } as EventObject,
  { type: 'LOGOUT', requestId: 4 } as EventObject,
  { type: 'DISCONNECTED' },
];

const verdictOf = (e: EventObject | undefined): Verdict | null =>
  e?.type === DONE ? ((e as unknown as { output: { verdict: Verdict } }).output.verdict ?? null) : null;

// Users: plain passwords for most paths; a costly scrypt hash for hang-up-while-verifying; users
// x… whose presence claim fails on the faulty server, for the verification error.
const plain = Array.from({ length: 80 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const hashed = Array.from({ length: 10 }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const broken = Array.from({ length: 5 }, (_, i) => `x${String(i + 1).padStart(2, '0')}`);
const HASHED_PASSWORD = 'hashed-pw!';
const passwordOf = (user: string): string => (user.startsWith('h') ? HASHED_PASSWORD : `pw-${user}!`);

interface Setup {
  server: ServerHandle;
  console: ConsoleWatch;
  plain: UserPool;
  hashed: UserPool;
  broken: UserPool;
}

let main: Setup;
let quick: Setup; // --login-timeout 1
let faulty: Setup; // presence backend fails for x… users
const coverage = new TransitionCoverage('session', sessionMachine);
let timeoutLines = 0;

async function startSetup(label: string, extraArgs: string[], credentials: ReadonlyArray<readonly [string, string]>, entry?: string[]): Promise<Setup> {
  const dir = tempDir(label);
  writeCredentials(dir, credentials);
  const server = await startServer({
    dir,
    attempts: ATTEMPTS,
    blockSeconds: 600, // a lock made by a path outlives the path; every path has its own user
    args: ['--max-ip-failures', '1000000', '--max-unauthenticated', '1000', ...extraArgs],
    ...(entry ? { entry } : {}),
  });
  return { server, console: new ConsoleWatch(server.program), plain: new UserPool(plain), hashed: new UserPool(hashed), broken: new UserPool(broken) };
}

test.before(async () => {
  const costly = await hashPassword(HASHED_PASSWORD, { N: 32768, r: 8, p: 1 });
  // the hashed users come first: the server derives its decoy secret from the first hash line
  const credentials = [
    ...hashed.map((u) => [u, costly] as const),
    ...broken.map((u) => [u, passwordOf(u)] as const),
    ...plain.map((u) => [u, passwordOf(u)] as const),
  ];
  main = await startSetup('model-session', [], credentials);
  quick = await startSetup('model-session-timeout', ['--login-timeout', '1'], credentials);
  faulty = await startSetup('model-session-faulty', [], credentials, ['--import', import.meta.resolve('tsx'), new URL('./faulty-presence-server.ts', import.meta.url).pathname]);
});

// SIGTERM: the server stops even with accounts still blocked for 600 s (shutdown stops the
// lockout timers), and exits with status 0.
async function stop(setup: Setup): Promise<void> {
  setup.server.program.kill('SIGTERM');
  await setup.console.waitFor('Server stopped');
  assert.is((await setup.server.program.exited).code, 0);
}

test.after(async () => {
  await Promise.all([stop(main), stop(quick), stop(faulty)]);
  coverage.print();
});

/** Per-user expectations of the server console, counted so repeated lines are told apart. */
class Lines {
  private readonly counts = new Map<string, number>();
  constructor(private readonly watch: ConsoleWatch) {}
  /** Expects one more `line` than so far. */
  async next(line: string): Promise<void> {
    const n = (this.counts.get(line) ?? 0) + 1;
    this.counts.set(line, n);
    await this.watch.waitFor(line, n);
  }
  expected(line: string): number {
    return this.counts.get(line) ?? 0;
  }
}

class SessionDriver implements PathDriver {
  private readonly setup: Setup;
  private readonly user: string;
  private readonly lines: Lines;
  private conn: Conn | null = null;
  private pending: number | null = null;
  private failures = 0; // consecutive failures the server has counted for this user
  private holder: Conn | null = null;
  private readonly extra: Conn[] = [];

  constructor(path: ModelPath) {
    const events = path.steps.map((s) => s.event.type);
    this.setup = events.includes(TIMEOUT) ? quick : events.includes(ERROR) ? faulty : main;
    const disconnectsWhileVerifying = path.steps.some(
      (s, i) => s.event.type === 'DISCONNECTED' && path.steps[i - 1]?.state.matches({ authenticating: 'verifying' }),
    );
    this.user = events.includes(ERROR) ? this.setup.broken.take() : disconnectsWhileVerifying ? this.setup.hashed.take() : this.setup.plain.take();
    this.lines = new Lines(this.setup.console);
  }

  private get port(): number {
    return this.setup.server.port;
  }

  private get c(): Conn {
    if (!this.conn) throw new Error('no connection');
    return this.conn;
  }

  private userlog(): string[] {
    return this.setup.server.userlog();
  }

  // ---- preconditions made on other connections ----------------------------------------------

  private async sideFailure(): Promise<string> {
    const side = await Conn.open(this.port);
    await side.ok('username', [this.user]);
    const code = side.errorCode(await side.call('password', [WRONG, UDP]));
    if (code === 'ACCOUNT_LOCKED_NOW') {
      this.failures = 0;
      await this.lines.next(`${this.user} failed to log in from 127.0.0.1; the account is now blocked`);
    } else {
      assert.is(code, 'INVALID_PASSWORD');
      this.failures++;
      await this.lines.next(`${this.user} failed to log in from 127.0.0.1`);
    }
    await side.close();
    return code;
  }

  private async sideLogin(): Promise<Conn> {
    const side = await Conn.open(this.port);
    await side.ok('username', [this.user]);
    assert.equal(await side.ok('password', [passwordOf(this.user), UDP]), { username: this.user, invitations: [] });
    this.failures = 0;
    await this.lines.next(`${this.user} is online`);
    return side;
  }

  private async sideLogout(side: Conn): Promise<void> {
    assert.equal(await side.ok('logout'), { username: this.user });
    await side.closedByServer();
    await this.lines.next(`${this.user} logout`);
    assert.not.ok(userlogHas(this.userlog(), this.user));
  }

  private async lockAccount(): Promise<void> {
    for (let i = 0; i < ATTEMPTS; i++) if ((await this.sideFailure()) === 'ACCOUNT_LOCKED_NOW') return;
    assert.unreachable(`${ATTEMPTS} failures did not lock ${this.user}`);
  }

  /** Chooses (and prepares) the password that makes the real check produce the next step's outcome. */
  private async passwordFor(next: StepContext['next']): Promise<string> {
    const verdict = verdictOf(next?.event);
    if (next?.event.type === ERROR) return passwordOf(this.user); // right password: the backend fails on the claim
    if (next?.event.type === 'DISCONNECTED') return passwordOf(this.user);
    switch (verdict) {
      case 'accepted':
        return passwordOf(this.user);
      case 'wrongPassword':
        if (this.failures >= ATTEMPTS - 1) await this.sideLogout(await this.sideLogin()); // a success resets the count
        return WRONG;
      case 'lockedNow':
        while (this.failures < ATTEMPTS - 1) await this.sideFailure();
        return WRONG;
      case 'blocked':
        await this.lockAccount();
        return passwordOf(this.user); // even the right password is refused during the block
      case 'alreadyActive':
        this.holder = await this.sideLogin();
        this.extra.push(this.holder);
        return passwordOf(this.user);
      default:
        throw new Error(`cannot drive a PASSWORD followed by ${next?.event.type ?? 'nothing'}`);
    }
  }

  // ---- steps ----------------------------------------------------------------------------------

  async exec(ctx: StepContext): Promise<void> {
    const { user } = this;
    const e = ctx.event;
    const before = ctx.before;
    if (e.type === 'xstate.init') {
      this.conn = await Conn.open(this.port);
      return;
    }
    if (e.type === 'USERNAME') {
      const locked = (e as unknown as { accountLocked: boolean }).accountLocked;
      if (locked) await this.lockAccount();
      const r = await this.c.call('username', [user]);
      if (locked) {
        assert.is(this.c.errorCode(r), 'ACCOUNT_BLOCKED');
        await this.lines.next(`${user} tried to log in but the account is blocked`);
      } else {
        assert.is(this.c.errorCode(r), 'ok');
      }
      return;
    }
    if (e.type === 'PASSWORD') {
      const pw = await this.passwordFor(ctx.next);
      this.pending = this.c.send('password', [pw, UDP]);
      return; // the outcome is the next step
    }
    if (e.type === DONE) {
      const r = await this.c.reply(this.pending!);
      const verdict = verdictOf(e)!;
      switch (verdict) {
        case 'accepted':
          assert.equal(r.ok ? r.data : r.error, { username: user, invitations: [] });
          this.failures = 0;
          assert.ok(userlogHas(this.userlog(), user), 'the user is in userlog.txt once the login is answered');
          await this.lines.next(`${user} is online`);
          return;
        case 'wrongPassword':
          assert.is(this.c.errorCode(r), 'INVALID_PASSWORD');
          this.failures++;
          await this.lines.next(`${user} failed to log in from 127.0.0.1`);
          return;
        case 'lockedNow':
          assert.is(this.c.errorCode(r), 'ACCOUNT_LOCKED_NOW');
          this.failures = 0;
          await this.lines.next(`${user} failed to log in from 127.0.0.1; the account is now blocked`);
          return;
        case 'blocked':
          assert.is(this.c.errorCode(r), 'ACCOUNT_BLOCKED');
          await this.lines.next(`${user} tried to log in but the account is blocked`);
          return;
        case 'alreadyActive': {
          assert.is(this.c.errorCode(r), 'USER_ALREADY_ACTIVE');
          this.failures = 0;
          await this.lines.next(`${user} tried to log in again from 127.0.0.1 but is already online`);
          // the first session is unharmed
          const holder = this.holder!;
          assert.ok(!holder.isClosed, 'the session holding the user stays connected');
          await holder.ok('activeuser');
          assert.is(this.userlog().filter((l) => l.split('; ')[2] === user).length, 1, 'one userlog line for the user');
          // free the name again so later steps can log in
          await this.sideLogout(holder);
          this.holder = null;
          return;
        }
      }
    }
    if (e.type === ERROR) {
      assert.is(await this.c.closing(), 'INTERNAL', 'a failed verification ends the connection with INTERNAL');
      assert.not.ok(userlogHas(this.userlog(), user));
      return;
    }
    if (e.type === TIMEOUT) {
      assert.is(await this.c.closing(), 'LOGIN_TIMEOUT');
      timeoutLines++;
      await this.setup.console.waitFor('Disconnecting connection from 127.0.0.1: limit loginTimeout (1000 ms) reached', timeoutLines);
      return;
    }
    if (e.type === 'COMMAND') {
      const data = (await this.c.ok('activeuser')) as { users: Array<{ user: string }> };
      assert.ok(Array.isArray(data.users), 'activeuser lists users');
      assert.not.ok(
        data.users.some((u) => u.user === user),
        'activeuser lists the other users only',
      );
      return;
    }
    if (e.type === 'LOGOUT') {
      assert.equal(await this.c.ok('logout'), { username: user });
      await this.c.closedByServer();
      await this.lines.next(`${user} logout`);
      assert.not.ok(userlogHas(this.userlog(), user), 'logout removes the userlog line');
      return;
    }
    if (e.type === 'DISCONNECTED') {
      if (before?.matches('active')) {
        this.c.destroy(); // abrupt, like a killed client
        await this.lines.next(`${user} logout`);
        // the console line comes first, the userlog rewrite right after it
        await eventually(() => !userlogHas(this.userlog(), user), `${user} to leave userlog.txt after the drop`);
      } else if (before?.matches({ authenticating: 'verifying' })) {
        // hang up while the (costly) password check runs: the check must not leave a ghost
        await this.c.close();
        const onlineBefore = this.lines.expected(`${user} is online`);
        const side = await this.loginEventually();
        assert.is(this.setup.console.count(`${user} is online`), onlineBefore + 1, 'the hung-up connection never came online');
        await this.sideLogout(side);
      } else {
        await this.c.close();
      }
      return;
    }
    throw new Error(`no driver for ${e.type}`);
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
      if (Date.now() > deadline) assert.unreachable(`${this.user} is still online after the connection hung up`);
    }
  }

  async check(ctx: StepContext): Promise<void> {
    const s: AnyMachineSnapshot = ctx.state;
    const { user } = this;
    if (s.matches({ authenticating: 'awaitingUsername' })) {
      await this.c.fails('password', ['x', UDP], 'OUT_OF_ORDER');
    } else if (s.matches({ authenticating: 'awaitingPassword' })) {
      await this.c.fails('username', [user], 'OUT_OF_ORDER');
    } else if (s.matches({ authenticating: 'verifying' })) {
      // transient in the real system: its outcome is the next step
    } else if (s.matches('active')) {
      await this.c.fails('username', [user], 'ALREADY_AUTHENTICATED');
      assert.ok(userlogHas(this.userlog(), user));
    } else if (s.matches('blocked') || s.matches('timedOut')) {
      await this.c.closedByServer();
      assert.not.ok(userlogHas(this.userlog(), user));
    } else if (s.matches('loggedOut') || s.matches('closed')) {
      await this.c.close();
      assert.not.ok(userlogHas(this.userlog(), user));
    } else {
      throw new Error(`no check for ${JSON.stringify(s.value)}`);
    }
  }

  async dispose(): Promise<void> {
    for (const c of [this.conn, ...this.extra]) if (c && !c.isClosed) c.destroy();
  }
}

test('session paths drive the real server', async () => {
  const model = buildTestModel(sessionMachine, {
    events: EVENTS,
    input: { connectionId: 1 },
    limit: 2000,
    contextKey: () => null, // username and request ids are fixed in the model's events
    // verifying is transient in the real system (the check takes microseconds to milliseconds):
    // only its outcomes, and a hang-up during a costly check, can be made to happen there
    allow: (s, e) => !(s.matches({ authenticating: 'verifying' }) && e.type === TIMEOUT),
  });
  const paths = generatePaths(model);
  console.log(`session: ${paths.length} paths`);
  const failures = await runPool<ModelPath>(paths, 4, (path) => runPath(sessionMachine, path, new SessionDriver(path), [coverage]));
  for (const f of failures) console.error(`FAILED PATH ${describePath(sessionMachine, f.item)}\n  ${String(f.error instanceof Error ? f.error.message : f.error)}`);
  assert.is(failures.length, 0, `${failures.length} of ${paths.length} session paths failed`);
});

test('every session transition was exercised against the real server', () => {
  const r = coverage.report();
  assert.equal(r.uncovered, [], coverage.format());
});

test.run();
