import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServerArgs } from '../../src/cli/server-args.js';
import type { ServerConfig } from '../../src/server/config.js';
import { EXAMPLE_CREDENTIALS, tempDir } from './processes.js';

/**
 * For a server started in the test's own process: a temp directory with the example credentials,
 * and the configuration the server program would run with for
 * `0 3 --host 127.0.0.1 --data-dir <dir>/data --credentials <dir>/credentials.txt …extra`.
 */
export function serverConfigIn(name: string, extra: readonly string[]): ServerConfig {
  const dir = tempDir(name);
  const credentials = join(dir, 'credentials.txt');
  writeFileSync(credentials, readFileSync(EXAMPLE_CREDENTIALS));
  const parsed = parseServerArgs([
    '0',
    '3',
    '--host',
    '127.0.0.1',
    '--data-dir',
    join(dir, 'data'),
    '--credentials',
    credentials,
    ...extra,
  ])._unsafeUnwrap();
  if (parsed.kind !== 'serve') throw new Error(`not arguments to serve: ${extra.join(' ')}`);
  return parsed.config;
}
