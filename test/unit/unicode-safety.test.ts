import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateFileName, describeFileNameError } from '../../src/p2p/file-name.js';
import { renderError } from '../../src/client/render.js';
import { parseCredentials } from '../../src/server/credentials.js';
import { printableName } from '../../src/server/printable-name.js';
import { validateGroupName } from '../../src/shared/group-name.js';
import { validateMessageText } from '../../src/shared/message-text.js';
import { validateUserName } from '../../src/shared/user-name.js';

const BIDI = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];

test('message text: U+2028, U+2029 and U+0085 break lines and are refused with their own error', () => {
  for (const c of ['\u2028', '\u2029', '\u0085'])
    assert.equal(
      validateMessageText(`one${c}two`)._unsafeUnwrapErr(),
      { type: 'MessageLineBreak' },
      `U+${c.charCodeAt(0).toString(16)}`,
    );
  assert.ok(validateMessageText('one two ☃ بالعربية').isOk(), 'right-to-left text itself is fine');
});

test('bidi controls are refused in user names, group names and file names', () => {
  for (const c of BIDI) {
    assert.equal(validateUserName(`Yo${c}da`)._unsafeUnwrapErr(), { type: 'UserNameBidiControl' });
    assert.equal(validateGroupName(`G${c}1`)._unsafeUnwrapErr(), { type: 'GroupNameBidiControl' });
    assert.equal(validateFileName(`lecture${c}4pm.exe`)._unsafeUnwrapErr(), {
      type: 'FileNameHasBidiControl',
    });
  }
  assert.ok(validateUserName('Obi-wan').isOk());
  assert.ok(
    validateUserName('Jürgen').isOk(),
    'non-ASCII names are allowed; only invisible reordering is not',
  );
  assert.ok(validateFileName('видео.mp4').isOk());
  assert.match(describeFileNameError({ type: 'FileNameHasBidiControl' }), 'bidirectional control');
});

test('a credentials line whose username holds a bidi control stops the server with the line number', () => {
  const parsed = parseCredentials('Yoda wise@!manbaby\nYo\u202eda secret\n', 'credentials.txt');
  const error = parsed._unsafeUnwrapErr();
  assert.is(error.type === 'CredentialsMalformed' && error.line, 2);
  assert.match(error.type === 'CredentialsMalformed' ? error.reason : '', 'bidirectional control');
});

test('the console quotes and escapes every name that is not plain printable ASCII', () => {
  assert.is(printableName('Yoda'), 'Yoda');
  assert.is(printableName('Obi-wan'), 'Obi-wan');
  assert.is(printableName('Y\u043eda'), '"Y\\u043eda"', 'Cyrillic o');
  assert.is(
    printableName('\uff39\uff4f\uff44\uff41'),
    '"\\uff39\\uff4f\\uff44\\uff41"',
    'fullwidth',
  );
  assert.is(printableName('Yoda\u202e'), '"Yoda\\u202e"');
  assert.is(printableName('Yoda is online\nVader'), '"Yoda is online\\nVader"');
  assert.is(printableName('a "quote"'), '"a \\"quote\\""');
  assert.is(printableName(''), '""');
  for (const name of ['Y\u043eda', 'x\u2028y', '\u001b[2J'])
    assert.match(printableName(name), /^[\x20-\x7e]+$/, 'only printable ASCII reaches the console');
});

test('each new error code has its own client text', () => {
  assert.match(renderError('msgto', { code: 'MESSAGE_LINE_BREAK' }), 'line or paragraph separator');
  assert.match(
    renderError('login', { code: 'USER_NAME_BIDI_CONTROL' }),
    'User names cannot contain invisible bidirectional control characters',
  );
  assert.match(
    renderError('creategroup', { code: 'GROUP_NAME_BIDI_CONTROL' }),
    'Group names cannot contain',
  );
  assert.match(
    renderError('p2pvideo', { code: 'FILE_NAME_BIDI_CONTROL' }),
    'File names cannot contain',
  );
});

test.run();
