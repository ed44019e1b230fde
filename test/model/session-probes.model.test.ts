// Runs the per-state behaviour probes (probes/session-probes.ts) against real servers (in this
// process, probes/probe-servers.ts). They are written from SPEC and PROTOCOL, not generated from
// machines/session.machine.ts, so they notice a machine that is wrong (e.g. one that waits for a
// password after "already logged in"), which the generated paths in session.model.test.ts cannot:
// there the server and the model share the machine under test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startProbeServers, PROBE_USERS, type ProbeServers } from './probes/probe-servers.js';
import { SESSION_PROBES } from './probes/session-probes.js';
import { runAll } from './probes/run-probes.js';
import { UserPool } from './support.js';
import { beforeAll } from '../support/processes.js';

let servers: ProbeServers;

beforeAll(async () => {
  servers = await startProbeServers();
});

test.after(async () => {
  await servers.stop();
});

// One test runs every probe side by side (each has its own users), so a wrong machine is seen in
// seconds; every failing probe is named.
test('every session state accepts and refuses what SPEC and PROTOCOL say', async () => {
  const failed = await runAll(SESSION_PROBES, servers.server, new UserPool(PROBE_USERS));
  assert.equal(
    failed,
    [],
    `${failed.length} of ${SESSION_PROBES.length} probes failed:\n  ${failed.join('\n  ')}`,
  );
});

test.run();
