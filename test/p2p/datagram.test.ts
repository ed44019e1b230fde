// The datagram codec: round trips, every rejection path, and the promise that arbitrary bytes
// never throw (they decode to ok or err, and the caller counts the err).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  AbortReason,
  DATA_HEADER_BYTES,
  MAX_DATAGRAM_BYTES,
  decodeDatagram,
  encodeAbort,
  encodeAck,
  encodeDataHeader,
  encodeDone,
  encodeFin,
  encodeHello,
  maxAckRanges,
} from '../../src/p2p/datagram.js';

const connectionId = Buffer.from('0011223344556677', 'hex');

test('HELLO round trip', () => {
  const d = decodeDatagram(encodeHello(connectionId, 2 ** 40 + 5, 65_479))._unsafeUnwrap();
  assert.ok(
    d.type === 'Hello' &&
      d.size === 2 ** 40 + 5 &&
      d.chunkBytes === 65_479 &&
      d.connectionId.equals(connectionId),
  );
});

test('DATA round trip keeps the payload', () => {
  const payload = Buffer.from('hello world');
  const d = decodeDatagram(
    Buffer.concat([encodeDataHeader(connectionId, 7, 42), payload]),
  )._unsafeUnwrap();
  assert.ok(d.type === 'Data' && d.seq === 7 && d.tx === 42 && d.payload.equals(payload));
});

test('ACK round trip with missing ranges', () => {
  const ack = {
    cum: 10,
    top: 30,
    limit: 100,
    echoTx: 99,
    missing: [
      { start: 12, end: 14 },
      { start: 20, end: 21 },
    ],
  };
  const d = decodeDatagram(encodeAck(connectionId, ack))._unsafeUnwrap();
  assert.ok(d.type === 'Ack');
  if (d.type !== 'Ack') return;
  assert.equal(
    { cum: d.cum, top: d.top, limit: d.limit, echoTx: d.echoTx, missing: d.missing },
    ack,
  );
  assert.ok(maxAckRanges(1200) > 100, 'an ACK of the smallest datagram still carries many ranges');
});

test('FIN, DONE, ABORT round trip', () => {
  const sha = Buffer.alloc(32, 7);
  const fin = decodeDatagram(encodeFin(connectionId, sha))._unsafeUnwrap();
  assert.ok(fin.type === 'Fin' && fin.sha256.equals(sha));
  assert.is(decodeDatagram(encodeDone(connectionId))._unsafeUnwrap().type, 'Done');
  const abort = decodeDatagram(encodeAbort(connectionId, AbortReason.DiskError))._unsafeUnwrap();
  assert.ok(abort.type === 'Abort' && abort.reason === AbortReason.DiskError);
});

test('rejections: short, magic, version, type, lengths, fields', () => {
  const kind = (buf: Buffer) => decodeDatagram(buf)._unsafeUnwrapErr().type;
  assert.is(kind(Buffer.alloc(5)), 'TooShort');
  const hello = encodeHello(connectionId, 1, 1172);
  assert.is(kind(Buffer.concat([Buffer.from([0, 0]), hello.subarray(2)])), 'BadMagic');
  const v1 = Buffer.from(hello);
  v1[2] = 1; // the unsealed format of old clients
  assert.is(kind(v1), 'BadVersion');
  const t9 = Buffer.from(hello);
  t9[3] = 9;
  assert.is(kind(t9), 'UnknownType');
  assert.is(kind(hello.subarray(0, hello.length - 1)), 'BadLength');
  assert.is(kind(encodeHello(connectionId, 1, 10)), 'BadField', 'chunk size below the minimum');
  assert.is(kind(encodeDataHeader(connectionId, 1, 1)), 'BadLength', 'DATA without payload');
  assert.is(
    kind(
      Buffer.concat([
        encodeDataHeader(connectionId, 1, 1),
        Buffer.alloc(MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES + 1),
      ]),
    ),
    'BadLength',
  );
  assert.is(
    kind(encodeAck(connectionId, { cum: 5, top: 3, limit: 9, echoTx: 0, missing: [] })),
    'BadField',
    'top below cum',
  );
  assert.is(
    kind(
      encodeAck(connectionId, {
        cum: 0,
        top: 9,
        limit: 9,
        echoTx: 0,
        missing: [{ start: 4, end: 2 }],
      }),
    ),
    'BadField',
    'empty range',
  );
  assert.is(
    kind(
      encodeAck(connectionId, {
        cum: 0,
        top: 9,
        limit: 9,
        echoTx: 0,
        missing: [
          { start: 4, end: 6 },
          { start: 5, end: 7 },
        ],
      }),
    ),
    'BadField',
    'overlapping ranges',
  );
  assert.is(
    kind(
      encodeAck(connectionId, {
        cum: 0,
        top: 9,
        limit: 9,
        echoTx: 0,
        missing: [{ start: 4, end: 10 }],
      }),
    ),
    'BadField',
    'range past top',
  );
  const ack = encodeAck(connectionId, {
    cum: 0,
    top: 9,
    limit: 9,
    echoTx: 0,
    missing: [{ start: 1, end: 2 }],
  });
  assert.is(kind(ack.subarray(0, ack.length - 1)), 'BadLength');
  const abort = encodeAbort(connectionId, AbortReason.Cancelled);
  abort[20] = 200;
  assert.is(kind(abort), 'BadField');
});

test('property: arbitrary bytes never throw and always give a Result', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
      const r = decodeDatagram(Buffer.from(bytes));
      return r.isOk() || r.isErr();
    }),
    { numRuns: 2000, seed: 42 },
  );
});

test('property: a valid preamble followed by random bytes never throws either', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 8 }),
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      (type, body) => {
        const head = Buffer.from(encodeDone(connectionId));
        head[3] = type;
        const r = decodeDatagram(Buffer.concat([head, Buffer.from(body)]));
        return r.isOk() || r.isErr();
      },
    ),
    { numRuns: 3000, seed: 7 },
  );
});

test('property: ACKs round trip for any well-formed range list', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      (points, echoTx) => {
        const sorted = [...points].sort((x, y) => x - y);
        const missing = [];
        for (let i = 0; i + 1 < sorted.length; i += 2)
          missing.push({ start: sorted[i]!, end: sorted[i + 1]! });
        const top = (sorted.at(-1) ?? 0) + 1;
        const d = decodeDatagram(
          encodeAck(connectionId, { cum: 0, top, limit: top, echoTx, missing }),
        )._unsafeUnwrap();
        return (
          d.type === 'Ack' &&
          d.echoTx === echoTx &&
          JSON.stringify(d.missing) === JSON.stringify(missing)
        );
      },
    ),
    { seed: 3 },
  );
});

test.run();
