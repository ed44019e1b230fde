import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeClientMessage, decodeServerMessage } from '../../src/protocol/messages.js';

const dec = (value: string) => decodeClientMessage(Buffer.from(value));

test('valid hello and request decode', () => {
  assert.equal(dec('{"t":"hello","v":1}')._unsafeUnwrap(), { t: 'hello', v: 1 });
  assert.equal(dec('{"t":"req","id":3,"cmd":"msgto","args":["a","b c"]}')._unsafeUnwrap(), {
    t: 'req',
    id: 3,
    cmd: 'msgto',
    args: ['a', 'b c'],
  });
});

test('malformed input is an error value, never an exception', () => {
  for (const bad of [
    '',
    'nope',
    '[]',
    'null',
    '{"t":"req"}',
    '{"t":"req","id":-1,"cmd":"x","args":[]}',
    '{"t":"req","id":1,"cmd":"x","args":[1]}',
    '{"t":"req","id":1.5,"cmd":"x","args":[]}',
    '{"t":"req","id":1,"cmd":"","args":[]}',
    '{"t":"bye"}',
    '{"t":"hello","v":"1"}',
  ]) {
    assert.ok(dec(bad).isErr(), bad);
  }
  assert.ok(decodeClientMessage(Buffer.from([0xff, 0xfe, 0x00])).isErr());
});

test('server messages: unknown error codes are refused', () => {
  assert.ok(
    decodeServerMessage(
      Buffer.from('{"t":"res","id":1,"ok":false,"error":{"code":"NOPE"}}'),
    ).isErr(),
  );
  assert.ok(
    decodeServerMessage(
      Buffer.from('{"t":"res","id":1,"ok":false,"error":{"code":"USER_OFFLINE","user":"x"}}'),
    ).isOk(),
  );
});

test.run();
