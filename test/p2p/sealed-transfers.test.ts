// Transfers under attack by a relay on the path. Every datagram is sealed (AES-256-GCM under the
// transfer's key): the relay sees neither file bytes nor the key; a flipped bit, a datagram
// replayed from another transfer or a forged one is dropped as unauthenticated before anything
// else, so it never puts a byte into a saved file; and a transfer whose relay only drops (or
// drops and meddles) still completes with the exact file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CONNECTION_ID_BYTES,
  CONNECTION_ID_OFFSET,
  DatagramType,
  PREAMBLE_BYTES,
  readPreamble,
  TAG_BYTES,
} from '../../src/p2p/datagram.js';
import type { P2PEndpoint } from '../../src/p2p/endpoint.js';
import type { TransportConfig } from '../../src/p2p/config.js';
import { eventually } from '../support/processes.js';
import {
  filesIn,
  introductions,
  sha256File,
  withScratch,
  writeSeededFile,
  type Scratch,
} from './helpers.js';
import { seededRandom } from './lossy-relay.js';
import { MeddlingRelay, type Direction } from './meddling-relay.js';

const CONFIG: Partial<TransportConfig> = { datagramBytes: 4096, stallTimeoutMs: 10_000 };

interface Run {
  readonly relay: MeddlingRelay;
  readonly a: P2PEndpoint;
  readonly b: P2PEndpoint;
  readonly dst: string;
}

async function rig(scratch: Scratch, config: Partial<TransportConfig> = CONFIG): Promise<Run> {
  const a = await scratch.listen(config);
  const b = await scratch.listen(config);
  const relay = await MeddlingRelay.start({ address: '127.0.0.1', port: b.port });
  scratch.onCleanup(() => relay.close());
  return { relay, a, b, dst: await scratch.dir() };
}

/** Sends `file` from a to b through the relay; resolves with both results. */
async function transfer(
  { relay, a, b, dst }: Run,
  file: string,
  size: number,
  intro = introductions(),
) {
  const rx = b.expect(
    { ...intro, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName: 'plans.bin', size },
    { downloadDir: dst },
  );
  const tx = a.send(
    { ...intro, audience: { address: '127.0.0.1', port: relay.port } },
    { filePath: file },
  );
  const [r, s] = await Promise.all([rx.result, tx.result]);
  return { r, s, intro };
}

const connectionIdOf = (msg: Buffer): Buffer =>
  msg.subarray(CONNECTION_ID_OFFSET, CONNECTION_ID_OFFSET + CONNECTION_ID_BYTES);

test('an eavesdropper sees neither the file nor the key (and, unsealed, does see the file)', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const content = Buffer.from(
      'Death Star plans: the thermal exhaust port is two metres wide. '.repeat(4000),
    );
    const file = join(src, 'plans.bin');
    await writeFile(file, content);
    const sealed = await rig(scratch);
    const { r, intro } = await transfer(sealed, file, content.length);
    assert.ok(r.isOk(), JSON.stringify(r));
    const wire = sealed.relay.recorded();
    assert.ok(wire.length > content.length, 'the whole file crossed the relay');
    assert.not.ok(wire.includes(Buffer.from('thermal exhaust port')), 'file contents in clear');
    assert.not.ok(wire.includes(Buffer.from(intro.key, 'hex')), 'the key');
    assert.not.ok(wire.includes(Buffer.from(intro.key)), 'the key as hex');

    // the same transfer with sealing off (benchmarks only): the search above would have found it
    const plain = await rig(scratch, { ...CONFIG, sealDatagrams: false });
    assert.ok((await transfer(plain, file, content.length)).r.isOk());
    assert.ok(plain.relay.recorded().includes(Buffer.from('thermal exhaust port')));
  }));

test('flipped bits in 20% of the datagrams, both ways: each is dropped unauthenticated, the file arrives intact', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const size = 1024 * 1024 + 7;
    const file = await writeSeededFile(src, 'plans.bin', size, 77);
    const run = await rig(scratch);
    const random = seededRandom(2024);
    const flipped: Record<Direction, number> = { forward: 0, backward: 0 };
    let backward = 0;
    // Forward a random fifth of the datagrams; backward every other one (there are few
    // acknowledgements, so a random fifth of them could be none).
    const tamper = (direction: Direction): boolean =>
      direction === 'forward' ? random() < 0.2 : backward++ % 2 === 0;
    run.relay.meddle = (direction, msg) => {
      // DONEs pass untouched: the presenter closes its socket on the first one, and as the
      // audience sends nothing after its DONE but more DONEs, every tampered datagram towards the
      // presenter has then arrived and been counted (the exact count below relies on it).
      if (msg[3] === DatagramType.Done || !tamper(direction)) return [msg];
      flipped[direction]++;
      const copy = Buffer.from(msg);
      // anywhere past the magic, version and type, so the damage is the AEAD's to find
      const bit = 32 + Math.floor(random() * (copy.length * 8 - 32));
      copy[bit >> 3]! ^= 1 << (bit & 7);
      return [copy];
    };
    const { r, s } = await transfer(run, file, size);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify({ r, s }));
    if (r.isErr() || s.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
    assert.ok(flipped.forward > 20 && flipped.backward > 0, JSON.stringify(flipped));
    // Each tampered datagram is dropped once, by authentication: as unauthenticated (a flip in the
    // packet number, body or tag) or as belonging to no transfer (a flip in the connection id).
    // Nothing else on the path feeds these counters, so they add up to exactly what was flipped:
    // a tampered datagram that got through would leave the sum short, a genuine one refused
    // would push it over.
    const presenter = s.value.stats;
    assert.is(
      presenter.droppedUnauthenticated + presenter.droppedForged,
      flipped.backward,
      'the presenter dropped exactly the tampered acknowledgements',
    );
    await eventually(() => {
      const c = run.b.counters();
      return c.unauthenticated + c.unknownTransfer === flipped.forward;
    }, 'the audience to have dropped exactly the tampered datagrams');
    assert.ok(r.value.stats.droppedUnauthenticated > 0, 'the audience dropped tampered datagrams');
    assert.is(run.b.counters().malformed, 0);
    assert.is(r.value.stats.droppedMalformed, 0, 'nothing tampered reached the transfer logic');
    assert.is(presenter.droppedMalformed, 0);
  }));

