// Transfers that must fail cleanly: forged and stray datagrams are dropped and counted, a peer
// that vanishes ends the transfer on the other side, a digest mismatch saves nothing, and no
// failure leaves anything under the final name (nor a temp file).
import { test } from 'uvu';
import { eventually } from '../support/processes.js';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { decodeDatagram, encodeDataHeader, encodeFin, encodeHello, type Datagram } from '../../src/p2p/datagram.js';
import { filesIn, introductions, sha256File, withScratch, writeSeededFile } from './helpers.js';

/** A hand-driven presenter speaking the wire format directly. */
async function rawSocket(host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return s;
}

function nextDatagram(s: dgram.Socket): Promise<Datagram> {
  return once(s, 'message').then(([msg]) => decodeDatagram(msg as Buffer)._unsafeUnwrap());
}

/** Skips the (possibly repeated) ACKs until a datagram of another type arrives. */
async function nextNonAck(s: dgram.Socket): Promise<Datagram> {
  for (;;) {
    const d = await nextDatagram(s);
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
    const impostor = await rawSocket('127.0.0.2'); // right token, wrong address
    scratch.onCleanup(() => impostor.close());
    const size = 2 * 1024 * 1024;
    const file = await writeSeededFile(src, 'v.mp4', size, 9);
    const { transferId, token } = introductions();
    const rx = b.expect({ transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'v.mp4', size }, { downloadDir: dst });
    const wrong = Buffer.from(introductions().token, 'hex');
    const right = Buffer.from(token, 'hex');
    const send = (s: dgram.Socket, buf: Buffer | Buffer[]) => new Promise<void>((resolve) => s.send(buf, b.port, '127.0.0.1', () => resolve()));
    await send(forger, encodeHello(wrong, size, 1172));
    await send(forger, [encodeDataHeader(wrong, 0, 1), Buffer.alloc(1172)]);
    await send(forger, Buffer.from('definitely not a datagram'));
    await send(forger, Buffer.alloc(0));
    await send(impostor, encodeHello(right, size, 1172));
    await send(impostor, [encodeDataHeader(right, 0, 1), Buffer.alloc(1172)]);
    // Wait until all six datagrams have been seen (counted somewhere), not for a fixed time.
    const seen = () => { const c = b.counters(); return c.unknownTransfer + c.malformed + c.wrongSource; };
    await eventually(() => seen() >= 6, 'the six forged datagrams to be counted');
    const counters = b.counters();
    assert.is(counters.unknownTransfer, 2, 'wrong token');
    assert.is(counters.malformed, 2, 'garbage');
    assert.is(counters.wrongSource, 2, 'right token from the wrong address');
    assert.is(rx.state(), 'announced', 'nothing forged started the transfer');

    const tx = a.send({ transferId, token, audience: { address: '127.0.0.1', port: b.port } }, { filePath: file });
    // once the real presenter is locked in, the same token from another port is refused too
    await eventually(() => rx.state() !== 'announced', 'the real presenter to start the transfer');
    await send(forger, [encodeDataHeader(right, 0, 1), Buffer.alloc(1172)]);
    await eventually(() => b.counters().wrongSource >= 3, 'the forged datagram after lock-in to be refused');
    const [r, s] = await Promise.all([rx.result, tx.result]);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify(r));
    if (r.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
  }),
);

test('audience vanishes mid-transfer: presenter fails with PeerVanished, nothing under the final name', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const a = await scratch.listen({ stallTimeoutMs: 800 });
    const b = await scratch.listen({ progressIntervalMs: 0, datagramBytes: 1200 });
    const size = 16 * 1024 * 1024;
    const file = await writeSeededFile(src, 'big.bin', size, 10);
    const { transferId, token } = introductions();
    let closing: Promise<void> | null = null;
    const rx = b.expect(
      { transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'big.bin', size },
      { downloadDir: dst, onProgress: (p) => { if (p.bytes > 0 && closing === null) closing = b.close({ notifyPeers: false }); } },
    );
    const tx = a.send({ transferId, token, audience: { address: '127.0.0.1', port: b.port } }, { filePath: file });
    const [r, s] = await Promise.all([rx.result, tx.result]);
    await closing;
    assert.ok(r.isErr() && r.error.type === 'Cancelled', JSON.stringify(r));
    assert.ok(s.isErr() && s.error.type === 'PeerVanished', JSON.stringify(s));
    assert.equal(await filesIn(dst), [], 'neither the final file nor the temp file');
  }),
);

