import { okAsync } from 'neverthrow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppendLog } from '../../src/server/storage/append-log.js';
import { GroupStore } from '../../src/server/storage/group-store.js';
import { UserlogWriter } from '../../src/server/storage/userlog-writer.js';
import type { StorageFile, SyncPolicy } from '../../src/server/storage/storage-fs.js';
import { RecordingFs } from '../support/recording-fs.js';
import { tempDir } from '../support/processes.js';

const fixedNow = () => new Date(2023, 5, 1, 15, 0, 1);
const storage = (fs: RecordingFs, sync: SyncPolicy) => ({ fs, sync });

async function appendMany(log: AppendLog, fs: RecordingFs, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      log
        .append((n, ts) => `${n}; ${ts}; Obi-wan; message ${i}`)
        .map((line) => fs.ack(`line ${line.n}`)),
    ),
  );
}

test('always: every acknowledgement comes after an fdatasync that covers its line', async () => {
  const fs = new RecordingFs();
  const file = join(tempDir('sync'), 'messagelog.txt');
  const { log } = (await AppendLog.open(file, fixedNow, storage(fs, 'always')))._unsafeUnwrap();
  await appendMany(log, fs, 200);
  assert.is(fs.count('ack'), 200);
  assert.equal(fs.unsyncedAcks('messagelog.txt'), []);
  await log.close();
  assert.is(readFileSync(file, 'utf8').split('\n').length - 1, 200);
});

test('always: group commit, one fdatasync per batch and never one per message', async () => {
  const fs = new RecordingFs();
  const file = join(tempDir('sync'), 'messagelog.txt');
  const { log } = (await AppendLog.open(file, fixedNow, storage(fs, 'always')))._unsafeUnwrap();
  await appendMany(log, fs, 200);
  const writes = fs.count('write', 'messagelog.txt');
  const syncs = fs.count('datasync', 'messagelog.txt');
  assert.is(syncs, writes, 'one fdatasync per batch written');
  // 200 appends requested in one event-loop turn go out at its end, together.
  assert.is(writes, 1, `200 lines of one turn in ${writes} writes`);
  await log.close();
});

test('always: a newly created log also syncs its directory, so the file itself survives', async () => {
  const fs = new RecordingFs();
  const dir = tempDir('sync');
  const { log } = (
    await AppendLog.open(join(dir, 'G1_messagelog.txt'), fixedNow, storage(fs, 'always'))
  )._unsafeUnwrap();
  assert.is(fs.count('syncDirectory'), 1);
  await log.close();
});

test('off: no fsync of any kind, acknowledgements after the write', async () => {
  const fs = new RecordingFs();
  const dir = tempDir('sync');
  const { log } = (
    await AppendLog.open(join(dir, 'messagelog.txt'), fixedNow, storage(fs, 'off'))
  )._unsafeUnwrap();
  await appendMany(log, fs, 50);
  const userlog = new UserlogWriter(
    join(dir, 'userlog.txt'),
    () => okAsync([{ username: 'Yoda', since: 'x', address: '127.0.0.1', udpPort: 8001 }]),
    storage(fs, 'off'),
  );
  await userlog.update();
  const { store } = (
    await GroupStore.open(join(dir, 'groups.db'), storage(fs, 'off'))
  )._unsafeUnwrap();
  await store.record({ t: 'group', group: 'G1', members: [['Yoda', 'joined']] });
  await Promise.all([log.close(), store.close()]);
  assert.is(fs.count('datasync') + fs.count('fsync') + fs.count('syncDirectory'), 0);
  assert.is(fs.count('ack'), 50);
  assert.is(fs.count('write', 'messagelog.txt'), 1, 'the 50 lines of one turn in one write');
});

test('always: userlog.txt is fsynced before its rename and the directory after it', async () => {
  const fs = new RecordingFs();
  const dir = tempDir('sync');
  const userlog = new UserlogWriter(
    join(dir, 'userlog.txt'),
    () => okAsync([{ username: 'Yoda', since: 'x', address: '127.0.0.1', udpPort: 8001 }]),
    storage(fs, 'always'),
  );
  await userlog.update();
  const ops = fs.journal
    .filter((e) => e.op !== 'open')
    .map((e) => `${e.op} ${'file' in e ? e.file : ''}`);
  assert.equal(ops, [
    'write userlog.txt.tmp',
    'fsync userlog.txt.tmp',
    'rename userlog.txt.tmp->userlog.txt',
    `syncDirectory ${dir.split('/').pop()}`,
  ]);
  assert.is(readFileSync(join(dir, 'userlog.txt'), 'utf8'), '1; x; Yoda; 127.0.0.1; 8001\n');
});

test('always: the group store is compacted with fsync, rename, directory fsync, and each record is synced before it resolves', async () => {
  const fs = new RecordingFs();
  const dir = tempDir('sync');
  const { store } = (
    await GroupStore.open(join(dir, 'groups.db'), storage(fs, 'always'))
  )._unsafeUnwrap();
  const compaction = fs.journal.filter((e) => e.op !== 'open' && e.op !== 'write').map((e) => e.op);
  assert.equal(compaction, ['fsync', 'rename', 'syncDirectory']);
  const recorded = Promise.all(
    ['G1', 'G2', 'G3'].map((group) =>
      store
        .record({ t: 'group', group, members: [['Yoda', 'joined']] })
        .then(() => fs.ack(`record ${group}`)),
    ),
  );
  await recorded;
  // Walk the journal: no acknowledgement while a written record is not yet synced.
  let pending = 0;
  for (const e of fs.journal) {
    if (e.op === 'write' && e.file === 'groups.db') pending += e.lines;
    if (e.op === 'datasync' && e.file === 'groups.db') pending = 0;
    if (e.op === 'ack')
      assert.is(pending, 0, `${e.what} acknowledged before its record was synced`);
  }
  assert.ok(fs.count('datasync', 'groups.db') <= 2, 'records written together share one fdatasync');
  await store.close();
});

test('a failing fdatasync fails the batch: nothing acknowledged, the written bytes rolled back', async () => {
  const fs = new RecordingFs();
  let failSync = false;
  const failing = {
    open: async (path: string, flags: 'a+' | 'w' | 'r'): Promise<StorageFile> => {
      const file = await fs.open(path, flags);
      return {
        ...file,
        datasync: () =>
          failSync
            ? Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }))
            : file.datasync(),
      };
    },
    rename: (a: string, b: string) => fs.rename(a, b),
    syncDirectory: (d: string) => fs.syncDirectory(d),
  };
  const file = join(tempDir('sync'), 'messagelog.txt');
  const { log } = (
    await AppendLog.open(file, fixedNow, { fs: failing, sync: 'always' })
  )._unsafeUnwrap();
  assert.is((await log.append((n) => `${n}; t; a; kept`))._unsafeUnwrap().n, 1);
  failSync = true;
  const failed = await log.append((n) => `${n}; t; a; lost`);
  assert.equal(failed._unsafeUnwrapErr(), { type: 'StorageFailed', file, reason: 'EIO' });
  failSync = false;
  assert.is(
    (await log.append((n) => `${n}; t; a; next`))._unsafeUnwrap().n,
    2,
    'the failed line left no gap',
  );
  await log.close();
  assert.is(readFileSync(file, 'utf8'), '1; t; a; kept\n2; t; a; next\n');
});

test.run();
