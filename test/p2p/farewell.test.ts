// The audience quits right after a download: its endpoint closes while the presenter may still be
// waiting for the DONE. A lost DONE must not turn a file that arrived into "could not send": the
// closing endpoint keeps answering the presenter's repeated FIN until the presenter is quiet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DatagramType, readPreamble } from '../../src/p2p/datagram.js';
import type { TransportConfig } from '../../src/p2p/config.js';
import {
  introductions,
  sha256File,
  withScratch,
  writeSeededFile,
  type Scratch,
} from './helpers.js';
import { MeddlingRelay, type Direction } from './meddling-relay.js';

// The presenter gives up on a silent audience after 3 s: without a repeated DONE, it would.
const CONFIG: Partial<TransportConfig> = { datagramBytes: 4096, stallTimeoutMs: 3000 };

const isDone = (direction: Direction, msg: Buffer): boolean =>
  direction === 'backward' &&
  readPreamble(msg)
    .map((p) => p.code === DatagramType.Done)
    .unwrapOr(false);

/** a (presenter) sends to b (audience) through a relay that drops the first `lostDones` DONEs. */
async function quitAfterDownload(scratch: Scratch, lostDones: number, config = CONFIG) {
  const a = await scratch.listen(config);
  const b = await scratch.listen(config);
  const relay = await MeddlingRelay.start({ address: '127.0.0.1', port: b.port });
  scratch.onCleanup(() => relay.close());
  const dones = { dropped: 0, passed: 0 };
  relay.meddle = (direction, msg) => {
    if (!isDone(direction, msg)) return [msg];
    if (dones.dropped < lostDones) {
      dones.dropped++;
      return [];
    }
    dones.passed++;
    return [msg];
  };
  const size = 300 * 1024 + 5;
  const file = await writeSeededFile(await scratch.dir(), 'talk.mp4', size, 31);
  const intro = introductions();
  const rx = b.expect(
    { ...intro, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'talk.mp4', size },
    { downloadDir: await scratch.dir() },
  );
  const tx = a.send(
    { ...intro, audience: { address: '127.0.0.1', port: relay.port } },
    { filePath: file },
  );
  const received = await rx.result;
  // The audience's client quits the moment its download is saved.
  await b.close();
  return { received, sent: await tx.result, dones, file };
}

test('the DONE is lost and the audience quits at once: the presenter still reports success', () =>
  withScratch(async (scratch) => {
    const { received, sent, dones, file } = await quitAfterDownload(scratch, 1);
    assert.ok(received.isOk(), JSON.stringify(received));
    if (received.isErr()) return;
    assert.is(await sha256File(received.value.path), await sha256File(file));
    assert.ok(sent.isOk(), `the presenter reported ${JSON.stringify(sent)}`);
    assert.is(dones.dropped, 1);
    assert.ok(dones.passed >= 1, 'a repeated DONE answered the repeated FIN');
  }));

test('every DONE is lost: closing still ends (bounded by the tombstone lifetime), the presenter gives up', () =>
  withScratch(async (scratch) => {
    const config = { ...CONFIG, lingerMs: 1000, stallTimeoutMs: 2000 };
    const { received, sent, dones } = await quitAfterDownload(scratch, Infinity, config);
    assert.ok(received.isOk(), JSON.stringify(received));
    assert.ok(sent.isErr() && sent.error.type === 'PeerVanished', JSON.stringify(sent));
    assert.ok(dones.dropped > 1, 'the closing audience kept answering the FIN');
  }));

test.run();
