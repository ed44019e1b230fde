import { basename } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryTransfers, MAX_TRANSFERS_PER_USER } from '../../src/server/state/transfers.js';
import { isDownloadTempFile } from '../../src/p2p/stale-downloads.js';
import { tempFilePath } from '../../src/p2p/download-file.js';

test('a departure returns every transfer of the user, on either side, once', async () => {
  const transfers = new InMemoryTransfers();
  await transfers.introduce({ transferId: 'a', presenter: 'Yoda', audience: 'Luke' });
  await transfers.introduce({ transferId: 'b', presenter: 'Leia', audience: 'Yoda' });
  await transfers.introduce({ transferId: 'c', presenter: 'Leia', audience: 'Luke' });
  assert.equal(
    (await transfers.takeAllOf('Yoda'))
      ._unsafeUnwrap()
      .map((t) => t.transferId)
      .sort(),
    ['a', 'b'],
  );
  assert.equal((await transfers.takeAllOf('Yoda'))._unsafeUnwrap(), []);
  assert.equal(
    (await transfers.takeAllOf('Luke'))._unsafeUnwrap().map((t) => t.transferId),
    ['c'],
    "Yoda's are gone from Luke's side too",
  );
  assert.is(transfers.trackedUsers, 0, 'nothing left behind');
});

test('memory is bounded: a user keeps only the most recent transfers', async () => {
  const transfers = new InMemoryTransfers();
  for (let i = 0; i < MAX_TRANSFERS_PER_USER * 3; i++)
    await transfers.introduce({ transferId: `t${i}`, presenter: 'Yoda', audience: `user${i}` });
  const kept = (await transfers.takeAllOf('Yoda'))._unsafeUnwrap();
  assert.is(kept.length, MAX_TRANSFERS_PER_USER);
  assert.is(kept[0]?.transferId, `t${MAX_TRANSFERS_PER_USER * 2}`);
  assert.is(transfers.trackedUsers, 0, 'the forgotten ones were dropped from the other side too');
});

test('stale download cleanup matches exactly the temp names the client makes', () => {
  assert.ok(isDownloadTempFile(basename(tempFilePath('/d', 'a.mp4', '0123456789abcdef'))));
  assert.ok(isDownloadTempFile(basename(tempFilePath('/d', 'x'.repeat(250), '0123456789abcdef'))));
  for (const name of [
    '.notes.part',
    'a.mp4.0123456789abcdef.part',
    '.a.mp4.0123456789ABCDEF.part',
    '.a.mp4.0123456789abcdef.partial',
    'Yoda_a.mp4',
  ]) {
    assert.not.ok(isDownloadTempFile(name), name);
  }
});

test.run();
