// Runs the command probes (probes/command-probes.ts) against real servers (in this process,
// probes/probe-servers.ts): written from SPEC and PROTOCOL, not from the handlers, so a handler
// that answers, delivers, logs or prints the wrong thing is noticed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startProbeServers, PROBE_USERS, type ProbeServers } from './probes/probe-servers.js';
import { COMMAND_PROBES } from './probes/command-probes.js';
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
test('every command answers, delivers, logs and prints what SPEC and PROTOCOL say', async () => {
  const failed = await runAll(COMMAND_PROBES, servers.server, new UserPool(PROBE_USERS));
  assert.equal(
    failed,
    [],
    `${failed.length} of ${COMMAND_PROBES.length} probes failed:\n  ${failed.join('\n  ')}`,
  );
});

test.run();
