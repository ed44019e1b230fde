#!/usr/bin/env node
import { hashPassword } from '../server/password.js';
import { TessengerServer } from '../server/server.js';
import { reportStatsOnSignal } from '../server/stats-reporter.js';
import { askSecret } from '../terminal/read-secret.js';
import { leanHeap } from './lean-heap.js';
import { parseServerArgs, SERVER_USAGE } from './server-args.js';

leanHeap();

async function main(): Promise<number> {
  const parsed = parseServerArgs(process.argv.slice(2));
  if (parsed.isErr()) {
    process.stderr.write(`${parsed.error.message}\n`);
    return parsed.error.exitCode;
  }
  const command = parsed.value;
  if (command.kind === 'help') {
    process.stdout.write(`${SERVER_USAGE}\n`);
    return 0;
  }
  if (command.kind === 'hashPassword') {
    const password = await askSecret(
      'Password: ',
      process.stdin,
      process.stderr as NodeJS.WriteStream,
    );
    if (!password) {
      process.stderr.write('No password given\n');
      return 2;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }
  // Listening for SIGUSR2 from the start: a signal during start-up must not end the process.
  let running: TessengerServer | undefined;
  const stopStats = command.config.statsFile
    ? reportStatsOnSignal(command.config.statsFile, () => running?.intakeStats() ?? {})
    : () => {};
  // SIGINT/SIGTERM are ours from before start-up (SPEC §7: a graceful stop, exit status 0): a
  // signal that comes while the server is still starting is remembered, and the server stops as
  // soon as it has started, with the usual lines.
  let stopRequested = false;
  let requestStop = (): void => {
    stopRequested = true;
  };
  // A second Ctrl-C while shutting down is ignored rather than killing the flush.
  const onSignal = (): void => requestStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = await TessengerServer.start(command.config);
  if (started.isErr()) {
    process.stderr.write(`${started.error.message}\n`);
    return 1;
  }
  const server = (running = started.value);
  // A bug in one session must not take every user down: report it and keep serving.
  process.on('unhandledRejection', (bug) =>
    process.stderr.write(
      `tessenger-server: internal error (a bug): ${bug instanceof Error ? bug.stack : String(bug)}\n`,
    ),
  );
  await new Promise<void>((resolve) => {
    requestStop = () => void server.shutdown().then(resolve);
    if (stopRequested) requestStop();
  });
  stopStats();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `tessenger-server: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
