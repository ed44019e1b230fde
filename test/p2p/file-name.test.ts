// The base-name rules shared by client, server and audience, and the no-overwrite suffix rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { validateFileName, describeFileNameError } from '../../src/p2p/file-name.js';
import { candidateName, tempFilePath } from '../../src/p2p/download-file.js';

test('ordinary names are accepted unchanged', () => {
  for (const name of [
    'lecture1.mp4',
    'a',
    '.hidden',
    'with space.mov',
    'ünïcødé.mkv',
    'x'.repeat(255),
    'a.b.c',
    '...x'.slice(1),
  ]) {
    if (name.includes('..')) continue;
    assert.is(validateFileName(name)._unsafeUnwrap(), name, name);
  }
});

test('dangerous names are refused with a reason', () => {
  const reason = (name: string) => validateFileName(name)._unsafeUnwrapErr().type;
  assert.is(reason(''), 'EmptyFileName');
  assert.is(reason('a/b'), 'FileNameHasSeparator');
  assert.is(reason('/etc/passwd'), 'FileNameHasSeparator');
  assert.is(reason('a\\b'), 'FileNameHasSeparator');
  assert.is(reason('..'), 'FileNameHasDotDot');
  assert.is(reason('a..b'), 'FileNameHasDotDot');
  assert.is(reason('.'), 'FileNameIsDot');
  assert.is(reason('bad\nname'), 'FileNameHasControlCharacter');
  assert.is(reason('esc\u001b[2J'), 'FileNameHasControlCharacter');
  assert.is(reason('del\u007f'), 'FileNameHasControlCharacter');
  assert.is(reason('nul\u0000'), 'FileNameHasControlCharacter');
  assert.is(reason('x'.repeat(256)), 'FileNameTooLong');
  assert.is(reason('é'.repeat(128)), 'FileNameTooLong', '256 bytes in UTF-8');
  assert.ok(describeFileNameError(validateFileName('a/b')._unsafeUnwrapErr()).includes('/'));
});

test('property: an accepted name never contains a separator, "..", or control characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
      const r = validateFileName(name);
      if (r.isErr()) return true;
      return (
        !/[/\\]/.test(name) &&
        !name.includes('..') &&
        !/[\u0000-\u001f\u007f-\u009f]/.test(name) &&
        Buffer.byteLength(name) <= 255 &&
        name.length > 0
      );
    }),
    { numRuns: 2000, seed: 11 },
  );
});

test('suffix rule: " (n)" before the last extension; dotfiles keep their name', () => {
  assert.is(candidateName('Yoda', 'a.mp4', 0), 'Yoda_a.mp4');
  assert.is(candidateName('Yoda', 'a.mp4', 1), 'Yoda_a (1).mp4');
  assert.is(candidateName('Yoda', 'a.tar.gz', 2), 'Yoda_a.tar (2).gz');
  assert.is(candidateName('Yoda', 'README', 1), 'Yoda_README (1)');
  assert.is(candidateName('Yoda', '.bashrc', 1), 'Yoda_.bashrc (1)');
});

test('temp files are hidden, in the download dir, and stay short', () => {
  assert.is(tempFilePath('/d', 'a.mp4', 't1'), '/d/.a.mp4.t1.part');
  const long = tempFilePath('/d', 'x'.repeat(250), 'id/with/slashes');
  assert.ok(
    long.startsWith('/d/.tessenger-') && long.endsWith('.part') && !long.slice(3).includes('/'),
  );
});

test.run();
