// Transfers that must fail cleanly: forged and stray datagrams are dropped and counted, a peer
// that vanishes ends the transfer on the other side, a digest mismatch saves nothing, and no
// failure leaves anything under the final name (nor a temp file).
import { test } from 'uvu';
import { eventually } from '../support/processes.js';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { encodeDataHeader, encodeFin, encodeHello, type Datagram } from '../../src/p2p/datagram.js';
import { DatagramSeal } from '../../src/p2p/seal.js';
import {
  filesIn,
  introductions,
  sha256File,
  withScratch,
  writeSeededFile,
  offerFrom,
} from './helpers.js';

/** A hand-driven presenter speaking the wire format directly. */
async function rawSocket(host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return s;
}

/** The hand-driven presenter's seal: it knows the transfer key, like a real presenter. */
const presenterSeal = (key: string): DatagramSeal =>
  DatagramSeal.fromKey(Buffer.from(key, 'hex'), 'presenter');

function nextDatagram(s: dgram.Socket, seal: DatagramSeal): Promise<Datagram> {
  return once(s, 'message').then(([msg]) => seal.open(msg as Buffer)._unsafeUnwrap());
}

/** Skips the (possibly repeated) ACKs until a datagram of another type arrives. */
async function nextNonAck(s: dgram.Socket, seal: DatagramSeal): Promise<Datagram> {
  for (;;) {
    const d = await nextDatagram(s, seal);
    if (d.type !== 'Ack') return d;
  }
}

test('forged, stray and garbage datagrams are dropped and counted; the real transfer still succeeds', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const a = await scratch.listen();
    const b = await scratch.listen();
    const forger = await rawSocket();
    scratch.onCleanup(() => forger.close());
    const impostor = await rawSocket('127.0.0.2'); // right key, wrong address
    scratch.onCleanup(() => impostor.close());
    const size = 2 * 1024 * 1024;
    const file = await writeSeededFile(src, 'v.mp4', size, 9);
    const { transferId, key } = introductions();
    const rx = b.expect(offerFrom({ transferId, key }, 'v.mp4', size), { downloadDir: dst });
    const wrong = presenterSeal(introductions().key); // another transfer's key
    const right = presenterSeal(key);
    const forgedId = right.connectionId; // seen on the wire: but without the key no tag matches
    const send = (s: dgram.Socket, buf: Buffer | Buffer[]) =>
      new Promise<void>((resolve) => s.send(buf, b.port, '127.0.0.1', () => resolve()));
    await send(forger, wrong.seal([encodeHello(wrong.connectionId, size, 1172)]));
    await send(
      forger,
      wrong.seal([encodeDataHeader(wrong.connectionId, 0, 1), Buffer.alloc(1172)]),
    );
    await send(forger, Buffer.from('definitely not a datagram'));
    await send(forger, Buffer.alloc(0));
    await send(forger, [encodeHello(forgedId, size, 1172), Buffer.alloc(16)]); // the right id, a made-up tag
    await send(forger, wrong.seal([encodeHello(forgedId, size, 1172)])); // the right id, sealed under another key
    await send(impostor, right.seal([encodeHello(right.connectionId, size, 1172)]));
    await send(
      impostor,
      right.seal([encodeDataHeader(right.connectionId, 0, 1), Buffer.alloc(1172)]),
    );
    // Wait until all eight datagrams have been seen (counted somewhere), not for a fixed time.
    const seen = () => {
      const c = b.counters();
      return c.unknownTransfer + c.malformed + c.wrongSource + c.unauthenticated;
    };
    await eventually(() => seen() >= 8, 'the eight forged datagrams to be counted');
    const counters = b.counters();
    assert.is(counters.unknownTransfer, 2, 'another transfer');
    assert.is(counters.malformed, 2, 'garbage');
    assert.is(counters.unauthenticated, 2, 'this transfer, but not sealed with its key');
    assert.is(counters.wrongSource, 2, 'sealed with the right key, from the wrong address');
    assert.is(rx.state(), 'announced', 'nothing forged started the transfer');

    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: b.port } },
      { filePath: file },
    );
    // once the real presenter is locked in, even a rightly sealed datagram from another port is refused
    await eventually(() => rx.state() !== 'announced', 'the real presenter to start the transfer');
    await send(
      forger,
      right.seal([encodeDataHeader(right.connectionId, 0, 1), Buffer.alloc(1172)]),
    );
    await eventually(
      () => b.counters().wrongSource >= 3,
      'the forged datagram after lock-in to be refused',
    );
    const [r, s] = await Promise.all([rx.result, tx.result]);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify(r));
    if (r.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
  }));

