// Per-state behaviour probes of a transfer, written from docs/P2P.md (datagram format, reliability
// scheme, timeouts, machines), NOT from machines/transfer-*.machine.ts: one side is a real
// P2PEndpoint on 127.0.0.1, the other a hand-driven peer that speaks the documented datagrams
// (sealed under the transfer's key) step by step, so each probe checks what the real side accepts
// in a state and what it sends next. A machine that went to the wrong state, or finished, failed
// or cancelled when it should not, is seen here as a wrong datagram or a wrong result.
//
// Timeouts are injected (tens of milliseconds): nothing waits for a fixed time; a probe waits for
// a datagram or for the transfer's result.
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TransportConfig } from '../../src/p2p/config.js';
import {
  AbortReason,
  encodeAbort,
  encodeAck,
  encodeDataHeader,
  encodeDone,
  encodeFin,
  encodeHello,
  type Datagram,
} from '../../src/p2p/datagram.js';
import type { P2PEndpoint } from '../../src/p2p/endpoint.js';
import { DatagramSeal, type SealRole } from '../../src/p2p/seal.js';
import { ChangeSignal } from '../support/change-signal.js';
import { eventually } from '../support/processes.js';
import { filesIn, introductions, listen, removeDir, seededBytes, tempDir } from './helpers.js';
import { writeFile } from 'node:fs/promises';

const WAIT_MS = 5_000;
// Short, injected: a probe that checks a timeout waits for the result, not for time.
const FAST: Partial<TransportConfig> = {
  offerTimeoutMs: 300,
  announceTimeoutMs: 300,
  stallTimeoutMs: 300,
  lingerMs: 2000,
  datagramBytes: 1200,
};
// Long enough never to fire while a probe drives the other side by hand.
const PATIENT: Partial<TransportConfig> = {
  offerTimeoutMs: 10_000,
  announceTimeoutMs: 10_000,
  stallTimeoutMs: 10_000,
  lingerMs: 2000,
  datagramBytes: 1200,
};

type Kind = Datagram['type'];

/** The other side of a transfer, driven by hand over a raw UDP socket. */
class HandPeer {
  readonly received: Array<{ datagram: Datagram; port: number }> = [];
  private readonly changed = new ChangeSignal();
  private peerPort = 0;
  /** A second transfer spoken from the same socket, only to order what arrives (barrier()). */
  private marker: DatagramSeal | null = null;
  private markerAcks = 0;
  private echoes = 0;

  private constructor(
    readonly socket: Socket,
    private readonly seal: DatagramSeal,
  ) {
    socket.on('message', (buf, rinfo) => {
      if (rinfo.port === this.port && buf.length === 1) {
        this.echoes++;
        this.changed.notify();
        return;
      }
      const opened = this.seal.open(buf);
      if (opened.isErr()) {
        if (this.marker?.open(buf).isOk()) this.markerAcks++;
        this.changed.notify();
        return;
      }
      this.peerPort = rinfo.port;
      this.received.push({ datagram: opened.value, port: rinfo.port });
      this.changed.notify();
    });
  }

  /** Speaks a second transfer (`key`) from this socket, for barrier(). */
  useMarker(key: string, role: SealRole): void {
    this.marker = DatagramSeal.fromKey(Buffer.from(key, 'hex'), role);
  }

  /**
   * Returns once everything the real endpoint sent to this socket before now has been read:
   * a HELLO of the marker transfer is answered with an ACK from the same endpoint socket, and
   * datagrams from one socket to another arrive in order, so anything sent before it is here.
   * How a probe checks that something was NOT sent.
   */
  async barrier(endpointPort: number, markerSize: number): Promise<void> {
    const marker = this.marker;
    if (!marker) throw new Error('barrier() needs useMarker() first');
    const before = this.markerAcks;
    this.socket.send(
      marker.seal([encodeHello(marker.connectionId, markerSize, 1156)]),
      endpointPort,
      '127.0.0.1',
    );
    await this.changed.until(
      () => (this.markerAcks > before ? true : undefined),
      WAIT_MS,
      () => new Error('the marker transfer was never answered'),
    );
  }

