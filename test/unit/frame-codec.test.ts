import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame-codec.js';

const text = (frames: Buffer[]) => frames.map((f) => f.toString('utf8'));

test('a frame split across chunks is yielded once complete', () => {
  const frame = encodeFrame('{"t":"hello","v":1}');
  const decoder = new FrameDecoder();
  assert.equal(decoder.push(frame.subarray(0, 2))._unsafeUnwrap(), []);
  assert.equal(decoder.push(frame.subarray(2, 9))._unsafeUnwrap(), []);
  assert.equal(text(decoder.push(frame.subarray(9))._unsafeUnwrap()), ['{"t":"hello","v":1}']);
  assert.is(decoder.bufferedBytes, 0);
});

test('several frames in one chunk, plus the start of the next', () => {
  const a = encodeFrame('"a"');
  const b = encodeFrame('"héllo"');
  const c = encodeFrame('"c"');
  const decoder = new FrameDecoder();
  assert.equal(text(decoder.push(Buffer.concat([a, b, c.subarray(0, 5)]))._unsafeUnwrap()), [
    '"a"',
    '"héllo"',
  ]);
  assert.equal(text(decoder.push(c.subarray(5))._unsafeUnwrap()), ['"c"']);
});

test('an oversized header fails at once, and the decoder stays failed', () => {
  const decoder = new FrameDecoder(1024);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1025);
  const result = decoder.push(header);
  assert.ok(result.isErr());
  assert.equal(result._unsafeUnwrapErr(), { type: 'FrameTooLarge', size: 1025, max: 1024 });
  assert.ok(decoder.push(encodeFrame('"ok"')).isErr());
});

test('a zero-length frame is refused', () => {
  const decoder = new FrameDecoder();
  assert.equal(decoder.push(Buffer.alloc(4))._unsafeUnwrapErr(), { type: 'EmptyFrame' });
});

test('a frame exactly at the limit is accepted', () => {
  const payload = 'x'.repeat(1024);
  const decoder = new FrameDecoder(1024);
  assert.equal(decoder.push(encodeFrame(payload))._unsafeUnwrap().length, 1);
});

test.run();
