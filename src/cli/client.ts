#!/usr/bin/env node
import { mkdir } from 'node:fs/promises';
import { ClientApp } from '../client/client-app.js';
import { CLIENT_USAGE, parseClientArgs } from './client-args.js';

async function main(): Promise<number> {
  const parsed = parseClientArgs(process.argv.slice(2));
  if (parsed.isErr()) {
    process.stderr.write(`${parsed.error.message}\n`);
    return parsed.error.exitCode;
  }
  if (parsed.value.kind === 'help') {
    process.stdout.write(`${CLIENT_USAGE}\n`);
    return 0;
  }
  const { options } = parsed.value;
  try {
    await mkdir(options.downloadDir, { recursive: true });
  } catch (e) {
    process.stderr.write(
      `Cannot use download directory ${options.downloadDir}: ${(e as NodeJS.ErrnoException).code ?? e}\n`,
    );
    return 1;
  }
  return new ClientApp(options, { input: process.stdin, output: process.stdout }).run();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `tessenger-client: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
