// The probe sets by area, as the mutation runner picks them (scripts/mutation/probe-suite.ts).
import { COMMAND_PROBES } from './command-probes.js';
import { SESSION_PROBES } from './session-probes.js';

export const PROBE_SETS = {
  session: SESSION_PROBES,
  commands: COMMAND_PROBES,
} as const;
