// The real servers the behaviour probes talk to, started inside the probing process
// (`TessengerServer.start` on 127.0.0.1, port 0, plain TCP): the same server code as the
// `tessenger-server` program (only the argument parsing and the TLS layer, tested elsewhere, are
// left out), without a process start per server. A mutation run starts these once per mutant,
// so this is what makes a mutant cost about a second instead of several.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEFAULTS, type ServerConfig } from '../../../src/server/config.js';
import { ConsoleLog } from '../../../src/server/console-log.js';
import { TessengerServer, type ServerRuntime } from '../../../src/server/server.js';
import {
  backendFailed,
  clusterUnavailable,
  type BackendError,
} from '../../../src/server/state/backend-error.js';
import type { SharedState } from '../../../src/server/state/shared-state.js';
import { nodeStorageFs, type StorageFs } from '../../../src/server/storage/storage-fs.js';
import { errAsync, ResultAsync } from 'neverthrow';
import { ConsoleWatch, writeCredentials } from '../support.js';
import {
  FAILING_GROUPS,
  UNLOGGABLE_GROUP_PREFIX,
  UNWRITABLE_GROUP_PREFIX,
} from './command-probes.js';
import { HELD_USER, IP_FAILURES, PER_IP_CONNECTIONS, type ProbeServer } from './session-probes.js';

export interface InProcessServer {
  readonly port: number;
  readonly console: ConsoleWatch;
  readonly dataDir: string;
  userlog(): string[];
  messagelog(): string[];
  groupLog(group: string): string[];
  stop(): Promise<void>;
}

const readLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

/** What the shared state's lookups answer: normally, or failing as a Redis backend can fail. */
/** `rejects`: a backend with a bug, whose promise rejects instead of answering an error value. */
export type BackendMode = 'ok' | 'failed' | 'unreachable' | 'rejects';

const failure = (m: BackendMode): BackendError | null =>
  m === 'failed'
    ? backendFailed('backend failed (test)')
    : m === 'unreachable'
      ? clusterUnavailable('Redis unreachable (test)')
      : null;

/** `target` with `methods` answering `fail(args)`'s error instead, when it names one. */
function failing<T extends object>(
  target: T,
  methods: readonly string[],
  fail: (args: unknown[]) => BackendError | null,
  rejecting: (args: unknown[]) => boolean = () => false,
): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      const call = (value as (...a: unknown[]) => unknown).bind(t);
      if (!methods.includes(String(prop))) return call;
      return (...args: unknown[]) => {
        if (rejecting(args))
          return new ResultAsync(Promise.reject(new Error('backend bug (test)')));
        const error = fail(args);
        return error ? errAsync(error) : call(...args);
      };
    },
  });
}

/** The login step whose shared-state call fails for these users (LOGIN_FAILURE_USERS). */
const loginFailureOf = (username: unknown): BackendError | null =>
  failure(
    typeof username !== 'string'
      ? 'ok'
      : username.endsWith('-fails')
        ? 'failed'
        : username.endsWith('-unreachable')
          ? 'unreachable'
          : 'ok',
  );

/**
 * Users whose names are not plain ASCII: the console shows them quoted and escaped
 * (src/server/printable-name.ts), while the protocol carries them as they are.
 */
export const NON_PLAIN_USERS = ['Zoë', 'Chloë'] as const;

/** Presence lookups of HELD_USER, waiting to go on. */
class Hold {
  private readonly waiting: Array<() => void> = [];
  get count(): number {
    return this.waiting.length;
  }
  wait(): Promise<void> {
    return new Promise((go) => this.waiting.push(go));
  }
  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }
}

/** `presence.find(HELD_USER)` waits for `hold` before it asks the real presence. */
function holding<T extends object>(presence: T, hold: Hold): T {
  return new Proxy(presence, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      const call = (value as (...a: unknown[]) => unknown).bind(t);
      if (prop !== 'find') return call;
      return (...args: unknown[]) =>
        args[0] === HELD_USER
          ? new ResultAsync(
              hold.wait().then(() => call(...args) as ResultAsync<unknown, BackendError>),
            )
          : call(...args);
    },
  });
}

const groupFailureOf = (name: unknown): BackendError | null =>
  failure(
    typeof name !== 'string'
      ? 'ok'
      : name.startsWith(FAILING_GROUPS.failed)
        ? 'failed'
        : name.startsWith(FAILING_GROUPS.unreachable)
          ? 'unreachable'
          : 'ok',
  );

