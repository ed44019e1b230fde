// Per-state behaviour probes for the session, written from SPEC and docs/PROTOCOL.md, NOT from
// machines/session.machine.ts: the model-based paths are generated from the machine under test,
// so a wrong machine and a server that follows it agree with each other. These probes instead
// bring a real connection into a state by the protocol alone and check which requests the server
// then accepts and which it refuses, and with which code (PROTOCOL.md's command table).
//
// Each probe uses its own users and connections, so they run side by side on one server.
import * as assert from 'uvu/assert';
import type { ResponseMessage, ServerMessage } from '../../../src/protocol/messages.js';
import { eventually } from '../../support/processes.js';
import { RawClient } from '../../support/raw-client.js';
import { Conn, ConsoleWatch, userlogHas, WAIT_MS } from '../support.js';

export interface ProbeServer {
  readonly port: number;
  /** How the servers are reached (`plaintext` for servers started with `--plaintext`). */
  readonly link: { readonly plaintext?: boolean };
  readonly console: ConsoleWatch;
  readonly userlog: () => string[];
  /** messagelog.txt and <group>_messagelog.txt, line by line (for the command probes). */
  readonly messagelog: () => string[];
  readonly groupLog: (group: string) => string[];
  readonly passwordOf: (user: string) => string;
  /** The server's --max-unauthenticated. */
  readonly maxUnauthenticated: number;
  /** The server's login attempts (SPEC: the Nth consecutive failure blocks the account). */
  readonly attempts: number;
  /** A second server, same users, started with `--login-timeout 3` (3,000 ms). */
  readonly loginTimeoutPort: number;
  readonly loginTimeoutConsole: ConsoleWatch;
  /** A third server, same users, started with `--max-ip-failures` IP_FAILURES. */
  readonly ipThrottledPort: number;
  readonly ipThrottledConsole: ConsoleWatch;
  /** A server started with `--rate-burst 10 --rate-per-second 1 --max-throttled 5 --max-groups 1`. */
  readonly rate: LimitedServer & { readonly maxGroups: number };
  /** A server started with `--max-queued-bytes 65536` (and `--sync off`: many messages). */
  readonly queue: LimitedServer;
  /** A server started with `--max-connections-per-ip` PER_IP_CONNECTIONS (one probe uses it). */
  readonly perIp: LimitedServer;
  /** A server whose userlog.txt cannot be rewritten once it started (one probe uses it). */
  readonly noUserlog: LimitedServer;
  /** A server, same users, whose shared state (presence, groups, transfers) fails on demand. */
  readonly backend: {
    readonly port: number;
    readonly messagelog: () => string[];
    readonly groupLog: (group: string) => string[];
    readonly console: ConsoleWatch;
    readonly userlog: () => string[];
    setMode(mode: 'ok' | 'failed' | 'unreachable' | 'rejects'): void;
    /** How many presence lookups of HELD_USER wait (probe-servers.ts); `releaseHeld` lets them go. */
    held(): number;
    releaseHeld(): void;
  };
}

export interface LimitedServer {
  readonly port: number;
  readonly console: ConsoleWatch;
  readonly userlog: () => string[];
}

/** The `--max-ip-failures` of the server at `ipThrottledPort`. */
export const IP_FAILURES = 2;
/**
 * A user whose presence lookups on the backend server wait until the probe lets them go: a
 * command that looks them up (msgto, p2pvideo) is still running for as long as the probe wants.
 */
export const HELD_USER = 'held-1';
/** The `--max-connections-per-ip` of the server `perIp`. */
export const PER_IP_CONNECTIONS = 3;

export interface Probe {
  readonly name: string;
  readonly run: (server: ProbeServer, users: ProbeUsers) => Promise<void>;
}

export interface ProbeUsers {
  take(): string;
}

const UDP = '9';
const WRONG = 'not-the-password';
const codeOf = (r: ResponseMessage): string => (r.ok ? 'ok' : r.error.code);

/** Sends `cmd` and asserts the answer's code (`ok` for success). */
async function expectAnswer(
  conn: Conn,
  cmd: string,
  args: string[],
  code: string,
  why: string,
): Promise<ResponseMessage> {
  const r = await conn.call(cmd, args);
  assert.is(
    codeOf(r),
    code,
    `${why}: ${cmd} ${JSON.stringify(args)} answered ${JSON.stringify(r)}`,
  );
  return r;
}

/** A connection after the handshake, in awaitingUsername. */
const fresh = (server: ProbeServer): Promise<Conn> => Conn.open(server.port, server.link);

/** A connection that sent a username and was asked for the password (awaitingPassword). */
async function atPassword(server: ProbeServer, user: string): Promise<Conn> {
  const conn = await fresh(server);
  await expectAnswer(conn, 'username', [user], 'ok', 'a fresh connection accepts a username');
  return conn;
}

/** A logged-in connection (active). */
async function loggedIn(server: ProbeServer, user: string): Promise<Conn> {
  const conn = await atPassword(server, user);
  const r = await expectAnswer(
    conn,
    'password',
    [server.passwordOf(user), UDP],
    'ok',
    'the right password logs in',
  );
  assert.equal(
    r.ok ? r.data : null,
    { username: user, invitations: [] },
    'the login reply names the user (nobody invited this one)',
  );
  return conn;
}

/** The `error.code` of an `error` or `closing` event. */
function errorCodeOf(m: ServerMessage): string {
  const error = m.t === 'ev' ? (m.error as { code?: unknown } | undefined) : undefined;
  return typeof error?.code === 'string' ? error.code : '';
}

async function closingCode(raw: RawClient): Promise<string> {
  return errorCodeOf(await closingEvent(raw));
}

