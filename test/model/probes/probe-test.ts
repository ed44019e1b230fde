import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../support/processes.js';
import { UserPool } from '../support.js';
import { startProbeServers, PROBE_USERS, type ProbeServers } from './probe-servers.js';
import { runAll } from './run-probes.js';
import type { Probe } from './session-probes.js';

/**
 * One uvu test that runs every probe of a set side by side (each has its own users) against
 * fresh probe servers, so a wrong machine or handler is seen in seconds; every failing probe is
 * named.
 */
export function testProbes(title: string, probes: readonly Probe[]): void {
  let servers: ProbeServers;
  beforeAll(async () => {
    servers = await startProbeServers();
  });
  test.after(async () => {
    await servers.stop();
  });
  test(title, async () => {
    const failed = await runAll(probes, servers.server, new UserPool(PROBE_USERS));
    assert.equal(
      failed,
      [],
      `${failed.length} of ${probes.length} probes failed:\n  ${failed.join('\n  ')}`,
    );
  });
  test.run();
}