const eio = (path: string): Error =>
  Object.assign(new Error(`EIO (test): ${path}`), { code: 'EIO' });

/**
 * The server's file system, except that opening `<group>_messagelog.txt` of the UNLOGGABLE
 * groups fails, and writing to that of the UNWRITABLE ones (it opens; every write fails).
 */
const failingGroupLogs: StorageFs = {
  ...nodeStorageFs,
  open: async (path, flags) => {
    const name = basename(path);
    if (name.startsWith(UNLOGGABLE_GROUP_PREFIX)) throw eio(path);
    const file = await nodeStorageFs.open(path, flags);
    if (!name.startsWith(UNWRITABLE_GROUP_PREFIX)) return file;
    return {
      read: (...a) => file.read(...a),
      write: () => Promise.reject(eio(path)),
      appendNow: () => {
        throw eio(path);
      },
      truncate: (length) => file.truncate(length),
      stat: () => file.stat(),
      datasync: () => file.datasync(),
      sync: () => file.sync(),
      close: () => file.close(),
    };
  },
};

/** A file system whose userlog.txt cannot be rewritten once `failing()` says so. */
const userlogFailing = (failing: () => boolean): StorageFs => ({
  ...nodeStorageFs,
  open: (path, flags) =>
    failing() && basename(path).startsWith('userlog.txt')
      ? Promise.reject(eio(path))
      : nodeStorageFs.open(path, flags),
});

/** Users whose login meets a failing shared state: at the lockout check or the presence claim. */
export const LOGIN_FAILURE_USERS = [
  'lockout-fails',
  'lockout-unreachable',
  'claim-fails',
  'claim-unreachable',
] as const;

/**
 * The server's own shared state, except that the lookups and changes commands make (presence,
 * groups, transfers) fail while `mode()` says so: BackendFailed (an error from the backend) or
 * ClusterUnavailable (the cluster cannot be reached); and that the lockout check of the
 * `lockout-…` users and the presence claim of the `claim-…` users always fail.
 */
function switchable(mode: () => BackendMode, hold: Hold) {
  const byMode = () => failure(mode());
  const rejects = () => mode() === 'rejects';
  return (state: SharedState): SharedState => ({
    ...state,
    presence: failing(
      failing(holding(state.presence, hold), ['find', 'findMany', 'list'], byMode, rejects),
      ['claim'],
      ([user]) => {
        const name = (user as { username?: unknown } | undefined)?.username;
        return typeof name === 'string' && name.startsWith('claim-') ? loginFailureOf(name) : null;
      },
    ),
    lockouts: failing(state.lockouts, ['isLocked'], ([name]) =>
      typeof name === 'string' && name.startsWith('lockout-') ? loginFailureOf(name) : null,
    ),
    groups: failing(
      state.groups,
      ['find', 'reserve', 'join'],
      ([name]) => byMode() ?? groupFailureOf(name),
      rejects,
    ),
    transfers: failing(state.transfers, ['introduce'], byMode, rejects),
  });
}

/** A server as `tessenger-server 0 <attempts> --host 127.0.0.1 --plaintext --data-dir <tmp>/data` would run it. */
export async function startInProcessServer(
  dir: string,
  users: ReadonlyArray<readonly [string, string]>,
  config: Partial<ServerConfig> & Pick<ServerConfig, 'maxFailedAttempts'>,
  runtime: ServerRuntime = {},
): Promise<InProcessServer> {
  writeCredentials(dir, users);
  const dataDir = join(dir, 'data');
  const watch = new ConsoleWatch();
  const started = await TessengerServer.start(
    {
      ...DEFAULTS,
      port: 0,
      host: '127.0.0.1',
      credentialsFile: join(dir, 'credentials.txt'),
      dataDir,
      plaintext: true,
      ...config,
    },
    { ...runtime, console: new ConsoleLog((text) => watch.push(text)) },
  );
  if (started.isErr()) throw new Error(`in-process server: ${started.error.message}`);
  const server = started.value;
  return {
    port: server.port,
    console: watch,
    dataDir,
    userlog: () => readLines(join(dataDir, 'userlog.txt')),
    messagelog: () => readLines(join(dataDir, 'messagelog.txt')),
    groupLog: (group) => readLines(join(dataDir, `${group}_messagelog.txt`)),
    stop: () => server.shutdown(),
  };
}

