// Whole transfers between two real endpoints on 127.0.0.1: sizes around the chunk boundaries, a
// bigger random file, two at once, the no-overwrite rule and the output counters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { basename, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { DATA_HEADER_BYTES, MAX_DATAGRAM_BYTES } from '../../src/p2p/datagram.js';
import type { P2PEndpoint } from '../../src/p2p/endpoint.js';
import type { TransferProgress } from '../../src/p2p/progress.js';
import {
  filesIn,
  introductions,
  sha256File,
  withScratch,
  writeSeededFile,
  offerFrom,
} from './helpers.js';
import { GateRelay } from '../model/gate-relay.js';

const CHUNK = MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES; // loopback uses the biggest datagrams

async function transfer(
  presenterEnd: P2PEndpoint,
  audienceEnd: P2PEndpoint,
  src: string,
  size: number,
  downloadDir: string,
  presenter = 'Yoda',
) {
  const { transferId, key } = introductions();
  const received: TransferProgress[] = [];
  const rx = audienceEnd.expect(
    { transferId, key, presenter, presenterAddress: '127.0.0.1', fileName: basename(src), size },
    { downloadDir, onProgress: (p) => received.push(p) },
  );
  const tx = presenterEnd.send(
    { transferId, key, audience: { address: '127.0.0.1', port: audienceEnd.port } },
    { filePath: src },
  );
  const [r, s] = await Promise.all([rx.result, tx.result]);
  return { r, s, received, rx, tx };
}

for (const [label, size] of [
  ['empty', 0],
  ['one byte', 1],
  ['exactly one chunk', CHUNK],
  ['one chunk + 1 byte', CHUNK + 1],
  ['5 MiB', 5 * 1024 * 1024],
] as const) {
  test(`${label} (${size} bytes) arrives byte-identical as <presenter>_<name>`, () =>
    withScratch(async (scratch) => {
      const [srcDir, dstDir, a, b] = [
        await scratch.dir(),
        await scratch.dir(),
        await scratch.listen(),
        await scratch.listen(),
      ];
      const src = await writeSeededFile(srcDir, 'lecture1.mp4', size, size + 7);
      const { r, s, received } = await transfer(a, b, src, size, dstDir);
      assert.ok(r.isOk(), JSON.stringify(r));
      assert.ok(s.isOk(), JSON.stringify(s));
      if (r.isErr() || s.isErr()) return;
      assert.is(r.value.path, join(dstDir, 'Yoda_lecture1.mp4'));
      assert.is(r.value.bytes, size);
      assert.is(await sha256File(r.value.path), await sha256File(src));
      assert.is(r.value.sha256, s.value.sha256);
      assert.equal(await filesIn(dstDir), ['Yoda_lecture1.mp4'], 'no temp file left behind');
      const last = received.at(-1);
      assert.ok(
        last !== undefined && last.bytes === size && last.total === size,
        'final progress report',
      );
      assert.is(a.activeTransfers() + b.activeTransfers(), 0);
    }));
}

test('two transfers at once, in opposite directions, arrive intact', () =>
  withScratch(async (scratch) => {
    const [dirA, dirB, a, b] = [
      await scratch.dir(),
      await scratch.dir(),
      await scratch.listen(),
      await scratch.listen(),
    ];
    const fromA = await writeSeededFile(dirA, 'a.bin', 3 * 1024 * 1024 + 11, 1);
    const fromB = await writeSeededFile(dirB, 'b.bin', 2 * 1024 * 1024 + 5, 2);
    const [ab, ba] = await Promise.all([
      transfer(a, b, fromA, 3 * 1024 * 1024 + 11, dirB, 'Alice'),
      transfer(b, a, fromB, 2 * 1024 * 1024 + 5, dirA, 'Bob'),
    ]);
    assert.ok(ab.r.isOk() && ab.s.isOk(), JSON.stringify(ab.r));
    assert.ok(ba.r.isOk() && ba.s.isOk(), JSON.stringify(ba.r));
    assert.is(await sha256File(join(dirB, 'Alice_a.bin')), await sha256File(fromA));
    assert.is(await sha256File(join(dirA, 'Bob_b.bin')), await sha256File(fromB));
  }));

test('two transfers at once to the same audience from two presenters', () =>
  withScratch(async (scratch) => {
    const [src, dst, a, b, c] = [
      await scratch.dir(),
      await scratch.dir(),
      await scratch.listen(),
      await scratch.listen(),
      await scratch.listen(),
    ];
    const f1 = await writeSeededFile(src, 'x.bin', 1024 * 1024, 3);
    const f2 = await writeSeededFile(src, 'y.bin', 1024 * 1024 + 1, 4);
    const [t1, t2] = await Promise.all([
      transfer(a, b, f1, 1024 * 1024, dst, 'Yoda'),
      transfer(c, b, f2, 1024 * 1024 + 1, dst, 'Obi-wan'),
    ]);
    assert.ok(t1.r.isOk() && t2.r.isOk() && t1.s.isOk() && t2.s.isOk());
    assert.equal(await filesIn(dst), ['Obi-wan_y.bin', 'Yoda_x.bin']);
  }));