test('every datagram towards the audience tampered: the transfer fails and nothing is saved', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const size = 64 * 1024;
    const file = await writeSeededFile(src, 'plans.bin', size, 5);
    const run = await rig(scratch, {
      ...CONFIG,
      stallTimeoutMs: 600,
      offerTimeoutMs: 600,
      announceTimeoutMs: 600,
    });
    run.relay.meddle = (direction, msg) => {
      if (direction === 'backward') return [msg];
      const copy = Buffer.from(msg);
      copy[copy.length - 1]! ^= 0x01; // the last bit of the tag
      return [copy];
    };
    const { r, s } = await transfer(run, file, size);
    assert.ok(r.isErr() && s.isErr(), JSON.stringify({ r, s }));
    assert.ok(run.b.counters().unauthenticated > 0);
    assert.equal(await filesIn(run.dst), [], 'no file and no temp file');
  }));

test("datagrams replayed from another transfer (as they were, or relabelled with this one's id) never get in", () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const size = 512 * 1024;
    const first = await writeSeededFile(src, 'first.bin', size, 1);
    const second = await writeSeededFile(src, 'second.bin', size, 2);
    const run = await rig(scratch);
    const earlier = await transfer(run, first, size);
    assert.ok(earlier.r.isOk());
    const recordedForward = run.relay.seen
      .filter((s) => s.direction === 'forward')
      .map((s) => s.msg);
    let replayed = 0;
    run.relay.meddle = (direction, msg) => {
      if (direction === 'backward' || replayed >= recordedForward.length) return [msg];
      const old = recordedForward[replayed++]!;
      const relabelled = Buffer.from(old);
      connectionIdOf(msg).copy(relabelled, CONNECTION_ID_OFFSET); // now names this transfer
      return [old, relabelled, msg];
    };
    const unauthenticatedBefore = run.b.counters().unauthenticated;
    const { r, s } = await transfer(run, second, size);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify({ r, s }));
    if (r.isErr()) return;
    assert.is(
      await sha256File(r.value.path),
      await sha256File(second),
      "only the second file's bytes were saved",
    );
    assert.ok(replayed > 50, 'the relay did replay');
    assert.ok(
      run.b.counters().unauthenticated - unauthenticatedBefore >= Math.min(replayed, 10),
      'relabelled replays fail authentication',
    );
  }));

test('forged datagrams injected both ways (random bodies and tags with the right id) are dropped; the transfer completes', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const size = 1024 * 1024;
    const file = await writeSeededFile(src, 'plans.bin', size, 8);
    const run = await rig(scratch);
    let forgedForward = 0;
    const forge = (like: Buffer, type: number): Buffer => {
      const forged = randomBytes(PREAMBLE_BYTES + 8 + 64 + TAG_BYTES);
      like.copy(forged, 0, 0, CONNECTION_ID_OFFSET + CONNECTION_ID_BYTES); // magic, version, type, id
      forged[3] = type;
      return forged;
    };
    run.relay.meddle = (direction, msg) => {
      if (direction === 'forward') {
        forgedForward += 2;
        return [forge(msg, DatagramType.Data), msg, forge(msg, DatagramType.Fin)];
      }
      return [forge(msg, DatagramType.Done), msg];
    };
    const { r, s } = await transfer(run, file, size);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify({ r, s }));
    if (r.isErr() || s.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
    assert.ok(
      s.value.stats.droppedUnauthenticated > 0,
      'forged DONEs never convinced the presenter',
    );
    await eventually(
      () => run.b.counters().unauthenticated > forgedForward / 2,
      'the forgeries to be counted',
    );
  }));

test('a relay that drops 10% and tampers with another 10% still delivers the exact file; no packet number (nonce) repeats, retransmissions included', () =>
  withScratch(async (scratch) => {
    const src = await scratch.dir();
    const size = 1024 * 1024 + 3;
    const file = await writeSeededFile(src, 'plans.bin', size, 13);
    const run = await rig(scratch);
    const random = seededRandom(99);
    run.relay.meddle = (_direction, msg) => {
      const roll = random();
      if (roll < 0.1) return [];
      if (roll < 0.2) {
        const copy = Buffer.from(msg);
        copy[PREAMBLE_BYTES + Math.floor(random() * (copy.length - PREAMBLE_BYTES))]! ^= 0x80;
        return [copy];
      }
      return [msg];
    };
    const { r, s } = await transfer(run, file, size);
    assert.ok(r.isOk() && s.isOk(), JSON.stringify({ r, s }));
    if (r.isErr() || s.isErr()) return;
    assert.is(await sha256File(r.value.path), await sha256File(file));
    assert.ok(s.value.stats.retransmittedDatagrams > 0, 'losses were repaired by retransmission');
    for (const direction of ['forward', 'backward'] as const) {
      const numbers = run.relay.seen
        .filter((d) => d.direction === direction)
        .map((d) => readPreamble(d.msg)._unsafeUnwrap().packetNumber);
      assert.is(
        new Set(numbers).size,
        numbers.length,
        `${direction}: every datagram sealed with a fresh nonce`,
      );
    }
  }));

test.run();
