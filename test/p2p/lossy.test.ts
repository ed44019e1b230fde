// Transfers through the lossy relay: loss, duplication and reordering in both directions must
// never change the bytes that are saved. Decisions are seeded, so each case is reproducible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { LossyRelay, type Impairment } from './lossy-relay.js';
import {
  filesIn,
  introductions,
  listen,
  removeDir,
  sha256File,
  tempDir,
  writeSeededFile,
  offerFrom,
} from './helpers.js';

const cases: ReadonlyArray<{ loss: number; size: number; seed: number }> = [
  { loss: 0.01, size: 2 * 1024 * 1024 + 3, seed: 101 },
  { loss: 0.1, size: 1024 * 1024 + 17, seed: 202 },
  { loss: 0.3, size: 512 * 1024 + 1, seed: 303 },
];

for (const { loss, size, seed } of cases) {
  test(`${loss * 100}% loss + duplication + reordering both ways: file intact`, async () => {
    const src = await tempDir();
    const dst = await tempDir();
    // small datagrams so that even these files take hundreds of them
    const config = { datagramBytes: 4096, stallTimeoutMs: 10_000 };
    const a = await listen(config);
    const b = await listen(config);
    const impairment: Impairment = { loss, duplicate: 0.05, reorder: 0.05, maxDisplacement: 8 };
    const relay = await LossyRelay.start({
      audience: { address: '127.0.0.1', port: b.port },
      seed,
      forward: impairment,
    });
    try {
      const file = await writeSeededFile(src, 'clip.mp4', size, seed);
      const { transferId, key } = introductions();
      const rx = b.expect(offerFrom({ transferId, key }, 'clip.mp4', size), { downloadDir: dst });
      const tx = a.send(
        { transferId, key, audience: { address: '127.0.0.1', port: relay.port } },
        { filePath: file },
      );
      const [r, s] = await Promise.all([rx.result, tx.result]);
      assert.ok(r.isOk(), JSON.stringify(r));
      assert.ok(s.isOk(), JSON.stringify(s));
      if (r.isErr() || s.isErr()) return;
      assert.is(r.value.path, join(dst, 'Yoda_clip.mp4'));
      assert.is(await sha256File(r.value.path), await sha256File(file));
      assert.equal(await filesIn(dst), ['Yoda_clip.mp4']);
      assert.ok(
        relay.counters.dropped > 0 && relay.counters.duplicated > 0 && relay.counters.reordered > 0,
        'the relay did misbehave',
      );
      assert.ok(s.value.stats.retransmittedDatagrams > 0, 'losses were repaired by retransmission');
      assert.ok(r.value.stats.duplicates > 0, 'duplicates were recognised');
    } finally {
      await relay.close();
      await a.close();
      await b.close();
      await removeDir(src);
      await removeDir(dst);
    }
  });
}

test.run();
