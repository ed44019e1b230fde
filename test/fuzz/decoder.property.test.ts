// Property tests for the wire codec: whatever bytes arrive, in whatever chunks, the frame decoder
// and the message decoders answer with a neverthrow Result and never throw; valid frames survive
// any split of the stream unchanged.
import fc from 'fast-check';
import { Err, Ok, type Result } from 'neverthrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  type FrameError,
} from '../../src/protocol/frame-codec.js';
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  MAX_REQUEST_ID,
  type ClientMessage,
  type ServerMessage,
} from '../../src/protocol/messages.js';

const SEED = 0x7e55e9;
const run = <T>(property: fc.IProperty<T>, numRuns: number): void =>
  fc.assert(property, { seed: SEED, numRuns });

const isResult = (value: unknown): value is Result<unknown, unknown> =>
  value instanceof Ok || value instanceof Err;

/** Pushes every chunk; asserts each answer is a Result and that a failed decoder stays failed. */
function pushAll(
  decoder: FrameDecoder,
  chunks: readonly Uint8Array[],
): { frames: Buffer[]; error: FrameError | undefined } {
  const frames: Buffer[] = [];
  let error: FrameError | undefined;
  for (const chunk of chunks) {
    const result = decoder.push(Buffer.from(chunk));
    assert.ok(isResult(result), 'push returns a Result');
    if (result.isErr()) {
      if (error)
        assert.equal(result.error, error, 'a failed decoder keeps reporting the same failure');
      error = result.error;
    } else {
      assert.is(error, undefined, 'no frame after a failure');
      frames.push(...result.value.map((f) => Buffer.from(f)));
    }
  }
  return { frames, error };
}

/** Splits `bytes` at the given cut points (any numbers: they are reduced modulo the length). */
function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  if (bytes.length === 0) return [bytes];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p)); // empty chunks included on purpose
    from = p;
  }
  return chunks;
}

/**
 * Reference model of the framing: reads frames from the whole stream at once.
 * Returns the frames, the error (if the stream holds a bad header) and the leftover byte count.
 */
function referenceFrames(
  stream: Buffer,
  max: number,
): { frames: Buffer[]; error: FrameError | undefined; leftover: number } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (stream.length - offset >= FRAME_HEADER_BYTES) {
    const size = stream.readUInt32BE(offset);
    if (size === 0) return { frames, error: { type: 'EmptyFrame' }, leftover: 0 };
    if (size > max) return { frames, error: { type: 'FrameTooLarge', size, max }, leftover: 0 };
    if (offset + FRAME_HEADER_BYTES + size > stream.length) break;
    frames.push(stream.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + size));
    offset += FRAME_HEADER_BYTES + size;
  }
  return { frames, error: undefined, leftover: stream.length - offset };
}

const header = (size: number): Buffer => {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  h.writeUInt32BE(size >>> 0);
  return h;
};

// ---------- arbitraries ----------

/** Any UTF-16 code unit, lone surrogates and controls included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((n) => String.fromCharCode(n));
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
  fc.string({ unit: controlChar, maxLength: 20 }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    'hello',
    'req',
    'res',
    'ev',
    'welcome',
    '\u0000',
    '\ud800',
    '\udfff',
    '😀',
    '\u202e',
  ),
);

const maxFrame = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.integer({ min: 1, max: 4096 }),
  fc.constant(DEFAULT_MAX_FRAME_BYTES),
);

/** Pieces of a stream: good frames, bad headers, truncated frames, raw noise. */
const streamPiece = (max: number) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: Math.min(max, 300) })
        .map((p) => Buffer.concat([header(p.length), p])),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: max + 1, max: 0xffffffff }).map((size) => header(size)),
    },
    { weight: 1, arbitrary: fc.constant(header(0)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: max }).map((size) => header(size)) }, // a header whose body never comes
  );

const streamCase = maxFrame.chain((max) =>
  fc.record({
    max: fc.constant(max),
    pieces: fc.array(streamPiece(max), { maxLength: 12 }),
    cuts: fc.array(fc.nat(), { maxLength: 20 }),
  }),
);