/** Users p001…p150, each with its own password; every probe takes its own. */
export const PROBE_USERS = Array.from(
  { length: 150 },
  (_, i) => `p${String(i + 1).padStart(3, '0')}`,
);
export const passwordOf = (user: string): string => `pw-${user}!`;
const ATTEMPTS = 3;
const MAX_UNAUTHENTICATED = 12;
// Short enough for a quick suite, long enough that a loaded machine still logs in (and sees the
// block) in time: both were flaky at 1 s with the machine's load average over 20.

export interface ProbeServers {
  readonly server: ProbeServer;
  stop(): Promise<void>;
}

/**
 * The servers of the probes: the main one, one with a 3 s login timeout, one that throttles an
 * address after IP_FAILURES failures, one whose shared state can be made to fail, one with a
 * small command rate, one with a small queue for clients that do not read and one that takes
 * PER_IP_CONNECTIONS connections from an address. The block lasts 3 s, so the lockout
 * probe waits for "<user> is no longer blocked", never for a fixed time.
 */
export async function startProbeServers(): Promise<ProbeServers> {
  const root = mkdtempSync(join(tmpdir(), 'tessenger-probes-'));
  // On exit the servers may still be writing (the mutation runner exits without stopping them).
  process.once('exit', () => {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // a file created while removing: the OS's temp cleanup takes the rest
    }
  });
  const credentials = [...PROBE_USERS, ...LOGIN_FAILURE_USERS, ...NON_PLAIN_USERS, HELD_USER].map(
    (u) => [u, passwordOf(u)] as const,
  );
  const common: Partial<ServerConfig> & Pick<ServerConfig, 'maxFailedAttempts'> = {
    maxFailedAttempts: ATTEMPTS,
    blockMs: 3000,
    maxUnauthenticatedMessages: MAX_UNAUTHENTICATED,
    rateBurst: 100_000,
    ratePerSecond: 100_000,
    maxFailuresPerIpPerMinute: 1_000_000,
  };
  const start = (
    label: string,
    config: Partial<ServerConfig>,
    runtime: ServerRuntime = {},
  ): Promise<InProcessServer> => {
    const dir = join(root, label);
    mkdirSync(dir);
    return startInProcessServer(dir, credentials, { ...common, ...config }, runtime);
  };
  let mode: BackendMode = 'ok';
  const hold = new Hold();
  // started (the userlog is emptied at start), then its rewrites fail
  let userlogStarted = false;
  const [main, loginTimeout, ipThrottled, backend, rate, queue, perIp, noUserlog] =
    await Promise.all([
      start('main', {}),
      start('login-timeout', { loginTimeoutMs: 3000 }),
      start('ip-throttled', { maxFailuresPerIpPerMinute: IP_FAILURES }),
      start(
        'backend',
        {},
        { adaptState: switchable(() => mode, hold), storageFs: failingGroupLogs },
      ),
      start('rate', { rateBurst: 10, ratePerSecond: 1, maxThrottled: 5, maxGroups: 1 }),
      start('queue', { maxQueuedBytes: 65_536, sync: 'off' }),
      start('per-ip', { maxConnectionsPerIp: PER_IP_CONNECTIONS }),
      start('no-userlog', {}, { storageFs: userlogFailing(() => userlogStarted) }),
    ]);
  userlogStarted = true;
  const side = (s: InProcessServer) => ({ port: s.port, console: s.console, userlog: s.userlog });
  return {
    server: {
      port: main.port,
      link: { plaintext: true },
      console: main.console,
      userlog: main.userlog,
      messagelog: main.messagelog,
      groupLog: main.groupLog,
      passwordOf,
      maxUnauthenticated: MAX_UNAUTHENTICATED,
      attempts: ATTEMPTS,
      loginTimeoutPort: loginTimeout.port,
      loginTimeoutConsole: loginTimeout.console,
      ipThrottledPort: ipThrottled.port,
      ipThrottledConsole: ipThrottled.console,
      rate: { ...side(rate), maxGroups: 1 },
      queue: side(queue),
      perIp: side(perIp),
      noUserlog: side(noUserlog),
      backend: {
        port: backend.port,
        messagelog: backend.messagelog,
        groupLog: backend.groupLog,
        console: backend.console,
        userlog: backend.userlog,
        setMode: (m) => {
          mode = m;
        },
        held: () => hold.count,
        releaseHeld: () => hold.release(),
      },
    },
    stop: async () => {
      await Promise.all(
        [main, loginTimeout, ipThrottled, backend, rate, queue, perIp, noUserlog].map((s) =>
          s.stop(),
        ),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
}
