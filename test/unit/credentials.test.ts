import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCredentials } from '../../src/server/credentials.js';

test('CRLF, blank lines, trailing spaces and symbols are accepted', () => {
  const parsed = parseCredentials(
    'Yoda wise@!manbaby\r\n\r\n  \nObi-wan 666sithlord**   \r\n\n',
    'c.txt',
  )._unsafeUnwrap();
  assert.equal(
    [...parsed],
    [
      ['Yoda', 'wise@!manbaby'],
      ['Obi-wan', '666sithlord**'],
    ],
  );
});

test('usernames and passwords are case-sensitive', () => {
  const parsed = parseCredentials('yoda a\nYoda A\n', 'c.txt')._unsafeUnwrap();
  assert.is(parsed.get('yoda'), 'a');
  assert.is(parsed.get('Yoda'), 'A');
});

test('malformed lines name file and line', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['Yoda\n', 1, /single space/],
    ['Yoda a\nObi-wan  two\n', 2, /single space/],
    ['Yoda a b\n', 1, /single space/],
    ['Yoda a\n\nYoda b\n', 3, /duplicate username "Yoda"/],
    [' Yoda a\n', 1, /single space/],
    ['Yoda\ta\n', 1, /single space/],
    ['Yoda a\u0007b\n', 1, /printable/],
  ];
  for (const [text, line, reason] of cases) {
    const error = parseCredentials(text, 'creds.txt')._unsafeUnwrapErr();
    assert.is(error.type, 'CredentialsMalformed', text);
    if (error.type === 'CredentialsMalformed') {
      assert.is(error.file, 'creds.txt');
      assert.is(error.line, line, text);
      assert.match(error.reason, reason);
    }
  }
});

test('an empty file is valid (no users)', () => {
  assert.is(parseCredentials('', 'c.txt')._unsafeUnwrap().size, 0);
});

test.run();