const requestArb: fc.Arbitrary<ClientMessage> = fc.record({
  t: fc.constant('req' as const),
  id: fc.integer({ min: 0, max: MAX_REQUEST_ID }),
  cmd: nastyString.filter((s) => s.length >= 1 && s.length <= 32),
  args: fc.array(nastyString, { maxLength: 64 }),
});
const helloArb: fc.Arbitrary<ClientMessage> = fc
  .record({ v: fc.integer(), agent: fc.option(nastyString, { nil: undefined }) })
  .map(({ v, agent }) => ({
    t: 'hello' as const,
    v,
    ...(agent ? { agent: agent.slice(0, 100) } : {}),
  }));
const clientMessageArb = fc.oneof(requestArb, helloArb);

const serverMessageArb: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({
    t: fc.constant('welcome' as const),
    v: fc.integer(),
    limits: fc.record({ maxFrameBytes: fc.nat(), maxMessageLength: fc.nat() }),
  }),
  fc.record({
    t: fc.constant('res' as const),
    id: fc.integer(),
    ok: fc.constant(true as const),
    data: fc.jsonValue({ maxDepth: 4 }),
  }),
  fc.record({
    t: fc.constant('res' as const),
    id: fc.integer(),
    ok: fc.constant(false as const),
    error: fc.record(
      { code: fc.constantFrom(...ERROR_CODES), user: fc.option(nastyString, { nil: undefined }) },
      { requiredKeys: ['code'] },
    ),
  }),
  fc.record({
    t: fc.constant('ev' as const),
    ev: nastyString,
    text: nastyString,
    extra: fc.jsonValue({ maxDepth: 3 }),
  }),
);

/** What the client decoder is expected to return for a message it was given. */
const normalized = (message: ClientMessage): unknown => JSON.parse(encodeMessage(message));

const nested = (depth: number, open: string, close: string, core = '1'): string =>
  open.repeat(depth) + core + close.repeat(depth);

// ---------- properties ----------

test('FrameDecoder.push never throws on random byte chunks, always returns a Result, and stays failed after a failure', () => {
  run(
    fc.property(
      maxFrame,
      fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 20 }),
      (max, chunks) => {
        const decoder = new FrameDecoder(max);
        const { frames } = pushAll(decoder, chunks);
        for (const f of frames)
          assert.ok(f.length >= 1 && f.length <= max, 'every frame is within the limit');
        assert.ok(
          decoder.bufferedBytes < FRAME_HEADER_BYTES + max,
          'the decoder never holds more than one frame in progress',
        );
      },
    ),
    2000,
  );
});

test('random chunked streams (frames, truncated frames, bad headers, noise) decode as the reference model says', () => {
  run(
    fc.property(streamCase, ({ max, pieces, cuts }) => {
      const stream = Buffer.concat(pieces);
      const expected = referenceFrames(stream, max);
      const decoder = new FrameDecoder(max);
      const got = pushAll(decoder, splitAt(stream, cuts));
      if (expected.error) {
        assert.equal(got.error, expected.error, 'the same failure as the reference');
        // Frames completed in earlier chunks are yielded; those sharing a chunk with the bad header are not.
        assert.ok(got.frames.length <= expected.frames.length);
        got.frames.forEach((f, i) =>
          assert.ok(f.equals(expected.frames[i] ?? Buffer.alloc(0)), `frame ${i} matches`),
        );
        assert.is(decoder.bufferedBytes, 0, 'a failed decoder holds nothing');
      } else {
        assert.is(got.error, undefined);
        assert.is(got.frames.length, expected.frames.length);
        got.frames.forEach((f, i) =>
          assert.ok(f.equals(expected.frames[i] ?? Buffer.alloc(0)), `frame ${i} matches`),
        );
        assert.is(decoder.bufferedBytes, expected.leftover);
      }
      for (const f of got.frames) {
        assert.ok(isResult(decodeClientMessage(f)));
        assert.ok(isResult(decodeServerMessage(f)));
      }
    }),
    2000,
  );
});

test('an oversized header is refused from the header alone, however it is split', () => {
  run(
    fc.property(
      fc.integer({ min: 1024, max: 1 << 20 }),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      (max, excess, cutA, cutB) => {
        const size = Math.min(0xffffffff, max + 1 + excess);
        const chunks = splitAt(header(size), [cutA, cutB]);
        const decoder = new FrameDecoder(max);
        const { error, frames } = pushAll(decoder, chunks);
        assert.equal(frames, []);
        assert.equal(error, { type: 'FrameTooLarge', size, max });
      },
    ),
    500,
  );
});

