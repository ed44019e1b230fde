// The datagram seal: what one side seals only the other side of the same transfer opens; every
// altered bit (header or body), a wrong key, or the wrong direction fails authentication; packet
// numbers (the nonces) never repeat, retransmissions included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  decodeDatagram,
  encodeAck,
  encodeDataHeader,
  encodeFin,
  readPreamble,
  PREAMBLE_BYTES,
  TAG_BYTES,
} from '../../src/p2p/datagram.js';
import { DatagramSeal, deriveTransferKeys } from '../../src/p2p/seal.js';

const key = randomBytes(32);
const pair = () => ({
  presenter: DatagramSeal.fromKey(key, 'presenter'),
  audience: DatagramSeal.fromKey(key, 'audience'),
});
const wire = (parts: Buffer[]): Buffer => Buffer.concat(parts);

test('both sides derive the same connection id; distinct keys per direction; nothing of the key in clear', () => {
  const keys = deriveTransferKeys(key);
  const { presenter, audience } = pair();
  assert.ok(presenter.connectionId.equals(audience.connectionId));
  assert.not.ok(keys.presenterToAudience.equals(keys.audienceToPresenter));
  assert.is(keys.connectionId.length, 8);
  assert.not.ok(key.toString('hex').includes(keys.connectionId.toString('hex')));
});

test('DATA sealed by the presenter opens at the audience with its payload intact, and the payload is not in clear', () => {
  const { presenter, audience } = pair();
  const payload = Buffer.from('the secret plans of the Death Star, chunk 7'.repeat(20));
  const sealed = wire(presenter.seal([encodeDataHeader(presenter.connectionId, 7, 3), payload]));
  assert.is(sealed.length, PREAMBLE_BYTES + 8 + payload.length + TAG_BYTES);
  assert.not.ok(sealed.includes(Buffer.from('Death Star')), 'the payload is encrypted');
  const d = audience.open(sealed)._unsafeUnwrap();
  assert.ok(d.type === 'Data' && d.seq === 7 && d.tx === 3 && d.payload.equals(payload));
});

test('a side cannot open its own direction, and another transfer cannot open this one', () => {
  const { presenter } = pair();
  const sealed = wire(presenter.seal([encodeFin(presenter.connectionId, Buffer.alloc(32, 1))]));
  assert.is(
    presenter.open(Buffer.from(sealed))._unsafeUnwrapErr().type, // open consumes what it is given
    'Unauthenticated',
    'reflected back at the presenter',
  );
  const other = DatagramSeal.fromKey(randomBytes(32), 'audience');
  assert.is(
    other.open(sealed)._unsafeUnwrapErr().type,
    'OtherTransfer',
    'another transfer ignores it by id',
  );
  // the same bytes re-labelled with the other transfer's id: the tag cannot match
  const relabelled = Buffer.from(sealed);
  other.connectionId.copy(relabelled, 4);
  assert.is(other.open(relabelled)._unsafeUnwrapErr().type, 'Unauthenticated');
});

test('flipping any single bit of a sealed datagram (header, body or tag) fails authentication or is refused', () => {
  const { presenter, audience } = pair();
  const sealed = wire(
    presenter.seal([
      encodeAck(presenter.connectionId, {
        cum: 3,
        top: 9,
        limit: 40,
        echoTx: 12,
        missing: [{ start: 4, end: 6 }],
      }),
    ]),
  );
  // Every bit, not a random sample (which drew about two thirds of them).
  for (let bit = 0; bit < sealed.length * 8; bit++) {
    const flipped = Buffer.from(sealed);
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    assert.ok(audience.open(flipped).isErr(), `bit ${bit} flipped still opens`);
  }
  assert.ok(audience.open(sealed).isOk(), 'the unaltered datagram still opens');
});

test('packet numbers increase with every datagram sealed, retransmissions of the same chunk included', () => {
  const { presenter } = pair();
  const payload = Buffer.alloc(100, 9);
  const numbers = [1, 2, 3].map(
    () =>
      readPreamble(
        wire(presenter.seal([encodeDataHeader(presenter.connectionId, 0, 1), payload])),
      )._unsafeUnwrap().packetNumber,
  );
  assert.equal(numbers, [0, 1, 2]);
  assert.is(presenter.packetsSealed, 3);
});

test('unsealed mode (benchmarks only) round trips without encryption', () => {
  const presenter = DatagramSeal.fromKey(key, 'presenter', false);
  const audience = DatagramSeal.fromKey(key, 'audience', false);
  const sealed = wire(presenter.seal([encodeFin(presenter.connectionId, Buffer.alloc(32, 2))]));
  assert.ok(decodeDatagram(sealed).isOk(), 'plain datagram');
  assert.is(audience.open(sealed)._unsafeUnwrap().type, 'Fin');
  assert.is(presenter.overheadBytes, 0);
});

test('property: random bytes given to open never throw', () => {
  const { audience } = pair();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, withId) => {
      const buf = Buffer.from(bytes);
      if (withId && buf.length >= PREAMBLE_BYTES) {
        buf.writeUInt16BE(0x5450, 0);
        buf[2] = 2;
        buf[3] = 1 + (buf[3]! % 6);
        audience.connectionId.copy(buf, 4);
      }
      const r = audience.open(buf);
      return r.isOk() || r.isErr();
    }),
    { numRuns: 2000, seed: 11 },
  );
});

test.run();