const closingEvent = (raw: RawClient): Promise<ServerMessage> =>
  raw.waitFor((x) => x.t === 'ev' && x.ev === 'closing', WAIT_MS);

/** The `error` of the `closing` event (PROTOCOL: a limit reason carries the limit). */
async function closingError(raw: RawClient): Promise<unknown> {
  const m = await closingEvent(raw);
  return m.t === 'ev' ? m.error : undefined;
}

async function expectClosedWith(conn: Conn, code: string): Promise<void> {
  assert.is(await conn.closing(), code);
  await conn.closedByServer();
}

/** The account is blocked: a username on a new connection is refused and the connection closed. */
async function expectBlocked(server: ProbeServer, user: string): Promise<void> {
  const conn = await fresh(server);
  await expectAnswer(conn, 'username', [user], 'ACCOUNT_BLOCKED', 'a blocked account');
  await conn.closedByServer();
}

/** A logout's answer names the user; then the server closes and the user leaves userlog.txt. */
async function expectLoggedOut(
  server: ProbeServer,
  conn: Conn,
  user: string,
  bye: ResponseMessage,
): Promise<void> {
  assert.equal(bye.ok ? bye.data : null, { username: user });
  await conn.closedByServer();
  await server.console.waitFor(`${user} logout`);
  assert.not.ok(userlogHas(server.userlog(), user), 'gone from userlog.txt');
}

/** A user logged in on the backend probe server with a `msgto` that stays running until released. */
async function withRunningCommand(
  server: ProbeServer,
  users: ProbeUsers,
): Promise<{ user: string; conn: Conn; running: number }> {
  const { backend } = server;
  const user = users.take();
  const conn = await loggedIn({ ...server, port: backend.port }, user);
  const running = conn.send('msgto', [HELD_USER, 'are you there?']);
  await eventually(() => backend.held() === 1, 'the msgto to be running');
  return { user, conn, running };
}