test('audience vanishes mid-transfer: presenter fails with PeerVanished, nothing under the final name', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const a = await scratch.listen({ stallTimeoutMs: 800 });
    const b = await scratch.listen({ progressIntervalMs: 0, datagramBytes: 1200 });
    const size = 16 * 1024 * 1024;
    const file = await writeSeededFile(src, 'big.bin', size, 10);
    const { transferId, key } = introductions();
    let closing: Promise<void> | null = null;
    const rx = b.expect(offerFrom({ transferId, key }, 'big.bin', size), {
      downloadDir: dst,
      onProgress: (p) => {
        if (p.bytes > 0 && closing === null) closing = b.close({ notifyPeers: false });
      },
    });
    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: b.port } },
      { filePath: file },
    );
    const [r, s] = await Promise.all([rx.result, tx.result]);
    await closing;
    assert.ok(r.isErr() && r.error.type === 'Cancelled', JSON.stringify(r));
    assert.ok(s.isErr() && s.error.type === 'PeerVanished', JSON.stringify(s));
    assert.equal(await filesIn(dst), [], 'neither the final file nor the temp file');
  }));

test('presenter cancels: the audience is told (PeerAborted) and keeps nothing', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const a = await scratch.listen({ progressIntervalMs: 0, datagramBytes: 1200 });
    const b = await scratch.listen();
    const size = 16 * 1024 * 1024;
    const file = await writeSeededFile(src, 'big.bin', size, 11);
    const { transferId, key } = introductions();
    const rx = b.expect(offerFrom({ transferId, key }, 'big.bin', size), { downloadDir: dst });
    let cancelled = false;
    const tx = a.send(
      { transferId, key, audience: { address: '127.0.0.1', port: b.port } },
      {
        filePath: file,
        onProgress: (p) => {
          if (p.bytes > 0 && !cancelled) {
            cancelled = true;
            tx.cancel();
          }
        },
      },
    );
    const [r, s] = await Promise.all([rx.result, tx.result]);
    assert.ok(s.isErr() && s.error.type === 'Cancelled', JSON.stringify(s));
    assert.ok(
      r.isErr() && r.error.type === 'PeerAborted' && r.error.reason === 'Cancelled',
      JSON.stringify(r),
    );
    assert.equal(await filesIn(dst), []);
  }));

test('digest mismatch: VerificationFailed, presenter told, nothing saved', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen();
    const presenter = await rawSocket();
    scratch.onCleanup(() => presenter.close());
    const { transferId, key } = introductions();
    const seal = presenterSeal(key);
    const t = seal.connectionId;
    const rx = b.expect(
      {
        transferId,
        key,
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: 'f.txt',
        size: 10,
      },
      { downloadDir: dst },
    );
    const send = (parts: Buffer[]) => presenter.send(seal.seal(parts), b.port, '127.0.0.1');
    send([encodeHello(t, 10, 1172)]);
    const hello = await nextDatagram(presenter, seal);
    assert.is(hello.type, 'Ack');
    send([encodeDataHeader(t, 0, 1), Buffer.from('0123456789')]);
    const ack = await nextDatagram(presenter, seal);
    assert.ok(ack.type === 'Ack' && ack.cum === 1);
    send([encodeFin(t, Buffer.alloc(32, 0xab))]);
    const [abort, r] = await Promise.all([nextNonAck(presenter, seal), rx.result]);
    assert.is(abort.type, 'Abort');
    assert.ok(r.isErr() && r.error.type === 'VerificationFailed', JSON.stringify(r));
    assert.equal(await filesIn(dst), []);
  }));

test('presenter goes silent after a few chunks: the audience fails with PeerVanished and deletes the temp file', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen({ stallTimeoutMs: 300 });
    const presenter = await rawSocket();
    scratch.onCleanup(() => presenter.close());
    const { transferId, key } = introductions();
    const seal = presenterSeal(key);
    const t = seal.connectionId;
    const rx = b.expect(
      {
        transferId,
        key,
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: 'f.bin',
        size: 5000,
      },
      { downloadDir: dst },
    );
    presenter.send(seal.seal([encodeHello(t, 5000, 1172)]), b.port, '127.0.0.1');
    await nextDatagram(presenter, seal);
    presenter.send(seal.seal([encodeDataHeader(t, 0, 1), Buffer.alloc(1172)]), b.port, '127.0.0.1');
    const r = await rx.result;
    assert.ok(
      r.isErr() && r.error.type === 'PeerVanished' && r.error.side === 'audience',
      JSON.stringify(r),
    );
    assert.equal(await filesIn(dst), []);
  }));

test('presenter never shows up: the announced transfer times out', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen({ announceTimeoutMs: 200 });
    const { transferId, key } = introductions();
    const rx = b.expect(
      {
        transferId,
        key,
        presenter: 'Yoda',
        presenterAddress: '127.0.0.1',
        fileName: 'f.bin',
        size: 5,
      },
      { downloadDir: dst },
    );
    const r = await rx.result;
    assert.ok(r.isErr() && r.error.type === 'PeerVanished');
    assert.equal(await filesIn(dst), []);
  }));

test('nobody listens at the audience port: the offer times out with PeerVanished', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const a = await scratch.listen({ offerTimeoutMs: 300 });
    const closedPort = await rawSocket();
    const port = closedPort.address().port;
    closedPort.close();
    const file = await writeSeededFile(src, 'x.bin', 100, 1);
    const { transferId, key } = introductions();
    const s = await a.send(
      { transferId, key, audience: { address: '127.0.0.1', port } },
      { filePath: file },
    ).result;
    assert.ok(s.isErr() && s.error.type === 'PeerVanished', JSON.stringify(s));
  }));

test.run();
