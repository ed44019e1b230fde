// The mutation runner's first and fastest killer: the behaviour probes (test/model/probes/) of
// one area against real servers started in this process, stopping at the first probe that
// fails. Usage: node --import tsx scripts/mutation/probe-suite.ts <area>…  (areas: PROBE_SETS).
// Exit status 1 names the failing probe; 0 means every probe of the areas passed.
import { PROBE_USERS, startProbeServers } from '../../test/model/probes/probe-servers.js';
import { runUntilFailure } from '../../test/model/probes/run-probes.js';
import { PROBE_SETS } from '../../test/model/probes/probe-sets.js';
import { UserPool } from '../../test/model/support.js';

const areas = process.argv.slice(2);
const unknown = areas.filter((a) => !(a in PROBE_SETS));
if (areas.length === 0 || unknown.length > 0) {
  console.error(`usage: probe-suite.ts <${Object.keys(PROBE_SETS).join('|')}>…`);
  process.exit(2);
}
const probes = areas.flatMap((a) => PROBE_SETS[a as keyof typeof PROBE_SETS]);
const started = Date.now();
let failure: string | null = null;
try {
  const servers = await startProbeServers();
  await runUntilFailure(probes, servers.server, new UserPool(PROBE_USERS));
} catch (e) {
  failure = e instanceof Error ? e.message : String(e);
}
// No graceful shutdown: the process ends here, and with it the servers (their temp dirs go too).
console.log(
  failure === null
    ? `${probes.length} probes passed (${Date.now() - started} ms)`
    : `probe failed: ${failure}`,
);
process.exit(failure === null ? 0 : 1);