  static async bind(key: string, role: SealRole): Promise<HandPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new HandPeer(socket, DatagramSeal.fromKey(Buffer.from(key, 'hex'), role));
  }

  get port(): number {
    return this.socket.address().port;
  }

  get connectionId(): Buffer {
    return this.seal.connectionId;
  }

  /** Seals and sends to `port` (by default, whoever last sent to us). */
  send(parts: Buffer[], port = this.peerPort): void {
    this.socket.send(this.seal.seal(parts), port, '127.0.0.1');
  }

  count(kind: Kind): number {
    return this.received.filter((r) => r.datagram.type === kind).length;
  }

  /** Waits for the `n`th datagram of `kind` (1-based) and returns it. */
  async next<K extends Kind>(kind: K, n = 1): Promise<Extract<Datagram, { type: K }>> {
    return this.changed.until(
      () => {
        const all = this.received.filter((r) => r.datagram.type === kind);
        return all[n - 1]?.datagram as Extract<Datagram, { type: K }> | undefined;
      },
      WAIT_MS,
      () =>
        new Error(
          `no ${kind} #${n}; received ${this.received.map((r) => r.datagram.type).join(', ')}`,
        ),
    );
  }

  /**
   * Returns once every datagram already queued for this socket has been read: one it sends to
   * itself lands behind them. After the real side has closed its socket (or settled a transfer
   * whose last words it sent first), this is how a probe checks that nothing more was sent.
   */
  async selfBarrier(): Promise<void> {
    const before = this.echoes;
    this.socket.send(Buffer.from([0]), this.port, '127.0.0.1');
    await this.changed.until(
      () => (this.echoes > before ? true : undefined),
      WAIT_MS,
      () => new Error('the datagram to ourselves never came back'),
    );
  }

  /** Waits until `probe` answers (re-checked whenever a datagram arrives). */
  until<T>(probe: () => T | undefined): Promise<T> {
    return this.changed.until(probe, WAIT_MS, () => new Error('the awaited datagram never came'));
  }

  close(): void {
    this.socket.close();
  }
}

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** An ACK saying every chunk below `cum` arrived, nothing missing, window open. */
const ackAll = (peer: HandPeer, cum: number): Buffer =>
  encodeAck(peer.connectionId, { cum, top: cum, limit: cum + 1000, echoTx: 0, missing: [] });

async function errorOf<T>(
  result: Promise<{ isErr(): boolean; error?: unknown } & object>,
): Promise<T> {
  const r = (await result) as { isErr(): boolean; error?: unknown };
  assert.ok(r.isErr(), `expected the transfer to fail, it succeeded: ${JSON.stringify(r)}`);
  return r.error as T;
}

// ---------------------------------------------------------------------------------------------
// The audience (receiver): a real endpoint that expects a transfer; the probe is the presenter.