export const SESSION_PROBES: readonly Probe[] = [
  // handshake (PROTOCOL: "Any other first frame → closing HANDSHAKE_REQUIRED; another version → VERSION_UNSUPPORTED")
  {
    name: 'handshake: a request before hello is refused with HANDSHAKE_REQUIRED and the connection closed',
    run: async (server) => {
      const raw = await RawClient.connect(server.port, server.link);
      raw.request('username', ['nobody']);
      assert.is(await closingCode(raw), 'HANDSHAKE_REQUIRED');
      assert.not.ok(
        raw.received.some((m) => m.t === 'res'),
        'the request is not answered',
      );
    },
  },
  {
    name: 'handshake: another protocol version is refused with VERSION_UNSUPPORTED',
    run: async (server) => {
      const raw = await RawClient.connect(server.port, server.link);
      raw.sendJson({ t: 'hello', v: 2 });
      assert.is(await closingCode(raw), 'VERSION_UNSUPPORTED');
      assert.not.ok(raw.received.some((m) => m.t === 'welcome'));
    },
  },
  {
    name: 'handshake: hello v1 is welcomed; a second hello is a bad message and the connection stays',
    run: async (server, users) => {
      const conn = await fresh(server);
      conn.raw.hello();
      await conn.raw.waitFor(
        (m) => m.t === 'ev' && m.ev === 'error' && errorCodeOf(m) === 'BAD_MESSAGE',
        WAIT_MS,
      );
      await expectAnswer(
        conn,
        'username',
        [users.take()],
        'ok',
        'still awaiting a username after a stray hello',
      );
      await conn.close();
    },
  },
  // awaitingUsername
  {
    name: 'awaitingUsername: a password is refused (OUT_OF_ORDER), then a username is still accepted',
    run: async (server, users) => {
      const user = users.take();
      const conn = await fresh(server);
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'OUT_OF_ORDER',
        'no username yet',
      );
      await expectAnswer(conn, 'username', [user], 'ok', 'awaitingUsername');
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'then the password',
      );
      await conn.close();
    },
  },
  {
    name: 'awaitingUsername: commands and logout need login; unknown commands and bad arguments have their codes',
    run: async (server, users) => {
      const conn = await fresh(server);
      await expectAnswer(conn, 'activeuser', [], 'NOT_LOGGED_IN', 'before login');
      await expectAnswer(conn, 'logout', [], 'NOT_LOGGED_IN', 'before login');
      await expectAnswer(
        conn,
        'msgto',
        ['x'],
        'NOT_LOGGED_IN',
        'a command with bad arguments still needs login first',
      );
      await expectAnswer(conn, 'fly', [], 'UNKNOWN_COMMAND', 'unknown');
      await expectAnswer(conn, 'username', [], 'BAD_ARGUMENTS', 'no username');
      await expectAnswer(conn, 'username', [''], 'BAD_ARGUMENTS', 'empty username');
      await expectAnswer(
        conn,
        'username',
        ['u'.repeat(257)],
        'BAD_ARGUMENTS',
        'username over 256 characters',
      );
      await expectAnswer(conn, 'username', [users.take()], 'ok', 'still awaiting a username');
      await conn.close();
    },
  },
  // PROTOCOL: username BAD_ARGUMENTS "empty or over 256 characters", USER_NAME_BIDI_CONTROL;
  // password `[password, udpPort]` (SPEC: ports are integers 1–65535)
  {
    name: 'login arguments: a username of 256 characters is taken, one with a bidi control refused; the UDP port must be 1–65535',
    run: async (server, users) => {
      const long = await fresh(server);
      await expectAnswer(long, 'username', ['u'.repeat(256)], 'ok', '256 characters');
      await long.close();
      const conn = await fresh(server);
      await expectAnswer(
        conn,
        'username',
        ['Yo\u202Eda'],
        'USER_NAME_BIDI_CONTROL',
        'a right-to-left override',
      );
      const first = users.take();
      await expectAnswer(conn, 'username', [first], 'ok', 'still awaiting a username');
      for (const port of ['0', '65536', '-1', '1.5', ''])
        await expectAnswer(
          conn,
          'password',
          [server.passwordOf(first), port],
          'BAD_ARGUMENTS',
          `UDP port ${JSON.stringify(port)}`,
        );
      await expectAnswer(conn, 'password', [server.passwordOf(first), '1'], 'ok', 'port 1');
      await conn.close();
      const second = users.take();
      const top = await atPassword(server, second);
      await expectAnswer(top, 'password', [server.passwordOf(second), '65535'], 'ok', 'port 65535');
      await top.close();
    },
  },
  {
    name: 'awaitingUsername: an unknown username is asked for a password too (no account enumeration), and refused there',
    run: async (server) => {
      const conn = await fresh(server);
      await expectAnswer(
        conn,
        'username',
        ['no-such-user'],
        'ok',
        'any username is asked for a password',
      );
      await expectAnswer(
        conn,
        'password',
        ['whatever', UDP],
        'INVALID_PASSWORD',
        'an unknown user',
      );
      await conn.close();
    },
  },
  // awaitingPassword
  {
    name: 'awaitingPassword: a second username is refused (OUT_OF_ORDER), the password is still accepted',
    run: async (server, users) => {
      const user = users.take();
      const conn = await atPassword(server, user);
      await expectAnswer(
        conn,
        'username',
        [users.take()],
        'OUT_OF_ORDER',
        'a username is already given',
      );
      await expectAnswer(conn, 'activeuser', [], 'NOT_LOGGED_IN', 'not logged in yet');
      await expectAnswer(
        conn,
        'password',
        ['pw', 'not-a-port'],
        'BAD_ARGUMENTS',
        'the UDP port must be a number',
      );
      await expectAnswer(
        conn,
        'password',
        ['pw', '0'],
        'BAD_ARGUMENTS',
        'the UDP port must be 1..65535',
      );
      await expectAnswer(
        conn,
        'password',
        ['pw', '65536'],
        'BAD_ARGUMENTS',
        'the UDP port must be 1..65535',
      );
      for (const port of ['x9', '9x', '', '-1', '1.5'])
        await expectAnswer(
          conn,
          'password',
          ['pw', port],
          'BAD_ARGUMENTS',
          'the UDP port is digits only',
        );
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), '65535'],
        'ok',
        'the password is accepted',
      );
      await conn.close();
    },
  },
  {
    name: 'awaitingPassword: a wrong password is refused (INVALID_PASSWORD) and the password asked again, not the username',
    run: async (server, users) => {
      const user = users.take();
      const conn = await atPassword(server, user);
      await expectAnswer(conn, 'password', [WRONG, UDP], 'INVALID_PASSWORD', 'a wrong password');
      // SPEC §6: failed logins are printed (never the password)
      await server.console.waitFor(new RegExp(`^${user} failed to log in from \\S+$`));
      await expectAnswer(
        conn,
        'username',
        [user],
        'OUT_OF_ORDER',
        'the username stays given after a wrong password',
      );
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'the right password then logs in',
      );
      await conn.close();
    },
  },
  // after USER_ALREADY_ACTIVE (PROTOCOL: "USER_ALREADY_ACTIVE (back to username)")
  {
    name: 'after "already logged in": a username is accepted again and a password refused (OUT_OF_ORDER)',
    run: async (server, users) => {
      const user = users.take();
      const other = users.take();
      const first = await loggedIn(server, user);
      const second = await atPassword(server, user);
      const r = await expectAnswer(
        second,
        'password',
        [server.passwordOf(user), UDP],
        'USER_ALREADY_ACTIVE',
        'the user is logged in elsewhere',
      );
      assert.is(r.ok ? '' : (r.error as { user?: string }).user, user);
      await server.console.waitFor(
        new RegExp(`^${user} tried to log in again from \\S+ but is already online$`),
      );
      // SPEC: "first session unharmed": messages for the user still reach the first session only
      const sender = await loggedIn(server, users.take());
      await expectAnswer(sender, 'msgto', [user, 'to the first'], 'ok', 'the user is online');
      await first.raw.waitFor(
        (m) => m.t === 'ev' && m.ev === 'private' && m.text === 'to the first',
        WAIT_MS,
      );
      await expectAnswer(
        second,
        'password',
        [server.passwordOf(user), UDP],
        'OUT_OF_ORDER',
        'back to the username step',
      );
      // (answered after the message was delivered: anything sent to this connection came first)
      assert.not.ok(
        second.raw.received.some((m) => m.t === 'ev' && m.ev === 'private'),
        "the refused connection gets none of the user's messages",
      );
      await sender.close();
      await expectAnswer(second, 'username', [other], 'ok', 'a username is accepted again');
      await expectAnswer(
        second,
        'password',
        [server.passwordOf(other), UDP],
        'ok',
        'and its password logs in',
      );
      await second.close();
      await first.close();
    },
  },
  {
    name: 'after "already logged in": the same username is accepted once the first session logged out',
    run: async (server, users) => {
      const user = users.take();
      const first = await loggedIn(server, user);
      const second = await atPassword(server, user);
      await expectAnswer(
        second,
        'password',
        [server.passwordOf(user), UDP],
        'USER_ALREADY_ACTIVE',
        'logged in elsewhere',
      );
      await expectAnswer(first, 'logout', [], 'ok', 'the first session logs out');
      await first.closedByServer();
      await expectAnswer(second, 'username', [user], 'ok', 'the username step again');
      await expectAnswer(
        second,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'now the login succeeds',
      );
      await second.close();
    },
  },
  // active
  {
    name: 'active: login steps are refused (ALREADY_AUTHENTICATED), commands run, bad ones get their codes',
    run: async (server, users) => {
      const user = users.take();
      const conn = await loggedIn(server, user);
      await expectAnswer(conn, 'username', [user], 'ALREADY_AUTHENTICATED', 'logged in');
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'ALREADY_AUTHENTICATED',
        'logged in',
      );
      await expectAnswer(
        conn,
        'username',
        [],
        'ALREADY_AUTHENTICATED',
        'a malformed login step while logged in',
      );
      await expectAnswer(conn, 'activeuser', [], 'ok', 'a command runs');
      await expectAnswer(conn, 'activeuser', ['extra'], 'BAD_ARGUMENTS', 'too many arguments');
      await expectAnswer(conn, 'fly', [], 'UNKNOWN_COMMAND', 'unknown');
      await expectAnswer(conn, 'msgto', [user, 'hi'], 'SELF_TARGET', 'the handler answers');
      assert.ok(userlogHas(server.userlog(), user), 'listed in userlog.txt while active');
      await conn.close();
    },
  },
  {
    name: 'active: logout is answered with the username, then the server closes and the user leaves userlog.txt',
    run: async (server, users) => {
      const user = users.take();
      const conn = await loggedIn(server, user);
      await expectLoggedOut(
        server,
        conn,
        user,
        await expectAnswer(conn, 'logout', [], 'ok', 'logout'),
      );
    },
  },
  {
    name: 'active: a hang-up takes the user offline (another user no longer sees them)',
    run: async (server, users) => {
      const user = users.take();
      const watcher = await loggedIn(server, users.take());
      const conn = await loggedIn(server, user);
      const listed = async (): Promise<boolean> => {
        const r = await watcher.call('activeuser', []);
        return (
          r.ok && (r.data as { users: Array<{ user: string }> }).users.some((u) => u.user === user)
        );
      };
      assert.ok(await listed(), 'listed while logged in');
      const r = await watcher.call('activeuser', []);
      const entry = r.ok
        ? (r.data as { users: Array<{ user: string; udpPort: number }> }).users.find(
            (u) => u.user === user,
          )
        : undefined;
      assert.is(entry?.udpPort, Number(UDP), 'listed with the UDP port sent with the password');
      conn.destroy();
      await server.console.waitFor(`${user} logout`);
      assert.not.ok(await listed(), 'not listed after hanging up');
      // nobody is answered after a hang-up, so wait for the file itself
      await eventually(() => !userlogHas(server.userlog(), user), `${user} to leave userlog.txt`);
      await watcher.close();
    },
  },
  // SPEC §3: "A user who is already logged in cannot log in a second time (clear error, first
  // session unharmed)"; §4: closing the client is a logout, of that client's user only. PROTOCOL:
  // TOO_MANY_CONNECTIONS_FROM_IP. A connection that hangs up is no longer counted against its
  // address, whatever state it was in; the freed place is also how the probe knows that the
  // server has dealt with the hang-up (nothing else is visible for a connection not logged in).
  {
    name: 'however a connection ends (hang-up or server closing, before or after login; logout; refused login), it stops counting against its address, and a user it only named stays online',
    run: async (server, users) => {
      const { perIp } = server;
      const at = { ...server, port: perIp.port };
      const owner = users.take();
      const watcher = await loggedIn(at, users.take());
      const first = await loggedIn(at, owner);
      // Retried until the ended connection is dealt with (each refused attempt frees its own
      // place too); the connection that gets in is the probe's next one.
      const freedPlace = async (why: string): Promise<RawClient> => {
        const deadline = Date.now() + WAIT_MS;
        for (;;) {
          const raw = await RawClient.connect(perIp.port, server.link);
          raw.hello();
          const m = await raw.waitFor(
            (x) => x.t === 'welcome' || (x.t === 'ev' && x.ev === 'closing'),
          );
          if (m.t === 'welcome') return raw;
          raw.close();
          assert.ok(Date.now() < deadline, `a place is freed once ${why}`);
        }
      };
      const ownerStillOnline = async (why: string): Promise<void> => {
        const r = await watcher.call('activeuser', []);
        assert.ok(
          r.ok &&
            (r.data as { users: Array<{ user: string }> }).users.some((u) => u.user === owner),
          `${owner} is still listed after another connection named them and ${why}: ${JSON.stringify(r)}`,
        );
        assert.is(perIp.console.count(`${owner} logout`), 0, 'no logout on the console');
        assert.ok(userlogHas(perIp.userlog(), owner), 'still in userlog.txt');
      };
      const second = await atPassword(at, owner);
      const refused = await RawClient.connect(perIp.port, server.link);
      assert.equal(await closingError(refused), {
        code: 'TOO_MANY_CONNECTIONS_FROM_IP',
        limit: PER_IP_CONNECTIONS,
      });
      second.destroy();
      const third = await freedPlace('the connection hung up');
      await ownerStillOnline('hung up');
      const named = await third.response(third.request('username', [owner]));
      assert.ok(named.t === 'res' && named.ok, `asked for the password: ${JSON.stringify(named)}`);
      // the username was the first request before login: this many more is one too many
      for (let i = 0; i < server.maxUnauthenticated; i++) third.request('activeuser');
      assert.is(await closingCode(third), 'TOO_MANY_UNAUTHENTICATED_MESSAGES');
      const fourth = await freedPlace('the server closed the connection');
      await ownerStillOnline('was closed by the server');
      // the same after login: a logout, a hang-up; and a login refused for good
      const logIn = async (raw: RawClient, user: string): Promise<void> => {
        await raw.response(raw.request('username', [user]));
        const r = await raw.response(raw.request('password', [server.passwordOf(user), UDP]));
        assert.ok(r.t === 'res' && r.ok, `${user} logged in: ${JSON.stringify(r)}`);
      };
      const leaving = users.take();
      await logIn(fourth, leaving);
      const bye = await fourth.response(fourth.request('logout'));
      assert.ok(bye.t === 'res' && bye.ok, `logged out: ${JSON.stringify(bye)}`);
      const fifth = await freedPlace('the user logged out');
      const hangingUp = users.take();
      await logIn(fifth, hangingUp);
      fifth.socket.destroy();
      const sixth = await freedPlace('a logged-in user hung up');
      const locked = users.take();
      await sixth.response(sixth.request('username', [locked]));
      for (let i = 1; i <= server.attempts; i++)
        await sixth.response(sixth.request('password', [WRONG, UDP]));
      const last = sixth.received.filter((m) => m.t === 'res').pop();
      assert.is(last && !last.ok ? last.error.code : '', 'ACCOUNT_LOCKED_NOW');
      const seventh = await freedPlace('the login was refused for good');
      seventh.close();
      await expectAnswer(first, 'activeuser', [], 'ok', 'the first session is unharmed');
      await first.close();
      await watcher.close();
    },
  },
  // pipelining (PROTOCOL: "a pipelined sequence gets exactly the answers it would get step by step")
  {
    name: 'pipelined: username, password and a command written at once are answered as step by step',
    run: async (server, users) => {
      const user = users.take();
      const conn = await fresh(server);
      const ids = [
        conn.send('password', [WRONG, UDP]),
        conn.send('username', [user]),
        conn.send('username', [user]),
        conn.send('password', [WRONG, UDP]),
        conn.send('password', [server.passwordOf(user), UDP]),
        conn.send('activeuser', []),
        conn.send('username', [user]),
      ];
      const codes = [];
      for (const id of ids) codes.push(codeOf(await conn.reply(id)));
      assert.equal(codes, [
        'OUT_OF_ORDER',
        'ok',
        'OUT_OF_ORDER',
        'INVALID_PASSWORD',
        'ok',
        'ok',
        'ALREADY_AUTHENTICATED',
      ]);
      await conn.close();
    },
  },
  {
    name: 'pipelined: a logout right behind the password logs in and out',
    run: async (server, users) => {
      const user = users.take();
      const conn = await fresh(server);
      const ids = [
        conn.send('username', [user]),
        conn.send('password', [server.passwordOf(user), UDP]),
        conn.send('logout', []),
      ];
      const codes = [];
      for (const id of ids) codes.push(codeOf(await conn.reply(id)));
      assert.equal(codes, ['ok', 'ok', 'ok']);
      await conn.closedByServer();
    },
  },
  // PROTOCOL: requests are answered in the order sent, however they arrive. Written in one
  // write, the server reads them together; each must be treated exactly as if sent alone.
  {
    name: 'written together while logged in: commands and a logout are answered in order, then the server closes',
    run: async (server, users) => {
      const user = users.take();
      const conn = await loggedIn(server, user);
      const ids = conn.raw.sendTogether([
        { cmd: 'activeuser' },
        { cmd: 'msgto', args: [user, 'to myself'] },
        { cmd: 'logout' },
      ]);
      const replies = [];
      for (const id of ids) replies.push(await conn.reply(id));
      assert.equal(replies.map(codeOf), ['ok', 'SELF_TARGET', 'ok']);
      await expectLoggedOut(server, conn, user, replies[2]!);
    },
  },
  {
    name: 'written together while logged in: a malformed frame and a stray hello among commands are bad messages, the commands are answered, the connection stays',
    run: async (server, users) => {
      const user = users.take();
      const conn = await loggedIn(server, user);
      const before = conn.raw.received.length;
      const ids = conn.raw.sendTogether([
        { cmd: 'activeuser' },
        { frame: { t: 'nonsense' } },
        { frame: { t: 'hello', v: 1 } },
        { cmd: 'msgto', args: [user, 'to myself'] },
      ]);
      const codes = [];
      for (const id of ids) codes.push(codeOf(await conn.reply(id)));
      assert.equal(codes, ['ok', 'SELF_TARGET']);
      await eventually(
        () =>
          conn.raw.received
            .slice(before)
            .filter((m) => m.t === 'ev' && m.ev === 'error' && errorCodeOf(m) === 'BAD_MESSAGE')
            .length === 2,
        'two BAD_MESSAGE error events',
      );
      await expectAnswer(conn, 'activeuser', [], 'ok', 'the connection stays');
      await conn.close();
    },
  },
  {
    name: 'written together while logged in: more commands than the burst allows get RATE_LIMITED past the burst, as one by one',
    run: async (server, users) => {
      const user = users.take();
      const conn = await Conn.open(server.rate.port, server.link);
      await expectAnswer(conn, 'username', [user], 'ok', 'username');
      await expectAnswer(conn, 'password', [server.passwordOf(user), UDP], 'ok', 'login');
      const ids = conn.raw.sendTogether(Array.from({ length: 12 }, () => ({ cmd: 'activeuser' })));
      const codes = [];
      for (const id of ids) codes.push(codeOf(await conn.reply(id)));
      assert.equal(codes, [...Array<string>(10).fill('ok'), 'RATE_LIMITED', 'RATE_LIMITED']);
      await conn.close();
    },
  },
  {
    name: 'logout while a command is still running: the command is answered first, then the logout',
    run: async (server, users) => {
      const { backend } = server;
      const { user, conn, running } = await withRunningCommand(server, users);
      const logout = conn.send('logout', []);
      backend.releaseHeld();
      await conn.reply(logout);
      const at = (id: number) => conn.raw.received.findIndex((m) => m.t === 'res' && m.id === id);
      assert.ok(at(running) >= 0, 'the running msgto is answered');
      assert.ok(at(running) < at(logout), 'before the logout');
      await conn.closedByServer();
    },
  },
  {
    name: 'login timeout: a connection that does not log in in time is closed with LOGIN_TIMEOUT, a logged-in one stays',
    run: async (server, users) => {
      const user = users.take();
      // the logged-in one first: it has the whole timeout to log in, however loaded the machine
      const done = await Conn.open(server.loginTimeoutPort, server.link);
      await expectAnswer(done, 'username', [user], 'ok', 'username');
      await expectAnswer(
        done,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'logged in before the timeout',
      );
      const idle = await Conn.open(server.loginTimeoutPort, server.link);
      const half = await Conn.open(server.loginTimeoutPort, server.link);
      await expectAnswer(half, 'username', [users.take()], 'ok', 'a username alone is not a login');
      await expectClosedWith(idle, 'LOGIN_TIMEOUT');
      await expectClosedWith(half, 'LOGIN_TIMEOUT');
      // SPEC §6: the console says why, once per connection (only this probe uses this server)
      await server.loginTimeoutConsole.waitFor(
        /^Disconnecting connection from \S+: limit loginTimeout \(3000 ms\) reached$/,
        2,
      );
      await expectAnswer(done, 'activeuser', [], 'ok', 'the logged-in connection is not timed out');
      await done.close();
    },
  },
  {
    name: 'per-IP throttle: after --max-ip-failures failures from the address, the next password is refused with LOGIN_THROTTLED and the connection closed',
    run: async (server, users) => {
      for (let i = 0; i < IP_FAILURES; i++) {
        const conn = await Conn.open(server.ipThrottledPort, server.link);
        await expectAnswer(conn, 'username', [users.take()], 'ok', 'username');
        await expectAnswer(
          conn,
          'password',
          [WRONG, UDP],
          'INVALID_PASSWORD',
          `failure ${i + 1} from this address`,
        );
        await conn.close();
      }
      const user = users.take();
      const conn = await Conn.open(server.ipThrottledPort, server.link);
      await expectAnswer(conn, 'username', [user], 'ok', 'username');
      const r = await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'LOGIN_THROTTLED',
        'the address is throttled, even with the right password',
      );
      assert.ok(
        !r.ok && typeof (r.error as { retryAfterSeconds?: unknown }).retryAfterSeconds === 'number',
        'says when to retry',
      );
      await conn.closedByServer();
      await server.ipThrottledConsole.waitFor(
        new RegExp(
          `^Refusing a login from \\S+: limit maxFailuresPerIpPerMinute \\(${IP_FAILURES}\\) reached$`,
        ),
      );
    },
  },
  // limits (PROTOCOL: RATE_LIMITED with retryAfterSeconds; FLOODING; a client that does not read
  // is cut without a notice)
  {
    name: 'command rate: a burst passes, then RATE_LIMITED with retryAfterSeconds, then a sustained flood is closed with FLOODING and the user goes offline',
    run: async (server, users) => {
      const user = users.take();
      const limited = { ...server, port: server.rate.port };
      const conn = await Conn.open(limited.port, server.link);
      await expectAnswer(conn, 'username', [user], 'ok', 'username');
      await expectAnswer(conn, 'password', [server.passwordOf(user), UDP], 'ok', 'login');
      const ids = Array.from({ length: 30 }, () => conn.send('activeuser', []));
      for (const id of ids.slice(0, 10))
        assert.is(codeOf(await conn.reply(id)), 'ok', 'the burst of 10 passes');
      const refused = await conn.reply(ids[10]!);
      assert.is(codeOf(refused), 'RATE_LIMITED');
      const retry = refused.ok
        ? 0
        : (refused.error as { retryAfterSeconds?: number }).retryAfterSeconds;
      assert.ok(typeof retry === 'number' && retry >= 1, `retryAfterSeconds ${retry}`);
      await expectClosedWith(conn, 'FLOODING');
      await server.rate.console.waitFor(
        `Disconnecting ${user}: limit maxThrottled (5) reached, sustained flood`,
      );
      await server.rate.console.waitFor(`${user} logout`);
      await eventually(
        () => !userlogHas(server.rate.userlog(), user),
        `${user} to leave userlog.txt`,
      );
    },
  },
  {
    name: 'a logged-in client that does not read is cut at --max-queued-bytes without a notice; it goes offline, the sender carries on',
    run: async (server, users) => {
      const [stuckUser, senderUser] = [users.take(), users.take()];
      const at = server.queue.port;
      const login = async (user: string): Promise<Conn> => {
        const conn = await Conn.open(at, server.link);
        await expectAnswer(conn, 'username', [user], 'ok', 'username');
        await expectAnswer(conn, 'password', [server.passwordOf(user), UDP], 'ok', 'login');
        return conn;
      };
      const stuck = await login(stuckUser);
      stuck.raw.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
      const sender = await login(senderUser);
      const text = 'x'.repeat(1000);
      const line = `Disconnecting ${stuckUser}: limit maxQueuedBytes (65536) reached, client is not reading`;
      for (let i = 0; i < 20_000 && server.queue.console.count(line) === 0; i++) {
        const id = sender.send('msgto', [stuckUser, text]);
        if (i % 200 === 199) await sender.reply(id);
      }
      await server.queue.console.waitFor(line);
      await server.queue.console.waitFor(`${stuckUser} logout`);
      stuck.raw.socket.resume();
      await stuck.closedByServer();
      assert.not.ok(
        stuck.raw.received.some((m) => m.t === 'ev' && m.ev === 'closing'),
        'no closing notice: it could only have joined the unread queue',
      );
      const r = await sender.call('msgto', [stuckUser, 'still there?']);
      assert.equal(r.ok ? 'ok' : r.error, { code: 'USER_OFFLINE', user: stuckUser });
      await sender.close();
    },
  },
  // limits (PROTOCOL: framing, bad messages, unauthenticated requests)
  // Both kinds of bad message in one probe: no other probe closes a connection for bad messages,
  // so each closing must add its own console line (two probes side by side could each see the
  // other's line).
  {
    name: 'limits: 10 bad messages (or stray hellos) are reported and tolerated, the 11th closes with BAD_MESSAGE and a console line',
    run: async (server, users) => {
      // SPEC §6: the console says why (a connection not logged in is named by its address)
      const line = /^Disconnecting connection from \S+: limit maxBadMessages \(10\) reached$/;
      const before = server.console.count(line);
      const conn = await fresh(server);
      for (let i = 0; i < 10; i++) conn.raw.sendJson({ t: 'nonsense' });
      await expectAnswer(
        conn,
        'username',
        [users.take()],
        'ok',
        'still open after 10 bad messages',
      );
      const errors = conn.raw.received.filter((m) => m.t === 'ev' && m.ev === 'error').length;
      assert.is(errors, 10);
      conn.raw.sendJson({ t: 'nonsense' });
      await expectClosedWith(conn, 'BAD_MESSAGE');
      await server.console.waitFor(line, before + 1);
      assert.equal(
        conn.raw.received.filter((m) => m.t === 'res').map((m) => (m as { id: number }).id),
        [1],
        'nothing but the answer to the one request (and the events)',
      );
      const hellos = await fresh(server);
      for (let i = 0; i < 10; i++) hellos.raw.hello();
      await hellos.raw.waitFor(
        () =>
          hellos.raw.received.filter((m) => m.t === 'ev' && errorCodeOf(m) === 'BAD_MESSAGE')
            .length === 10,
        WAIT_MS,
      );
      assert.not.ok(hellos.isClosed, 'still open after 10 hellos');
      hellos.raw.hello();
      await expectClosedWith(hellos, 'BAD_MESSAGE');
      await server.console.waitFor(line, before + 2);
    },
  },
  {
    name: 'limits: requests before login up to --max-unauthenticated are answered, the next closes the connection',
    run: async (server) => {
      const conn = await fresh(server);
      for (let i = 0; i < server.maxUnauthenticated; i++)
        await expectAnswer(conn, 'activeuser', [], 'NOT_LOGGED_IN', `request ${i + 1}`);
      conn.send('activeuser', []);
      await expectClosedWith(conn, 'TOO_MANY_UNAUTHENTICATED_MESSAGES');
      await server.console.waitFor(
        new RegExp(
          `^Disconnecting connection from \\S+: limit maxUnauthenticatedMessages \\(${server.maxUnauthenticated}\\) reached$`,
        ),
      );
    },
  },
  {
    name: 'limits: requests after login do not count against --max-unauthenticated',
    run: async (server, users) => {
      const conn = await loggedIn(server, users.take());
      for (let i = 0; i < server.maxUnauthenticated + 2; i++)
        await expectAnswer(conn, 'activeuser', [], 'ok', `request ${i + 1}`);
      await conn.close();
    },
  },
  {
    name: 'limits: a frame header over the maximum closes with FRAME_TOO_LARGE, a zero length with BAD_FRAME',
    run: async (server) => {
      const big = await fresh(server);
      big.raw.sendBytes(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
      assert.equal(await closingError(big.raw), { code: 'FRAME_TOO_LARGE', limit: 65536 });
      await big.closedByServer();
      const zero = await fresh(server);
      zero.raw.sendBytes(Buffer.from([0, 0, 0, 0]));
      await expectClosedWith(zero, 'BAD_FRAME');
      await server.console.waitFor(
        /^Disconnecting connection from \S+: limit maxFrameBytes \(65536\) exceeded$/,
      );
      await server.console.waitFor(/^Disconnecting connection from \S+: malformed frame$/);
    },
  },
  // PROTOCOL: `closing` CLUSTER_UNAVAILABLE "a login while the node cannot reach its cluster's
  // Redis", INTERNAL for a backend that answered with an error (probe-servers.ts: these users'
  // lockout check or presence claim fail on the backend server)
  {
    name: 'shared state failing during login: the lockout check or the presence claim failing closes with CLUSTER_UNAVAILABLE (unreachable) or INTERNAL (backend error); nobody is left online',
    run: async (server, users) => {
      const cases = [
        ['lockout-unreachable', 'username', 'CLUSTER_UNAVAILABLE'],
        ['lockout-fails', 'username', 'INTERNAL'],
        ['claim-unreachable', 'password', 'CLUSTER_UNAVAILABLE'],
        ['claim-fails', 'password', 'INTERNAL'],
      ] as const;
      for (const [user, step, code] of cases) {
        const conn = await Conn.open(server.backend.port, server.link);
        if (step === 'password')
          await expectAnswer(conn, 'username', [user], 'ok', 'the lockout check passes');
        conn.send(step, step === 'username' ? [user] : [server.passwordOf(user), UDP]);
        await expectClosedWith(conn, code);
      }
      await server.backend.console.waitFor(
        /^Disconnecting connection from \S+: the cluster's shared state \(Redis\) cannot be reached$/,
        2,
      );
      const watcher = await Conn.open(server.backend.port, server.link);
      const me = users.take();
      await expectAnswer(watcher, 'username', [me], 'ok', 'username');
      await expectAnswer(watcher, 'password', [server.passwordOf(me), UDP], 'ok', 'login');
      // the command probes make this server's lookups fail for a moment: ask until it answers
      let r = await watcher.call('activeuser', []);
      for (let i = 0; !r.ok && i < 100; i++) r = await watcher.call('activeuser', []);
      assert.ok(r.ok, `activeuser: ${JSON.stringify(r)}`);
      const listed = r.ok
        ? (r.data as { users: Array<{ user: string }> }).users.map((u) => u.user)
        : [];
      assert.not.ok(
        listed.some((u) => u.startsWith('claim-')),
        `a failed claim leaves nobody online: ${JSON.stringify(listed)}`,
      );
      assert.not.ok(server.backend.userlog().some((l) => l.includes('claim-')));
      await watcher.close();
    },
  },
  // SPEC §7: bad conditions never crash the server or affect users; SPEC §6: the console says
  // what happened. userlog.txt is a record for the operator: failing to rewrite it is reported.
  {
    name: 'userlog.txt cannot be written: the login and logout still work, and the console says so',
    run: async (server, users) => {
      const { noUserlog } = server;
      const user = users.take();
      const conn = await loggedIn({ ...server, port: noUserlog.port }, user);
      await noUserlog.console.waitFor(/^Could not update \S*userlog\.txt: .*EIO/);
      await expectAnswer(conn, 'logout', [], 'ok', 'logout');
      await conn.closedByServer();
      await noUserlog.console.waitFor(`${user} logout`);
    },
  },
  // PROTOCOL: "Commands already running when the server decides to disconnect are answered
  // first." The command is kept running by the backend server's held presence lookup; the
  // console line marks the moment the server decided to disconnect.
  {
    name: 'closing: a command still running when the server decides to disconnect is answered before the closing event',
    run: async (server, users) => {
      const { backend } = server;
      const { user, conn, running } = await withRunningCommand(server, users);
      for (let i = 0; i < 11; i++) conn.raw.sendJson({ t: 'nonsense' });
      await backend.console.waitFor(`Disconnecting ${user}: limit maxBadMessages (10) reached`);
      backend.releaseHeld();
      assert.is(await conn.closing(), 'BAD_MESSAGE');
      const at = (p: (m: ServerMessage) => boolean) => conn.raw.received.findIndex(p);
      const answered = at((m) => m.t === 'res' && m.id === running);
      assert.ok(answered >= 0, 'the running msgto is answered');
      assert.ok(
        answered < at((m) => m.t === 'ev' && m.ev === 'closing'),
        'before the closing event',
      );
      await conn.closedByServer();
    },
  },
  // lockout (SPEC: consecutive failures across connections; the Nth blocks for the block time;
  // a success clears the count; after the block the count starts from zero)
  {
    name: 'lockout: the Nth consecutive failure (across connections) is ACCOUNT_LOCKED_NOW and closes; then ACCOUNT_BLOCKED even with the right password',
    run: async (server, users) => {
      const user = users.take();
      // asked for its password before the account locks, answers it after: blocked too (SPEC)
      const waiting = await atPassword(server, user);
      for (let i = 1; i < server.attempts; i++) {
        const conn = await atPassword(server, user);
        await expectAnswer(conn, 'password', [WRONG, UDP], 'INVALID_PASSWORD', `failure ${i}`);
        await conn.close();
      }
      const last = await atPassword(server, user);
      await expectAnswer(
        last,
        'password',
        [WRONG, UDP],
        'ACCOUNT_LOCKED_NOW',
        `failure ${server.attempts}`,
      );
      await last.closedByServer();
      await server.console.waitFor(
        new RegExp(`^${user} failed to log in from \\S+; the account is now blocked$`),
      );
      await expectBlocked(server, user);
      await server.console.waitFor(`${user} tried to log in but the account is blocked`);
      await expectAnswer(
        waiting,
        'password',
        [server.passwordOf(user), UDP],
        'ACCOUNT_BLOCKED',
        'the right password, sent during the block by a connection asked before it',
      );
      await waiting.closedByServer();
      await server.console.waitFor(`${user} is no longer blocked`);
      // the count started again from zero: N-1 failures do not block
      const again = await atPassword(server, user);
      for (let i = 1; i < server.attempts; i++)
        await expectAnswer(
          again,
          'password',
          [WRONG, UDP],
          'INVALID_PASSWORD',
          `failure ${i} after the block`,
        );
      await expectAnswer(
        again,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'the right password after the block',
      );
      await again.close();
    },
  },
  {
    name: 'lockout: a successful login clears the count of failures',
    run: async (server, users) => {
      const user = users.take();
      const conn = await atPassword(server, user);
      for (let i = 1; i < server.attempts; i++)
        await expectAnswer(conn, 'password', [WRONG, UDP], 'INVALID_PASSWORD', `failure ${i}`);
      await expectAnswer(
        conn,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'then the right password',
      );
      await expectAnswer(conn, 'logout', [], 'ok', 'logout');
      await conn.closedByServer();
      const next = await atPassword(server, user);
      for (let i = 1; i < server.attempts; i++)
        await expectAnswer(
          next,
          'password',
          [WRONG, UDP],
          'INVALID_PASSWORD',
          `failure ${i} after a success`,
        );
      await expectAnswer(
        next,
        'password',
        [server.passwordOf(user), UDP],
        'ok',
        'still not blocked',
      );
      await next.close();
    },
  },
];
