import fc from 'fast-check';
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

test('rewrite after rewrite, whatever the list became, the bytes are the whole list formatted anew', () => {
  // The case a check of the last line alone would get wrong: the same line in the same place,
  // with the lines before it changed.
  const bytes = new UserlogBytes();
  const [a, u, x] = [entry('A', 1), entry('U', 2), entry('X', 3)];
  bytes.format([a, u]);
  assert.is(bytes.format([x, { ...u }]).toString('utf8'), expected([x, u]));
  // Logins append; logouts remove anywhere; a shared backend hands out equal but new objects; a
  // user may log out and in again within the same second (an equal entry, somewhere else).
  const change = fc.oneof(
    fc.record({ kind: fc.constant('login' as const), port: fc.nat(70000) }),
    fc.record({ kind: fc.constant('logout' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('fresh copies' as const) }),
    fc.record({ kind: fc.constant('again' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('release' as const) }),
  );
  fc.assert(
    fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
      const rewrites = new UserlogBytes();
      let list: UserlogEntry[] = [];
      let next = 0;
      for (const c of changes) {
        if (c.kind === 'login') list = [...list, entry(`user${next++}`, c.port)];
        else if (c.kind === 'logout' && list.length > 0)
          list = list.filter((_, i) => i !== c.at % list.length);
        else if (c.kind === 'fresh copies') list = list.map((e) => ({ ...e }));
        else if (c.kind === 'again' && list.length > 0) {
          const user = list[c.at % list.length]!;
          list = [...list.filter((e) => e !== user), { ...user }];
        } else if (c.kind === 'release') rewrites.release();
        assert.is(rewrites.format(list).toString('utf8'), expected(list));
      }
    }),
  );
});

test.run();