interface AudienceSetup {
  endpoint: P2PEndpoint;
  peer: HandPeer;
  dir: string;
  rx: ReturnType<P2PEndpoint['expect']>;
  file: Buffer;
  chunk: number;
  /** Everything the audience sent before now has arrived (HandPeer.barrier). */
  barrier(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Runs `body` with a probe's endpoint and peer, and cleans them up however it ends. */
async function withSetup<T extends { cleanup(): Promise<void> }>(
  setup: Promise<T>,
  body: (t: T) => Promise<void>,
): Promise<void> {
  const t = await setup;
  try {
    await body(t);
  } finally {
    await t.cleanup();
  }
}

async function audience(config: Partial<TransportConfig>, size = 3000): Promise<AudienceSetup> {
  const endpoint = await listen(config);
  const dir = await tempDir();
  const { transferId, key } = introductions();
  const peer = await HandPeer.bind(key, 'presenter');
  const file = seededBytes(size, size);
  const rx = endpoint.expect(
    { transferId, key, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'a.mp4', size },
    { downloadDir: dir },
  );
  // a second transfer from the same presenter, only ever greeted: the barrier
  const marker = introductions();
  peer.useMarker(marker.key, 'presenter');
  const markerDir = await tempDir();
  const markerRx = endpoint.expect(
    { ...marker, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'm.bin', size: 1 },
    { downloadDir: markerDir },
  );
  return {
    endpoint,
    peer,
    dir,
    rx,
    file,
    // the smallest chunk a HELLO may announce (a 1,200-byte datagram, P2P.md: − 28 − 16)
    chunk: 1156,
    barrier: () => peer.barrier(endpoint.port, 1),
    cleanup: async () => {
      rx.cancel();
      markerRx.cancel();
      await rx.result;
      await markerRx.result;
      peer.close();
      await endpoint.close();
      await removeDir(dir);
      await removeDir(markerDir);
    },
  };
}

/** Presenter side by hand: HELLO, and once it is answered (P2P.md: the handshake), every chunk as DATA (seq = tx). */
async function sendHelloAndData(a: AudienceSetup, only?: number[]): Promise<void> {
  a.peer.send([encodeHello(a.peer.connectionId, a.file.length, a.chunk)], a.endpoint.port);
  await a.peer.next('Ack');
  const chunks = Math.ceil(a.file.length / a.chunk);
  for (let seq = 0; seq < chunks; seq++) {
    if (only && !only.includes(seq)) continue;
    const payload = a.file.subarray(seq * a.chunk, (seq + 1) * a.chunk);
    a.peer.send([encodeDataHeader(a.peer.connectionId, seq, seq), payload]);
  }
}

const lastAck = (peer: HandPeer): Extract<Datagram, { type: 'Ack' }> | undefined =>
  [...peer.received].reverse().find((r) => r.datagram.type === 'Ack')?.datagram as
    Extract<Datagram, { type: 'Ack' }> | undefined;

async function ackedUpTo(peer: HandPeer, cum: number): Promise<void> {
  let n = 1;
  for (;;) {
    const ack = await peer.next('Ack', n++);
    if (ack.cum >= cum) return;
  }
}

test('audience, announced: a HELLO with the announced size is answered with an ACK of nothing yet', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    a.peer.send([encodeHello(a.peer.connectionId, a.file.length, a.chunk)], a.endpoint.port);
    const ack = await a.peer.next('Ack');
    assert.is(ack.cum, 0, 'no chunk received yet');
    assert.ok(ack.limit > 0, 'the window is open');
    assert.is(a.peer.count('Done') + a.peer.count('Abort'), 0);
  });
});

test('audience, announced: a HELLO with another size than the introduction is refused (ABORT protocol error)', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    a.peer.send([encodeHello(a.peer.connectionId, a.file.length + 1, a.chunk)], a.endpoint.port);
    const abort = await a.peer.next('Abort');
    assert.is(abort.reason, AbortReason.ProtocolError);
    const error = await errorOf<{ type: string }>(a.rx.result);
    assert.is(error.type, 'ProtocolError');
  });
});

test('audience, announced: a presenter that never sends fails with PeerVanished (announce timeout)', async () => {
  await withSetup(audience(FAST), async (a) => {
    const error = await errorOf<{ type: string; side: string }>(a.rx.result);
    assert.equal([error.type, error.side], ['PeerVanished', 'audience']);
    assert.equal(await filesIn(a.dir), [], 'nothing saved, no temp file left');
  });
});

test('audience, receiving → verifying → saved: chunks are acknowledged, the right FIN gets DONE and the file is saved under <presenter>_<file>', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    await sendHelloAndData(a);
    await ackedUpTo(a.peer, 3);
    assert.is(a.peer.count('Done'), 0, 'no DONE before the FIN');
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    await a.peer.next('Done');
    const r = await a.rx.result;
    assert.ok(r.isOk(), JSON.stringify(r));
    const path = r.isOk() ? r.value.path : '';
    assert.is(path, join(a.dir, 'Yoda_a.mp4'));
    assert.equal(
      r.isOk() ? [r.value.bytes, r.value.sha256, r.value.presenter, r.value.fileName] : [],
      [a.file.length, sha256(a.file).toString('hex'), 'Yoda', 'a.mp4'],
    );
    const { readFile } = await import('node:fs/promises');
    assert.ok((await readFile(path)).equals(a.file), 'byte-identical');
    assert.equal(await filesIn(a.dir), ['Yoda_a.mp4'], 'no temp file left');
    // saved: a repeated FIN (the DONE was lost) is answered with DONE again
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    await a.peer.next('Done', 2);
  });
});

