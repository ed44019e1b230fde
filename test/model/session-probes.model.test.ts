// Runs the per-state behaviour probes (probes/session-probes.ts) against a real server. They are
// written from SPEC and PROTOCOL, not generated from machines/session.machine.ts, so they notice
// a machine that is wrong (e.g. one that waits for a password after "already logged in"), which
// the generated paths in session.model.test.ts cannot: there the server and the model share the
// machine under test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll, startServer, tempDir, type ServerHandle } from '../support/processes.js';
import { IP_FAILURES, SESSION_PROBES, type ProbeServer } from './probes/session-probes.js';
import { ConsoleWatch, UserPool, writeCredentials } from './support.js';

const USERS = Array.from({ length: 60 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
const passwordOf = (user: string): string => `pw-${user}!`;
const ATTEMPTS = 3;
const MAX_UNAUTHENTICATED = 12;

let handle: ServerHandle;
let others: ServerHandle[] = [];
let server: ProbeServer;
const users = new UserPool(USERS);

beforeAll(async () => {
  const common = [
    '--max-unauthenticated',
    String(MAX_UNAUTHENTICATED),
    '--rate-burst',
    '100000',
    '--rate-per-second',
    '100000',
  ];
  const start = (label: string, args: string[]): Promise<ServerHandle> => {
    const dir = tempDir(`model-probes-${label}`);
    writeCredentials(
      dir,
      USERS.map((u) => [u, passwordOf(u)] as const),
    );
    // blockSeconds 1: the lockout probe waits for "<user> is no longer blocked", never for time
    return startServer({ dir, attempts: ATTEMPTS, blockSeconds: 1, args: [...common, ...args] });
  };
  const [main, loginTimeout, ipThrottled] = await Promise.all([
    start('main', ['--max-ip-failures', '1000000']),
    start('login-timeout', ['--max-ip-failures', '1000000', '--login-timeout', '1']),
    start('ip-throttled', ['--max-ip-failures', String(IP_FAILURES)]),
  ]);
  handle = main!;
  others = [loginTimeout!, ipThrottled!];
  server = {
    port: handle.port,
    console: new ConsoleWatch(handle.program),
    userlog: handle.userlog,
    passwordOf,
    maxUnauthenticated: MAX_UNAUTHENTICATED,
    attempts: ATTEMPTS,
    loginTimeoutPort: loginTimeout!.port,
    ipThrottledPort: ipThrottled!.port,
  };
});

test.after(async () => {
  for (const h of [handle, ...others]) assert.is(await h.stop(), 0);
});

// One test runs every probe side by side (each has its own users), so a wrong machine is seen in
// seconds; every failing probe is named.
test('every session state accepts and refuses what SPEC and PROTOCOL say', async () => {
  const results = await Promise.allSettled(SESSION_PROBES.map((p) => p.run(server, users)));
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [
          `${SESSION_PROBES[i]!.name}\n    ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
        ]
      : [],
  );
  assert.equal(
    failed,
    [],
    `${failed.length} of ${SESSION_PROBES.length} probes failed:\n  ${failed.join('\n  ')}`,
  );
});

test.run();
