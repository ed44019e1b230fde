// Runs the command probes (probes/command-probes.ts) against real servers (in this process,
// probes/probe-servers.ts): written from SPEC and PROTOCOL, not from the handlers, so a handler
// that answers, delivers, logs or prints the wrong thing is noticed.
import { COMMAND_PROBES } from './probes/command-probes.js';
import { testProbes } from './probes/probe-test.js';

testProbes(
  'every command answers, delivers, logs and prints what SPEC and PROTOCOL say',
  COMMAND_PROBES,
);
