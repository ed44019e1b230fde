// Runs the per-state behaviour probes (probes/session-probes.ts) against real servers (in this
// process, probes/probe-servers.ts). They are written from SPEC and PROTOCOL, not generated from
// machines/session.machine.ts, so they notice a machine that is wrong (e.g. one that waits for a
// password after "already logged in"), which the generated paths in session.model.test.ts cannot:
// there the server and the model share the machine under test.
import { SESSION_PROBES } from './probes/session-probes.js';
import { testProbes } from './probes/probe-test.js';

testProbes('every session state accepts and refuses what SPEC and PROTOCOL say', SESSION_PROBES);
