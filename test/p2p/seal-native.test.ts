// The native AES-256-GCM (native/aes_gcm.c) and node:crypto seal the same bytes: what one seals
// the other opens, in both directions, and the native path refuses what it must (an altered bit,
// another key, other associated data). With CI_REQUIRE_NATIVE_SEAL=1 (CI) the addon must be the
// one in use: a build that silently fell back to node:crypto fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import {
  encodeAck,
  encodeDataHeader,
  encodeFin,
  PREAMBLE_BYTES,
  TAG_BYTES,
} from '../../src/p2p/datagram.js';
import { nativeAesGcm } from '../../src/p2p/aes-gcm-native.js';
import {
  DEFAULT_SEAL_CIPHER,
  DatagramSeal,
  deriveTransferKeys,
  type SealCipher,
} from '../../src/p2p/seal.js';

const available = nativeAesGcm.binding !== null;

if (process.env.CI_REQUIRE_NATIVE_SEAL === '1')
  test('CI_REQUIRE_NATIVE_SEAL=1: the native addon is built, loads and is what seals', () => {
    assert.is(nativeAesGcm.reason, null, `native AES-GCM not active: ${nativeAesGcm.reason}`);
    assert.is(DEFAULT_SEAL_CIPHER, 'native');
    assert.is(DatagramSeal.fromKey(randomBytes(32), 'presenter').cipher, 'native');
  });

