import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserlogBytes, type UserlogEntry } from '../../src/server/storage/userlog-writer.js';

const text = (entries: readonly UserlogEntry[]): string =>
  new UserlogBytes().format(entries).toString('utf8');

// The format as SPEC states it, written the obvious way: the bytes must match it exactly.
const expected = (entries: readonly UserlogEntry[]): string =>
  entries
    .map((e, i) => `${i + 1}; ${e.since}; ${e.username}; ${e.address}; ${e.udpPort}\n`)
    .join('');

const entry = (username: string, udpPort: number, address = '127.0.0.1'): UserlogEntry => ({
  username,
  since: '01 Jun 2023 15:00:01',
  address,
  udpPort,
});

test('userlog lines: seq from 1, every field, numbers of any width, non-ASCII names', () => {
  const entries = [
    entry('Yoda', 0),
    entry('Zoë', 9),
    entry('日本語', 10),
    entry('🦊fox', 65535, '::ffff:10.0.0.1'),
    entry('\ud800lone', 40000),
  ];
  // Byte for byte what the file held when the text was encoded whole (a lone surrogate too).
  assert.ok(new UserlogBytes().format(entries).equals(Buffer.from(expected(entries), 'utf8')));
  assert.is(text(entries.slice(0, 4)), expected(entries.slice(0, 4)));
  assert.is(text([]), '');
});

test('one buffer for many rewrites: it grows for a longer list, a shorter list leaves nothing behind', () => {
  const bytes = new UserlogBytes();
  const many = Array.from({ length: 1234 }, (_, i) => entry(`user${i}`, 1000 + i));
  assert.is(bytes.format(many).toString('utf8'), expected(many));
  const few = many.slice(0, 3);
  assert.is(bytes.format(few).toString('utf8'), expected(few));
  bytes.release();
  assert.is(bytes.format(few).toString('utf8'), expected(few));
});

test.run();
