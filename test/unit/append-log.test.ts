import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppendLog } from '../../src/server/storage/append-log.js';
import { tempDir } from '../support/processes.js';

const fixedNow = () => new Date(2023, 5, 1, 15, 0, 1);

test('numbers from 1, in order, acknowledged after the write', async () => {
  const file = join(tempDir('log'), 'messagelog.txt');
  const { log } = (await AppendLog.open(file, fixedNow))._unsafeUnwrap();
  const results = await Promise.all(
    ['a', 'b', 'c'].map((m) => log.append((n, ts) => `${n}; ${ts}; Yoda; ${m}`)),
  );
  assert.equal(
    results.map((r) => r._unsafeUnwrap().n),
    [1, 2, 3],
  );
  assert.is(
    readFileSync(file, 'utf8'),
    '1; 01 Jun 2023 15:00:01; Yoda; a\n2; 01 Jun 2023 15:00:01; Yoda; b\n3; 01 Jun 2023 15:00:01; Yoda; c\n',
  );
  await log.close();
});

test('after a restart numbering continues from the last line', async () => {
  const file = join(tempDir('log'), 'messagelog.txt');
  writeFileSync(file, '1; x; a; m\n2; x; a; m; with; semicolons\n');
  const { log, sealedTornLine } = (await AppendLog.open(file, fixedNow))._unsafeUnwrap();
  assert.is(sealedTornLine, false);
  assert.is((await log.append((n) => `${n}; t; b; next`))._unsafeUnwrap().n, 3);
  await log.close();
});

test('a torn last line is sealed and kept; its number is not reused', async () => {
  const file = join(tempDir('log'), 'messagelog.txt');
  writeFileSync(file, '1; x; a; m\n2; x; a; m\n3; 01 Ju');
  const { log, sealedTornLine } = (await AppendLog.open(file, fixedNow))._unsafeUnwrap();
  assert.is(sealedTornLine, true);
  assert.is((await log.append((n) => `${n}; t; b; next`))._unsafeUnwrap().n, 4);
  assert.is(readFileSync(file, 'utf8'), '1; x; a; m\n2; x; a; m\n3; 01 Ju\n4; t; b; next\n');
  await log.close();
});

test('numbering continues after a last line longer than the 64 KiB read step', async () => {
  const file = join(tempDir('log'), 'messagelog.txt');
  writeFileSync(file, `1; x; a; m\n41; x; a; ${'☃'.repeat(100_000)}\n`);
  const { log } = (await AppendLog.open(file, fixedNow))._unsafeUnwrap();
  assert.is(log.lastLineNumber, 41);
  await log.close();
});

test('a log that cannot be opened is an error value', async () => {
  const result = await AppendLog.open(join(tempDir('log'), 'missing-dir', 'x.txt'));
  assert.ok(result.isErr());
  assert.is(result._unsafeUnwrapErr().reason, 'ENOENT');
});

test.run();