// P2P.md: "On any failure the temp file is deleted, and nothing ever exists under the final
// name"; ABORT reason 3, disk error. The download directory disappears before the FIN, so the
// verified file cannot be published under its final name.
test('audience, saving: a verified file that cannot be saved (its directory is gone) is DiskError, ABORT disk error, no DONE', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    await sendHelloAndData(a);
    await ackedUpTo(a.peer, 3);
    await eventually(() => a.rx.state() === 'verifying', 'every chunk to be written');
    await removeDir(a.dir);
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    assert.is((await a.peer.next('Abort')).reason, AbortReason.DiskError);
    assert.is((await errorOf<{ type: string }>(a.rx.result)).type, 'DiskError');
    assert.is(a.peer.count('Done'), 0, 'no DONE for a file that was not saved');
  });
});

test('audience, receiving: a missing chunk is reported in the ACK, and a FIN before the whole file is not answered with DONE', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    await sendHelloAndData(a, [0, 2]);
    await a.peer.until(() => {
      const ack = lastAck(a.peer);
      return ack && ack.top >= 3 ? ack : undefined;
    });
    const ack = lastAck(a.peer)!;
    assert.is(ack.cum, 1, 'chunk 0 arrived, chunk 1 did not');
    assert.equal(ack.missing, [{ start: 1, end: 2 }]);
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    // the missing chunk then completes the file: the FIN is answered only now
    a.peer.send([
      encodeDataHeader(a.peer.connectionId, 1, 3),
      a.file.subarray(a.chunk, 2 * a.chunk),
    ]);
    await ackedUpTo(a.peer, 3);
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    await a.peer.next('Done');
    assert.is(a.peer.count('Done'), 1);
    assert.ok((await a.rx.result).isOk());
  });
});

test('audience, verifying: a FIN with another digest is ABORT verification failed, nothing saved', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    await sendHelloAndData(a);
    await ackedUpTo(a.peer, 3);
    a.peer.send([encodeFin(a.peer.connectionId, sha256(Buffer.from('something else')))]);
    const abort = await a.peer.next('Abort');
    assert.is(abort.reason, AbortReason.VerificationFailed);
    const error = await errorOf<{ type: string }>(a.rx.result);
    assert.is(error.type, 'VerificationFailed');
    assert.equal(await filesIn(a.dir), [], 'no file, no temp file');
    assert.is(a.peer.count('Done'), 0);
  });
});

test('audience, receiving: the presenter going silent fails the transfer with PeerVanished (stall timeout), temp file removed', async () => {
  await withSetup(audience(FAST), async (a) => {
    await sendHelloAndData(a, [0]);
    await a.peer.next('Ack');
    const error = await errorOf<{ type: string; side: string }>(a.rx.result);
    assert.equal([error.type, error.side], ['PeerVanished', 'audience']);
    assert.equal(await filesIn(a.dir), []);
    await a.barrier();
    assert.is(a.peer.count('Abort'), 0, 'a silent presenter is not sent an ABORT');
  });
});

test('audience, receiving: an ABORT from the presenter ends it with PeerAborted and its reason', async () => {
  await withSetup(audience(PATIENT), async (a) => {
    await sendHelloAndData(a, [0]);
    await a.peer.next('Ack');
    a.peer.send([encodeAbort(a.peer.connectionId, AbortReason.FileUnreadable)]);
    const error = await errorOf<{ type: string; reason: string }>(a.rx.result);
    assert.equal([error.type, error.reason], ['PeerAborted', 'FileUnreadable']);
    assert.equal(await filesIn(a.dir), []);
    await a.barrier();
    assert.is(a.peer.count('Abort'), 0, 'an ABORT is not answered with an ABORT');
  });
});

