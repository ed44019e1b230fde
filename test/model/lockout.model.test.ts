// Model-based test of machines/lockout.machine.ts against a real server process.
//
// Paths come from the machine itself (xstate/graph, edge-keyed states, two rounds so a second
// lockout after the first one expired is walked too). The machine runs once per username inside
// the server, so every path gets its own username and the paths run side by side. Two servers
// cover both shapes of the guard: with 1 allowed attempt the first failure locks (clear → locked),
// with 3 the count goes clear → failing → failing → locked.
//
//   FAILED            a wrong password on a new connection: INVALID_PASSWORD, or ACCOUNT_LOCKED_NOW
//                     when the model locks (and the matching console line)
//   SUCCEEDED         a correct login (userlog line, `is online`), then a logout
//   after(blockDuration)  no sleeping: wait for the console line `<user> is no longer blocked`
//   state checks      clear/failing: `username` is accepted; locked: `username` gets ACCOUNT_BLOCKED
//                     and the connection is closed
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot } from 'xstate';
import { lockoutMachine } from '../../machines/lockout.machine.js';
import { beforeAll, startServer, tempDir, type ServerHandle } from '../support/processes.js';
import { TransitionCoverage } from './coverage.js';
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
import { Conn, ConsoleWatch, UserPool, userlogHas, writeCredentials } from './support.js';

const USERS = Array.from({ length: 80 }, (_, i) => `lk${String(i + 1).padStart(2, '0')}`);
const password = (user: string): string => `pw-${user}!`;
const WRONG = 'not-the-password';

const EVENTS = [
  { type: 'FAILED' },
  { type: 'SUCCEEDED' },
  { type: `xstate.after.blockDuration.lockout.locked` },
];

interface Setup {
  readonly attempts: number;
  server: ServerHandle;
  console: ConsoleWatch;
  users: UserPool;
}

const setups: Setup[] = [];
const coverage = new TransitionCoverage('lockout', lockoutMachine);

beforeAll(async () => {
  for (const attempts of [1, 3]) {
    const dir = tempDir(`model-lockout-${attempts}`);
    writeCredentials(
      dir,
      USERS.map((u) => [u, password(u)] as const),
    );
    const server = await startServer({
      dir,
      attempts,
      blockSeconds: 1,
      args: ['--max-ip-failures', '1000000'],
    });
    setups.push({
      attempts,
      server,
      console: new ConsoleWatch(server.program),
      users: new UserPool(USERS),
    });
  }
});

test.after(async () => {
  for (const s of setups) await s.server.stop();
  coverage.print();
});

class LockoutDriver implements PathDriver {
  private readonly user: string;
  // how many of each console line this user has produced so far (lines repeat within a path)
  private unlocks = 0;
  private locks = 0;
  private failuresPrinted = 0;
  private logins = 0;
  private refusals = 0;

  constructor(private readonly setup: Setup) {
    this.user = setup.users.take();
  }

  private get port(): number {
    return this.setup.server.port;
  }

  async exec(ctx: StepContext): Promise<void> {
    const { user } = this;
    const watch = this.setup.console;
    switch (ctx.event.type) {
      case 'xstate.init':
        return;
      case 'FAILED': {
        // a new connection for every failure: failures count per username, across connections
        const conn = await Conn.open(this.port);
        await conn.ok('username', [user]);
        const r = await conn.call('password', [WRONG, '9']);
        if (ctx.state.matches('locked')) {
          assert.is(
            conn.errorCode(r),
            'ACCOUNT_LOCKED_NOW',
            'the failure that reaches the limit locks the account',
          );
          this.locks++;
          await watch.waitFor(
            `${user} failed to log in from 127.0.0.1; the account is now blocked`,
            this.locks,
          );
          await conn.closedByServer();
        } else {
          assert.is(
            conn.errorCode(r),
            'INVALID_PASSWORD',
            'a failure below the limit only re-prompts',
          );
          await watch.waitFor(`${user} failed to log in from 127.0.0.1`, this.failuresPrinted + 1);
          this.failuresPrinted++;
          await conn.close();
        }
        return;
      }
      case 'SUCCEEDED': {
        const conn = await Conn.open(this.port);
        await conn.ok('username', [user]);
        const data = await conn.ok('password', [password(user), '9']);
        assert.equal(data, { username: user, invitations: [] });
        assert.ok(
          userlogHas(this.setup.server.userlog(), user),
          'a logged-in user is in userlog.txt',
        );
        this.logins++;
        await watch.waitFor(`${user} is online`, this.logins);
        assert.equal(await conn.ok('logout'), { username: user });
        await conn.closedByServer();
        await watch.waitFor(`${user} logout`, this.logins);
        assert.not.ok(
          userlogHas(this.setup.server.userlog(), user),
          'logout removes the userlog line',
        );
        return;
      }
      case 'xstate.after.blockDuration.lockout.locked':
        // the block ends on its own: wait for the server to say so (never for time to pass)
        this.unlocks++;
        await watch.waitFor(`${user} is no longer blocked`, this.unlocks);
        return;
      default:
        throw new Error(`no driver for ${ctx.event.type}`);
    }
  }

  async check(ctx: StepContext): Promise<void> {
    const state: AnyMachineSnapshot = ctx.state;
    const conn = await Conn.open(this.port);
    const r = await conn.call('username', [this.user]);
    if (state.matches('locked')) {
      assert.is(
        conn.errorCode(r),
        'ACCOUNT_BLOCKED',
        'a locked account is refused at the username',
      );
      this.refusals++;
      await this.setup.console.waitFor(
        `${this.user} tried to log in but the account is blocked`,
        this.refusals,
      );
      await conn.closedByServer();
    } else {
      assert.is(
        conn.errorCode(r),
        'ok',
        `in ${JSON.stringify(state.value)} the username is accepted`,
      );
      await conn.close();
    }
  }
}

for (const attempts of [1, 3]) {
  test(`lockout paths (max ${attempts} failed attempts) drive the real server`, async () => {
    const setup = setups.find((s) => s.attempts === attempts)!;
    const model = buildTestModel(lockoutMachine, {
      input: { maxFailures: attempts },
      events: EVENTS,
      limit: 500,
      contextKey: (c) => (c as { failures: number }).failures,
    });
    const paths = generatePaths(model, { rounds: 2, simple: true });
    assert.ok(paths.length > 0);
    const failures = await runPool<ModelPath>(paths, 6, (path) =>
      runPath(lockoutMachine, path, new LockoutDriver(setup), [coverage]),
    );
    for (const f of failures)
      console.error(
        `FAILED PATH ${describePath(lockoutMachine, f.item)}\n  ${String(f.error instanceof Error ? f.error.message : f.error)}`,
      );
    assert.is(failures.length, 0, `${failures.length} of ${paths.length} lockout paths failed`);
  });
}

test('every lockout transition was exercised against the real server', () => {
  const r = coverage.report();
  assert.equal(r.uncovered, [], coverage.format());
});

test.run();
