import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateMessageText } from '../../src/shared/message-text.js';
import { validateGroupName } from '../../src/shared/group-name.js';

test('message text rules', () => {
  assert.ok(validateMessageText('hello; there ☃ 日本').isOk());
  assert.equal(validateMessageText('   ')._unsafeUnwrapErr(), { type: 'MessageEmpty' });
  assert.equal(validateMessageText('a\tb')._unsafeUnwrapErr(), { type: 'MessageInvalidChars' });
  assert.equal(validateMessageText('a\u001b[2Jb')._unsafeUnwrapErr(), {
    type: 'MessageInvalidChars',
  });
  assert.equal(
    validateMessageText('a\u0085b')._unsafeUnwrapErr(),
    { type: 'MessageLineBreak' },
    'NEL is a line break first',
  );
  assert.equal(
    validateMessageText('\ud800x')._unsafeUnwrapErr(),
    { type: 'MessageInvalidChars' },
    'a lone surrogate',
  );
  assert.ok(validateMessageText('emoji 😀 ok').isOk(), 'a surrogate pair is fine');
  assert.ok(validateMessageText('x'.repeat(10), 10).isOk());
  assert.equal(validateMessageText('x'.repeat(11), 10)._unsafeUnwrapErr(), {
    type: 'MessageTooLong',
    limit: 10,
  });
  assert.ok(validateMessageText('☃'.repeat(10), 10).isOk(), 'length counts characters, not bytes');
});

test('group name rules', () => {
  assert.ok(validateGroupName('Jedi2').isOk());
  for (const bad of ['', 'a b', 'a-b', 'a_b', 'ä', 'x'.repeat(33), '../x'])
    assert.ok(validateGroupName(bad).isErr(), bad);
  assert.ok(validateGroupName('x'.repeat(32)).isOk());
});

test.run();