test('decodeClientMessage and decodeServerMessage never throw on random bytes', () => {
  run(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const buffer = Buffer.from(bytes);
      const c = decodeClientMessage(buffer);
      const s = decodeServerMessage(buffer);
      assert.ok(isResult(c) && isResult(s));
    }),
    3000,
  );
});

test('decoders never throw on random JSON values, and accept only the documented shapes', () => {
  const anyJson = fc.oneof(
    fc.jsonValue({ maxDepth: 6 }),
    fc.record(
      {
        t: fc.constantFrom('hello', 'req', 'res', 'ev', 'welcome'),
        v: fc.jsonValue({ maxDepth: 2 }),
        id: fc.jsonValue({ maxDepth: 2 }),
        cmd: fc.jsonValue({ maxDepth: 2 }),
        args: fc.jsonValue({ maxDepth: 3 }),
        ok: fc.jsonValue({ maxDepth: 1 }),
        error: fc.jsonValue({ maxDepth: 2 }),
        ev: fc.jsonValue({ maxDepth: 1 }),
        limits: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['t'] },
    ),
  );
  run(
    fc.property(anyJson, (value) => {
      const frame = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
      const c = decodeClientMessage(frame);
      const s = decodeServerMessage(frame);
      assert.ok(isResult(c) && isResult(s));
      if (c.isOk()) {
        const m = c.value;
        if (m.t === 'req') {
          assert.ok(Number.isInteger(m.id) && m.id >= 0 && m.id <= MAX_REQUEST_ID);
          assert.ok(typeof m.cmd === 'string' && m.cmd.length >= 1 && m.cmd.length <= 32);
          assert.ok(Array.isArray(m.args) && m.args.every((a) => typeof a === 'string'));
        } else {
          assert.is(m.t, 'hello');
          assert.ok(Number.isInteger(m.v));
          assert.ok(
            m.agent === undefined || (typeof m.agent === 'string' && m.agent.length <= 100),
          );
        }
      }
      if (c.isErr()) assert.ok(c.error.type === 'NotJson' || c.error.type === 'BadShape');
      if (s.isErr()) assert.ok(s.error.type === 'NotJson' || s.error.type === 'BadShape');
    }),
    3000,
  );
});

test('deeply nested JSON and huge strings neither throw nor hang the decoders', () => {
  const cases: string[] = [];
  for (const depth of [1_000, 32_000, 200_000]) {
    cases.push(nested(depth, '[', ']'));
    cases.push(nested(depth, '{"a":', '}'));
    cases.push(`{"t":"req","id":1,"cmd":"msgto","args":${nested(depth, '[', ']', '"x"')}}`);
    cases.push(`{"t":"res","id":1,"ok":true,"data":${nested(depth, '{"d":', '}')}}`);
    cases.push(nested(depth, '[', '')); // unterminated
  }
  const huge = 'é'.repeat(2 * 1024 * 1024);
  cases.push(`{"t":"req","id":1,"cmd":"msgto","args":["Obi-wan","${huge}"]}`);
  cases.push(`{"t":"hello","v":1,"agent":"${huge}"}`);
  cases.push(`{"t":"ev","ev":"${huge}"}`);
  cases.push(`"${huge}`);
  for (const text of cases) {
    const frame = Buffer.from(text, 'utf8');
    const c = decodeClientMessage(frame);
    const s = decodeServerMessage(frame);
    assert.ok(isResult(c) && isResult(s), text.slice(0, 40));
  }
  const hello = decodeClientMessage(Buffer.from(`{"t":"hello","v":1,"agent":"${huge}"}`));
  assert.ok(hello.isOk());
  assert.ok(
    hello._unsafeUnwrap().t === 'hello' &&
      (hello._unsafeUnwrap() as { agent: string }).agent.length === 100,
    'the agent is cut to 100 characters',
  );
  // Random depths through the frame decoder as well.
  run(
    fc.property(
      fc.integer({ min: 1, max: 30_000 }),
      fc.constantFrom('[', '{"k":'),
      fc.nat(),
      (depth, open, cut) => {
        const close = open === '[' ? ']' : '}';
        const frame = encodeFrame(nested(depth, open, close));
        const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES * 4);
        const { frames, error } = pushAll(decoder, splitAt(frame, [cut]));
        assert.is(error, undefined);
        assert.is(frames.length, 1);
        assert.ok(isResult(decodeClientMessage(frames[0] ?? Buffer.alloc(0))));
        assert.ok(isResult(decodeServerMessage(frames[0] ?? Buffer.alloc(0))));
      },
    ),
    50,
  );
});