test('an existing file is never overwritten: the next free " (n)" name is used', () =>
  withScratch(async (scratch) => {
    const [src, dst, a, b] = [
      await scratch.dir(),
      await scratch.dir(),
      await scratch.listen(),
      await scratch.listen(),
    ];
    await writeFile(join(dst, 'Yoda_a.mp4'), 'precious');
    await writeFile(join(dst, 'Yoda_a (1).mp4'), 'also precious');
    const f = await writeSeededFile(src, 'a.mp4', 1000, 5);
    const { r } = await transfer(a, b, f, 1000, dst);
    assert.ok(r.isOk());
    if (r.isErr()) return;
    assert.is(r.value.path, join(dst, 'Yoda_a (2).mp4'));
    assert.is(await sha256File(r.value.path), await sha256File(f));
    const { readFile } = await import('node:fs/promises');
    assert.is(await readFile(join(dst, 'Yoda_a.mp4'), 'utf8'), 'precious');
    assert.is(await readFile(join(dst, 'Yoda_a (1).mp4'), 'utf8'), 'also precious');
  }));

test('a missing source file fails with FileUnreadable and the audience is told at once (not left to time out)', () =>
  withScratch(async (scratch) => {
    const a = await scratch.listen();
    // A long announce timeout: if the audience were not told, it would fail with PeerVanished, late.
    const b = await scratch.listen({ announceTimeoutMs: 60_000 });
    const dst = await scratch.dir();
    const { transferId, key } = introductions();
    const rx = b.expect(
      {
        transferId,
        key,
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: 'gone.mp4',
        size: 10,
      },
      { downloadDir: dst },
    );
    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: b.port } },
      { filePath: '/nonexistent/file.bin' },
    );
    const s = await tx.result;
    assert.ok(s.isErr() && s.error.type === 'FileUnreadable');
    const r = await rx.result;
    assert.ok(
      r.isErr() && r.error.type === 'PeerAborted' && r.error.reason === 'FileUnreadable',
      JSON.stringify(r),
    );
    assert.equal(await filesIn(dst), [], 'nothing left in the download directory');
  }));

test("the audience's DONE is lost: the presenter repeats its FIN and the finished audience answers it again", () =>
  withScratch(async (scratch) => {
    const a = await scratch.listen();
    const b = await scratch.listen();
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const size = 300_000;
    const file = await writeSeededFile(src, 'clip.mp4', size, 7);
    const { transferId, key } = introductions();
    const relay = await GateRelay.start(
      { address: '127.0.0.1', port: b.port },
      Buffer.from(key, 'hex'),
    );
    scratch.onCleanup(() => relay.close());
    relay.rule('forward', 'pass');
    relay.rule('backward', 'pass');
    relay.rule('backward', 'drop', 'Done');
    const rx = b.expect(offerFrom({ transferId, key }, 'clip.mp4', size), { downloadDir: dst });
    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: relay.port } },
      { filePath: file },
    );
    const r = await rx.result;
    assert.ok(r.isOk(), JSON.stringify(r));
    await relay.waitFor((s) => s.datagram.type === 'Done', 'the first DONE (dropped)');
    assert.is(tx.state(), 'finishing', 'the presenter still waits for the verdict');
    relay.rule('backward', 'pass', 'Done');
    const s = await tx.result;
    assert.ok(s.isOk(), JSON.stringify(s));
    const fins = relay.seen.filter((x) => x.datagram.type === 'Fin').length;
    assert.ok(fins >= 2, `the FIN was repeated (${fins} seen)`);
    if (r.isOk()) assert.is(await sha256File(r.value.path), await sha256File(file));
  }));

test('progress listeners that throw on every report break nothing: both results settle and the file arrives', () =>
  withScratch(async (scratch) => {
    // a report on every datagram, so the listeners run inside the socket handlers, and the
    // final report inside the receiver's final state
    const a = await scratch.listen({ progressIntervalMs: 0 });
    const b = await scratch.listen({ progressIntervalMs: 0 });
    const [src, dst] = [await scratch.dir(), await scratch.dir()];
    const size = 2 * CHUNK + 5;
    const file = await writeSeededFile(src, 'clip.mp4', size, 9);
    const { transferId, key } = introductions();
    const seen = { send: [] as TransferProgress[], receive: [] as TransferProgress[] };
    const throwing = (side: 'send' | 'receive') => (p: TransferProgress) => {
      seen[side].push(p);
      throw new Error(`the ${side} progress display is broken`);
    };
    const rx = b.expect(offerFrom({ transferId, key }, 'clip.mp4', size), {
      downloadDir: dst,
      onProgress: throwing('receive'),
    });
    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: b.port } },
      { filePath: file, onProgress: throwing('send') },
    );
    const [r, s] = await Promise.all([rx.result, tx.result]);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify({ r, s }));
    if (r.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
    for (const side of ['send', 'receive'] as const) {
      assert.ok(seen[side].length > 1, `the ${side} listener was called (and threw) repeatedly`);
      assert.is(seen[side].at(-1)?.bytes, size, `the ${side} listener got the final report`);
    }
  }));

test('bad introductions are refused as values', () =>
  withScratch(async (scratch) => {
    const a = await scratch.listen();
    const bad = a.expect(
      {
        transferId: 'x',
        key: 'nothex',
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: 'a',
        size: 1,
      },
      { downloadDir: '/tmp' },
    );
    const r1 = await bad.result;
    assert.ok(r1.isErr() && r1.error.type === 'InvalidIntroduction');
    const evil = a.expect(
      {
        transferId: 'y',
        key: '0'.repeat(64),
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: '../etc/passwd',
        size: 1,
      },
      { downloadDir: '/tmp' },
    );
    const r2 = await evil.result;
    assert.ok(r2.isErr() && r2.error.type === 'InvalidFileName');
  }));

test.run();