test('audience, receiving: cancel tells the presenter (ABORT cancelled); the server saying the presenter left ends it without a datagram', async () => {
  const a = await audience(PATIENT);
  const b = await audience(PATIENT);
  try {
    await sendHelloAndData(a, [0]);
    await sendHelloAndData(b, [0]);
    await a.peer.next('Ack');
    await b.peer.next('Ack');
    a.rx.cancel();
    assert.is((await a.peer.next('Abort')).reason, AbortReason.Cancelled);
    assert.is((await errorOf<{ type: string }>(a.rx.result)).type, 'Cancelled');
    b.rx.abort({ type: 'PeerLeft', user: 'Yoda' });
    assert.equal(await errorOf(b.rx.result), { type: 'PeerLeft', user: 'Yoda' });
    assert.equal(await filesIn(b.dir), [], 'temp file removed');
    await b.barrier();
    assert.is(b.peer.count('Abort'), 0, 'no ABORT to a presenter the server said is gone');
    // the cancelled transfer answers whatever comes late with ABORT
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    await a.peer.next('Abort', 2);
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test('audience, verifying (every chunk in, no FIN yet): a silent presenter is PeerVanished, an ABORT is PeerAborted, cancel sends ABORT cancelled; nothing is saved', async () => {
  const silent = await audience(FAST);
  const aborting = await audience(PATIENT);
  const cancelling = await audience(PATIENT);
  try {
    for (const a of [silent, aborting, cancelling]) {
      await sendHelloAndData(a);
      await ackedUpTo(a.peer, 3);
      // acknowledged is not yet written: the handle's state (P2P.md) says when all is in
      await eventually(() => a.rx.state() === 'verifying', 'every chunk to be written');
    }
    aborting.peer.send([encodeAbort(aborting.peer.connectionId, AbortReason.DiskError)]);
    cancelling.rx.cancel();
    const vanished = await errorOf<{ type: string; side: string }>(silent.rx.result);
    assert.equal([vanished.type, vanished.side], ['PeerVanished', 'audience']);
    const aborted = await errorOf<{ type: string; reason: string }>(aborting.rx.result);
    assert.equal([aborted.type, aborted.reason], ['PeerAborted', 'DiskError']);
    assert.is((await errorOf<{ type: string }>(cancelling.rx.result)).type, 'Cancelled');
    assert.is((await cancelling.peer.next('Abort')).reason, AbortReason.Cancelled);
    for (const a of [silent, aborting, cancelling]) assert.equal(await filesIn(a.dir), []);
  } finally {
    await silent.cleanup();
    await aborting.cleanup();
    await cancelling.cleanup();
  }
});

test('audience: datagrams sealed under another key are dropped; the transfer carries on', async () => {
  const a = await audience(PATIENT);
  const { key } = introductions();
  const forger = await HandPeer.bind(key, 'presenter');
  try {
    forger.send([encodeHello(a.peer.connectionId, a.file.length, a.chunk)], a.endpoint.port);
    forger.send([encodeAbort(a.peer.connectionId, AbortReason.Cancelled)], a.endpoint.port);
    await sendHelloAndData(a);
    await ackedUpTo(a.peer, 3);
    a.peer.send([encodeFin(a.peer.connectionId, sha256(a.file))]);
    await a.peer.next('Done');
    assert.ok((await a.rx.result).isOk(), 'the forged ABORT did not end it');
    assert.is(forger.received.length, 0, 'nothing was sent to the forger');
  } finally {
    forger.close();
    await a.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------
// The presenter (sender): a real endpoint that sends a file; the probe is the audience.

interface PresenterSetup {
  endpoint: P2PEndpoint;
  peer: HandPeer;
  tx: ReturnType<P2PEndpoint['send']>;
  file: Buffer;
  cleanup(): Promise<void>;
}

async function presenter(config: Partial<TransportConfig>, size = 2500): Promise<PresenterSetup> {
  const endpoint = await listen(config);
  const dir = await tempDir();
  const { transferId, key } = introductions();
  const peer = await HandPeer.bind(key, 'audience');
  const file = seededBytes(size, size + 7);
  const filePath = join(dir, 'a.mp4');
  await writeFile(filePath, file);
  const tx = endpoint.send(
    { transferId, key, audience: { address: '127.0.0.1', port: peer.port } },
    { filePath },
  );
  return {
    endpoint,
    peer,
    tx,
    file,
    cleanup: async () => {
      tx.cancel();
      await tx.result;
      peer.close();
      await endpoint.close();
      await removeDir(dir);
    },
  };
}

/** Acknowledges HELLO, then every DATA as it comes, until `chunks` chunks arrived. */
async function receiveAll(p: PresenterSetup): Promise<Extract<Datagram, { type: 'Hello' }>> {
  const hello = await p.peer.next('Hello');
  p.peer.send([ackAll(p.peer, 0)]);
  const chunks = Math.ceil(hello.size / hello.chunkBytes);
  const got = new Set<number>();
  for (let n = 1; got.size < chunks; n++) {
    const data = await p.peer.next('Data', n);
    got.add(data.seq);
  }
  return hello;
}

// P2P.md: `opening` → `CANCEL` → `cancelled`; `tx.cancel()` ends the transfer as Cancelled
// whenever it comes, here before the file is even open (opening it is asynchronous).
test('presenter, opening: cancelled before the file is open, the result is Cancelled', async () => {
  await withSetup(presenter(PATIENT), async (p) => {
    p.tx.cancel();
    assert.is((await errorOf<{ type: string }>(p.tx.result)).type, 'Cancelled');
    assert.is(p.peer.count('Data'), 0, 'nothing of the file was sent');
  });
});

test('presenter, offering: HELLO announces the size and is repeated until answered; no DATA before an ACK', async () => {
  await withSetup(presenter(PATIENT), async (p) => {
    const hello = await p.peer.next('Hello');
    assert.is(hello.size, p.file.length);
    assert.ok(hello.chunkBytes > 0 && hello.chunkBytes <= 1200 - 28 - 16, 'fits the datagram');
    await p.peer.next('Hello', 2);
    assert.is(p.peer.count('Data'), 0, 'nothing sent before the audience answered');
    assert.is(p.tx.state(), 'offering');
  });
});

test('presenter, offering: an audience that never answers fails it with PeerVanished (offer timeout)', async () => {
  await withSetup(presenter(FAST), async (p) => {
    const error = await errorOf<{ type: string; side: string }>(p.tx.result);
    assert.equal([error.type, error.side], ['PeerVanished', 'presenter']);
    await p.peer.selfBarrier();
    assert.is(p.peer.count('Abort'), 0, 'an audience that never answered is not sent an ABORT');
  });
});

test('presenter, sending → finishing → done: after the ACK the file goes out as DATA, once all is acknowledged the FIN carries its SHA-256, DONE completes it', async () => {
  await withSetup(presenter(PATIENT), async (p) => {
    const hello = await receiveAll(p);
    const chunks = Math.ceil(hello.size / hello.chunkBytes);
    const bytes = Buffer.concat(
      [...Array(chunks).keys()]
        .map(
          (seq) =>
            p.peer.received.find((r) => r.datagram.type === 'Data' && r.datagram.seq === seq)!
              .datagram as Extract<Datagram, { type: 'Data' }>,
        )
        .map((d) => d.payload),
    );
    assert.ok(bytes.equals(p.file), 'the chunks are the file, in order');
    assert.is(p.peer.count('Fin'), 0, 'no FIN before everything is acknowledged');
    p.peer.send([ackAll(p.peer, chunks)]);
    const fin = await p.peer.next('Fin');
    assert.ok(fin.sha256.equals(sha256(p.file)), 'the FIN holds the SHA-256 of the whole file');
    assert.is(p.tx.state(), 'finishing');
    p.peer.send([encodeDone(p.peer.connectionId)]);
    const r = await p.tx.result;
    assert.ok(r.isOk(), JSON.stringify(r));
    assert.equal(r.isOk() ? [r.value.bytes, r.value.sha256] : [], [
      p.file.length,
      sha256(p.file).toString('hex'),
    ]);
  });
});

test('presenter, sending: a DONE before the FIN does not complete the transfer', async () => {
  await withSetup(presenter(PATIENT), async (p) => {
    await receiveAll(p);
    p.peer.send([encodeDone(p.peer.connectionId)]);
    // an ACK of nothing new makes the presenter answer (it resends), proving it is still sending
    const before = p.peer.count('Data');
    p.peer.send([ackAll(p.peer, 0)]);
    await p.peer.next('Data', before + 1);
    assert.is(p.tx.state(), 'sending');
  });
});

test('presenter, finishing: ABORT verification failed from the audience ends it with PeerAborted', async () => {
  await withSetup(presenter(PATIENT), async (p) => {
    const hello = await receiveAll(p);
    p.peer.send([ackAll(p.peer, Math.ceil(hello.size / hello.chunkBytes))]);
    await p.peer.next('Fin');
    p.peer.send([encodeAbort(p.peer.connectionId, AbortReason.VerificationFailed)]);
    const error = await errorOf<{ type: string; reason: string }>(p.tx.result);
    assert.equal([error.type, error.reason], ['PeerAborted', 'VerificationFailed']);
  });
});

test('presenter, sending: an audience gone silent fails it with PeerVanished (stall timeout)', async () => {
  await withSetup(presenter(FAST), async (p) => {
    await p.peer.next('Hello');
    p.peer.send([ackAll(p.peer, 0)]);
    await p.peer.next('Data');
    const error = await errorOf<{ type: string; side: string }>(p.tx.result);
    assert.equal([error.type, error.side], ['PeerVanished', 'presenter']);
  });
});

test('presenter, sending: cancel sends ABORT cancelled; the server saying the audience left ends it without one', async () => {
  const p = await presenter(PATIENT);
  const q = await presenter(PATIENT);
  try {
    for (const s of [p, q]) {
      await s.peer.next('Hello');
      s.peer.send([ackAll(s.peer, 0)]);
      await s.peer.next('Data');
    }
    p.tx.cancel();
    assert.is((await p.peer.next('Abort')).reason, AbortReason.Cancelled);
    assert.is((await errorOf<{ type: string }>(p.tx.result)).type, 'Cancelled');
    q.tx.abort({ type: 'PeerLeft', user: 'Obi-wan' });
    assert.equal(await errorOf(q.tx.result), { type: 'PeerLeft', user: 'Obi-wan' });
    await q.peer.selfBarrier();
    assert.is(q.peer.count('Abort'), 0, 'no ABORT: the audience is gone (P2P.md)');
  } finally {
    await p.cleanup();
    await q.cleanup();
  }
});

test('closing an endpoint tells the peers (ABORT cancelled); closing it quietly ({ notifyPeers: false }) sends nothing', async () => {
  const loud = await audience(PATIENT);
  const quiet = await audience(PATIENT);
  const sending = await presenter(PATIENT);
  try {
    await sendHelloAndData(loud, [0]);
    await sendHelloAndData(quiet, [0]);
    await sending.peer.next('Hello');
    sending.peer.send([ackAll(sending.peer, 0)]);
    await sending.peer.next('Data');
    await loud.endpoint.close();
    assert.is((await loud.peer.next('Abort')).reason, AbortReason.Cancelled);
    assert.is((await errorOf<{ type: string }>(loud.rx.result)).type, 'Cancelled');
    await quiet.endpoint.close({ notifyPeers: false });
    assert.is((await errorOf<{ type: string }>(quiet.rx.result)).type, 'Cancelled');
    await quiet.peer.selfBarrier();
    assert.is(quiet.peer.count('Abort'), 0, 'the audience vanished without a word');
    await sending.endpoint.close({ notifyPeers: false });
    assert.is((await errorOf<{ type: string }>(sending.tx.result)).type, 'Cancelled');
    await sending.peer.selfBarrier();
    assert.is(sending.peer.count('Abort'), 0, 'the presenter vanished without a word');
  } finally {
    await loud.cleanup();
    await quiet.cleanup();
    await sending.cleanup();
  }
});

test('cancelled before the peer spoke: the audience (announced) and the presenter (offering) end Cancelled; the presenter tells the audience', async () => {
  const a = await audience(PATIENT);
  const p = await presenter(PATIENT);
  try {
    a.rx.cancel();
    assert.is((await errorOf<{ type: string }>(a.rx.result)).type, 'Cancelled');
    await p.peer.next('Hello');
    p.tx.cancel();
    assert.is((await errorOf<{ type: string }>(p.tx.result)).type, 'Cancelled');
    assert.is((await p.peer.next('Abort')).reason, AbortReason.Cancelled);
  } finally {
    await a.cleanup();
    await p.cleanup();
  }
});

test('presenter: an empty file is offered, finished with the SHA-256 of nothing, and done', async () => {
  const p = await presenter(PATIENT, 0);
  try {
    const hello = await p.peer.next('Hello');
    assert.is(hello.size, 0);
    p.peer.send([ackAll(p.peer, 0)]);
    const fin = await p.peer.next('Fin');
    assert.ok(fin.sha256.equals(sha256(Buffer.alloc(0))));
    p.peer.send([encodeDone(p.peer.connectionId)]);
    assert.ok((await p.tx.result).isOk());
  } finally {
    await p.cleanup();
  }
});

test.run();
