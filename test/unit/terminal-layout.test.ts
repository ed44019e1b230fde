import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displayWidth, fitWidth, graphemes } from '../../src/terminal/display-width.js';
import { layoutInput } from '../../src/terminal/input-layout.js';
import { isSafeText, safeText } from '../../src/terminal/safe-text.js';

test('safeText shows controls, DEL, C1, separators and bidi controls as escapes and leaves the rest', () => {
  assert.is(safeText('plain é ☃ 日本 ;:'), 'plain é ☃ 日本 ;:');
  assert.is(safeText('\x1b[2J'), '\\e[2J');
  assert.is(safeText('a\rb\nc\td'), 'a\\rb\\nc\\td');
  assert.is(safeText('\x07\x00\x7f\x9b'), '\\x07\\x00\\x7f\\x9b');
  assert.is(safeText('\u202eabc\u2066\u200f\u2028'), '\\u{202e}abc\\u{2066}\\u{200f}\\u{2028}');
  assert.ok(isSafeText('Obi-wan'));
  assert.not.ok(isSafeText('Obi\x1bwan'));
  // Escaping is idempotent: an escaped text holds no unsafe character.
  assert.is(safeText(safeText('\x1b\u202e')), safeText('\x1b\u202e'));
});

test('display width: wide characters take two columns, combining marks none', () => {
  assert.is(displayWidth('abc'), 3);
  assert.is(displayWidth('日本'), 4);
  assert.is(displayWidth('e\u0301'), 1);
  assert.is(displayWidth('👍'), 2);
  assert.equal(graphemes('e\u0301x'), ['e\u0301', 'x']);
  assert.is(fitWidth('abcdef', 4), 'abc…');
  assert.is(fitWidth('abc', 4), 'abc');
});

test('layout: rows are cut at the width, the cursor is placed on its row and column', () => {
  const text = [...'hello world'];
  assert.equal(layoutInput('> ', text, text.length, 80), {
    rows: ['> hello world'],
    cursorRow: 0,
    cursorColumn: 13,
  });
  assert.equal(layoutInput('> ', text, 0, 5), {
    rows: ['> hel', 'lo wo', 'rld'],
    cursorRow: 0,
    cursorColumn: 2,
  });
  assert.equal(layoutInput('> ', text, 8, 5), {
    rows: ['> hel', 'lo wo', 'rld'],
    cursorRow: 2,
    cursorColumn: 0,
  });
});

test('layout: a cursor after a full last row is on a new empty row', () => {
  assert.equal(layoutInput('> ', [...'abc'], 3, 5), {
    rows: ['> abc', ''],
    cursorRow: 1,
    cursorColumn: 0,
  });
  assert.equal(layoutInput('12345', [], 0, 5), {
    rows: ['12345', ''],
    cursorRow: 1,
    cursorColumn: 0,
  });
});

test('layout: a wide character that does not fit moves to the next row', () => {
  assert.equal(layoutInput('> ', ['a', 'b', '日'], 2, 5), {
    rows: ['> ab', '日'],
    cursorRow: 1,
    cursorColumn: 0,
  });
});

test('layout: the 115-character prompt at 80 and 40 columns', () => {
  const prompt =
    'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingroup, /groupmsg, /p2pvideo, /logout): ';
  assert.is(layoutInput(prompt, [], 0, 80).rows.length, 2);
  const narrow = layoutInput(prompt, [], 0, 40);
  assert.equal([narrow.rows.length, narrow.cursorRow, narrow.cursorColumn], [3, 2, 36]);
  for (const row of narrow.rows) assert.ok(displayWidth(row) <= 40);
});

test.run();