test('a valid client frame split at any point decodes to the same message', () => {
  run(
    fc.property(clientMessageArb, fc.array(fc.nat(), { maxLength: 4 }), (message, cuts) => {
      const frame = encodeFrame(encodeMessage(message));
      fc.pre(frame.length - FRAME_HEADER_BYTES <= DEFAULT_MAX_FRAME_BYTES);
      const { frames, error } = pushAll(new FrameDecoder(), splitAt(frame, cuts));
      assert.is(error, undefined);
      assert.is(frames.length, 1);
      const decoded = decodeClientMessage(frames[0] ?? Buffer.alloc(0));
      assert.ok(decoded.isOk(), JSON.stringify(decoded));
      assert.equal(decoded._unsafeUnwrap(), normalized(message));
    }),
    1500,
  );
});

test('every split point of one frame, exhaustively, yields the frame once', () => {
  run(
    fc.property(requestArb, (message) => {
      const frame = encodeFrame(encodeMessage(message));
      fc.pre(frame.length <= 2000);
      for (let cut = 0; cut <= frame.length; cut++) {
        const { frames } = pushAll(new FrameDecoder(), [
          frame.subarray(0, cut),
          frame.subarray(cut),
        ]);
        assert.is(frames.length, 1);
        assert.equal(
          decodeClientMessage(frames[0] ?? Buffer.alloc(0))._unsafeUnwrap(),
          normalized(message),
        );
      }
    }),
    60,
  );
});

test('a valid server frame split at any point decodes to the same message', () => {
  run(
    fc.property(serverMessageArb, fc.array(fc.nat(), { maxLength: 4 }), (message, cuts) => {
      const frame = encodeFrame(encodeMessage(message));
      const { frames } = pushAll(new FrameDecoder(16 * 1024 * 1024), splitAt(frame, cuts));
      assert.is(frames.length, 1);
      const decoded = decodeServerMessage(frames[0] ?? Buffer.alloc(0));
      assert.ok(decoded.isOk(), JSON.stringify(decoded));
      assert.equal(decoded._unsafeUnwrap(), JSON.parse(encodeMessage(message)));
    }),
    1500,
  );
});

test('frames concatenated then split arbitrarily decode to the same sequence', () => {
  run(
    fc.property(
      fc.array(clientMessageArb, { minLength: 1, maxLength: 25 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (messages, cuts) => {
        const frames = messages.map((m) => encodeFrame(encodeMessage(m)));
        fc.pre(frames.every((f) => f.length - FRAME_HEADER_BYTES <= DEFAULT_MAX_FRAME_BYTES));
        const decoder = new FrameDecoder();
        const got = pushAll(decoder, splitAt(Buffer.concat(frames), cuts));
        assert.is(got.error, undefined);
        assert.is(decoder.bufferedBytes, 0);
        assert.equal(
          got.frames.map((f) => decodeClientMessage(f)._unsafeUnwrap()),
          messages.map(normalized),
        );
      },
    ),
    800,
  );
});

test('one byte at a time: a stream of frames decodes to the same sequence', () => {
  run(
    fc.property(fc.array(clientMessageArb, { minLength: 1, maxLength: 5 }), (messages) => {
      const stream = Buffer.concat(messages.map((m) => encodeFrame(encodeMessage(m))));
      fc.pre(stream.length <= 20_000);
      const chunks = Array.from(stream, (b) => Uint8Array.of(b));
      const got = pushAll(new FrameDecoder(), chunks);
      assert.equal(
        got.frames.map((f) => decodeClientMessage(f)._unsafeUnwrap()),
        messages.map(normalized),
      );
    }),
    100,
  );
});

test.run();