test('presenter cancels: the audience is told (PeerAborted) and keeps nothing', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const dst = await scratch.dir();
    const a = await scratch.listen({ progressIntervalMs: 0, datagramBytes: 1200 });
    const b = await scratch.listen();
    const size = 16 * 1024 * 1024;
    const file = await writeSeededFile(src, 'big.bin', size, 11);
    const { transferId, token } = introductions();
    const rx = b.expect({ transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'big.bin', size }, { downloadDir: dst });
    let cancelled = false;
    const tx = a.send(
      { transferId, token, audience: { address: '127.0.0.1', port: b.port } },
      { filePath: file, onProgress: (p) => { if (p.bytes > 0 && !cancelled) { cancelled = true; tx.cancel(); } } },
    );
    const [r, s] = await Promise.all([rx.result, tx.result]);
    assert.ok(s.isErr() && s.error.type === 'Cancelled', JSON.stringify(s));
    assert.ok(r.isErr() && r.error.type === 'PeerAborted' && r.error.reason === 'Cancelled', JSON.stringify(r));
    assert.equal(await filesIn(dst), []);
  }),
);

test('digest mismatch: VerificationFailed, presenter told, nothing saved', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen();
    const presenter = await rawSocket();
    scratch.onCleanup(() => presenter.close());
    const { transferId, token } = introductions();
    const t = Buffer.from(token, 'hex');
    const rx = b.expect({ transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'f.txt', size: 10 }, { downloadDir: dst });
    const send = (buf: Buffer | Buffer[]) => presenter.send(buf, b.port, '127.0.0.1');
    send(encodeHello(t, 10, 1172));
    const hello = await nextDatagram(presenter);
    assert.is(hello.type, 'Ack');
    send([encodeDataHeader(t, 0, 1), Buffer.from('0123456789')]);
    const ack = await nextDatagram(presenter);
    assert.ok(ack.type === 'Ack' && ack.cum === 1);
    send(encodeFin(t, Buffer.alloc(32, 0xab)));
    const [abort, r] = await Promise.all([nextNonAck(presenter), rx.result]);
    assert.is(abort.type, 'Abort');
    assert.ok(r.isErr() && r.error.type === 'VerificationFailed', JSON.stringify(r));
    assert.equal(await filesIn(dst), []);
  }),
);

test('presenter goes silent after a few chunks: the audience fails with PeerVanished and deletes the temp file', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen({ stallTimeoutMs: 300 });
    const presenter = await rawSocket();
    scratch.onCleanup(() => presenter.close());
    const { transferId, token } = introductions();
    const t = Buffer.from(token, 'hex');
    const rx = b.expect({ transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'f.bin', size: 5000 }, { downloadDir: dst });
    presenter.send(encodeHello(t, 5000, 1172), b.port, '127.0.0.1');
    await nextDatagram(presenter);
    presenter.send([encodeDataHeader(t, 0, 1), Buffer.alloc(1172)], b.port, '127.0.0.1');
    const r = await rx.result;
    assert.ok(r.isErr() && r.error.type === 'PeerVanished' && r.error.side === 'audience', JSON.stringify(r));
    assert.equal(await filesIn(dst), []);
  }),
);

test('presenter never shows up: the announced transfer times out', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const b = await scratch.listen({ announceTimeoutMs: 200 });
    const { transferId, token } = introductions();
    const rx = b.expect({ transferId, token, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'f.bin', size: 5 }, { downloadDir: dst });
    const r = await rx.result;
    assert.ok(r.isErr() && r.error.type === 'PeerVanished');
    assert.equal(await filesIn(dst), []);
  }),
);

test('nobody listens at the audience port: the offer times out with PeerVanished', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const a = await scratch.listen({ offerTimeoutMs: 300 });
    const closedPort = await rawSocket();
    const port = closedPort.address().port;
    closedPort.close();
    const file = await writeSeededFile(src, 'x.bin', 100, 1);
    const { transferId, token } = introductions();
    const s = await a.send({ transferId, token, audience: { address: '127.0.0.1', port } }, { filePath: file }).result;
    assert.ok(s.isErr() && s.error.type === 'PeerVanished', JSON.stringify(s));
  }),
);

test.run();