if (!available) {
  console.log(`SKIPPED: native AES-GCM not built (${nativeAesGcm.reason})`);
  test.run();
} else {
  const key = randomBytes(32);
  const keys = deriveTransferKeys(key);
  // The man-in-the-middle start (far above 0) also checks that nonces above 2^32 agree.
  const side = (role: 'presenter' | 'audience', cipher: SealCipher, first = 0) =>
    new DatagramSeal(keys, role, true, first, cipher);
  const wire = (parts: Buffer[]): Buffer => Buffer.concat(parts);
  const datagrams = (connectionId: Buffer): Buffer[][] => [
    [encodeDataHeader(connectionId, 7, 3), randomBytes(65_443)],
    [encodeDataHeader(connectionId, 0, 1), randomBytes(1)],
    [encodeDataHeader(connectionId, 9, 2), Buffer.alloc(0)],
    [encodeFin(connectionId, randomBytes(32))],
    [
      encodeAck(connectionId, {
        cum: 3,
        top: 9,
        limit: 40,
        echoTx: 12,
        missing: [{ start: 4, end: 6 }],
      }),
    ],
  ];

  for (const [from, to] of [
    ['native', 'node'],
    ['node', 'native'],
  ] as const) {
    test(`sealed by ${from}, opened by ${to}: the same bytes on the wire, the same plaintext`, () => {
      for (const first of [0, 2 ** 32 - 2, 2 ** 40 + 5]) {
        const sealer = side('presenter', from, first);
        const twin = side('presenter', to, first); // the other implementation, same numbers
        const opener = side('audience', to);
        for (const parts of datagrams(sealer.connectionId)) {
          const plain = wire(parts.map((p) => Buffer.from(p)));
          const sealed = wire(sealer.seal(parts.map((p) => Buffer.from(p))));
          const again = wire(twin.seal(parts.map((p) => Buffer.from(p))));
          assert.ok(sealed.equals(again), `byte for byte, packet ${first}`);
          assert.is(sealed.length, plain.length + TAG_BYTES);
          const opened = opener.unseal(sealed)._unsafeUnwrap();
          assert.ok(opened.subarray(PREAMBLE_BYTES).equals(plain.subarray(PREAMBLE_BYTES)));
          // open too authenticates (a DATA without payload then fails to decode: Malformed)
          const r = opener.open(Buffer.from(sealed));
          assert.ok(r.isOk() || r.error.type === 'Malformed', JSON.stringify(r.isErr() && r.error));
        }
      }
    });
  }

  test('native open: every flipped bit, another key, the other direction and other associated data fail', () => {
    const presenter = side('presenter', 'node');
    const audience = side('audience', 'native');
    const sealed = wire(
      presenter.seal([encodeDataHeader(presenter.connectionId, 1, 1), randomBytes(40)]),
    );
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const flipped = Buffer.from(sealed);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.ok(audience.open(flipped).isErr(), `bit ${bit} flipped still opens`);
    }
    // another key: a transfer whose keys are other but whose connection id is this one's
    const otherKeys = { ...deriveTransferKeys(randomBytes(32)), connectionId: keys.connectionId };
    const stranger = new DatagramSeal(otherKeys, 'audience', true, 0, 'native');
    assert.is(stranger.open(Buffer.from(sealed))._unsafeUnwrapErr().type, 'Unauthenticated');
    // the presenter's own direction (the other key of the same transfer)
    const mirror = side('presenter', 'native');
    assert.is(mirror.open(Buffer.from(sealed))._unsafeUnwrapErr().type, 'Unauthenticated');
    // other associated data: the packet number in the preamble (so the nonce too), and the type
    const renumbered = Buffer.from(sealed);
    renumbered.writeUInt32BE(renumbered.readUInt32BE(16) + 1, 16);
    assert.is(audience.open(renumbered)._unsafeUnwrapErr().type, 'Unauthenticated');
    assert.ok(audience.open(Buffer.from(sealed)).isOk(), 'the unaltered datagram opens');
  });

  test('a packet number no seal uses (2^53 and above) does not open, on either path', () => {
    for (const cipher of ['native', 'node'] as const) {
      const presenter = side('presenter', cipher);
      const audience = side('audience', cipher);
      const sealed = wire(presenter.seal([encodeFin(presenter.connectionId, randomBytes(32))]));
      for (const high of [0x200000, 0xffffffff]) {
        const forged = Buffer.from(sealed);
        forged.writeUInt32BE(high, 12);
        assert.is(audience.open(forged)._unsafeUnwrapErr().type, 'Unauthenticated', cipher);
      }
    }
  });

  test('native open decrypts in place: the payload is a view of the received buffer', () => {
    const presenter = side('presenter', 'native');
    const audience = side('audience', 'native');
    const payload = randomBytes(1000);
    const received = wire(
      presenter.seal([encodeDataHeader(presenter.connectionId, 2, 1), payload]),
    );
    const d = audience.open(received)._unsafeUnwrap();
    assert.ok(d.type === 'Data' && d.payload.equals(payload));
    assert.ok(d.type === 'Data' && d.payload.buffer === received.buffer, 'no second buffer');
  });

  test('unseal leaves the sealed buffer as it was', () => {
    const presenter = side('presenter', 'native');
    const audience = side('audience', 'native');
    const sealed = wire(presenter.seal([encodeFin(presenter.connectionId, randomBytes(32))]));
    const copy = Buffer.from(sealed);
    assert.ok(audience.unseal(sealed).isOk());
    assert.ok(sealed.equals(copy));
  });

  test('recycle: a native seal seals into the buffers given back; other paths keep nothing', () => {
    const presenter = side('presenter', 'native');
    const audience = side('audience', 'native');
    const payload = randomBytes(500);
    const data = () => [encodeDataHeader(presenter.connectionId, 1, 1), payload];
    const first = presenter.seal(data());
    const copy = Buffer.from(first[0]!);
    presenter.recycle(first);
    const second = presenter.seal(data());
    assert.is(second[0], first[0], 'the same buffer, sealed into again');
    assert.not.ok(second[0]!.equals(copy), 'under the next packet number');
    const d = audience.open(Buffer.from(second[0]!))._unsafeUnwrap();
    assert.ok(d.type === 'Data' && d.payload.equals(payload));
    // a size never given back gets a fresh buffer
    const fin = presenter.seal([encodeFin(presenter.connectionId, randomBytes(32))]);
    assert.is.not(fin[0], second[0]);
    for (const cipher of ['node', 'unsealed'] as const) {
      const other =
        cipher === 'node' ? side('presenter', 'node') : new DatagramSeal(keys, 'presenter', false);
      const sent = other.seal(data());
      other.recycle(sent);
      const next = other.seal(data());
      assert.ok(
        next.every((b) => !sent.includes(b) || b === payload),
        `${cipher}: nothing it returned is handed out again`,
      );
    }
  });

  test('the binding refuses buffers of the wrong size instead of writing past them', () => {
    const binding = nativeAesGcm.binding!;
    const ctx = binding.context(randomBytes(32), true);
    const head = Buffer.alloc(30);
    assert.throws(() => binding.seal(ctx, 0, head, 20, null, Buffer.alloc(30 + TAG_BYTES - 1)));
    assert.throws(() => binding.seal(ctx, 0, head, 31, null, Buffer.alloc(30 + TAG_BYTES)));
    assert.throws(() => binding.context(randomBytes(16), true), /32-byte/);
    const opener = binding.context(randomBytes(32), false);
    assert.throws(() => binding.open(opener, 0, Buffer.alloc(35), 20, Buffer.alloc(0)));
    assert.throws(() => binding.open(opener, 0, Buffer.alloc(36), 20, Buffer.alloc(1)));
  });

  test.run();
}
