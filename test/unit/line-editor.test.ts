import { emitKeypressEvents } from 'node:readline';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineEditor, type EditorAction, type Key } from '../../src/terminal/line-editor.js';

/** Feeds raw terminal input through node's key decoder into an editor; returns the actions. */
function type(editor: LineEditor, input: string): EditorAction[] {
  const stream = new PassThrough();
  emitKeypressEvents(stream);
  const actions: EditorAction[] = [];
  stream.on('keypress', (_s: string, key: Key) => actions.push(editor.key(key)));
  stream.write(input);
  return actions.filter((a) => a.type !== 'none' && a.type !== 'changed');
}

test('typing, moving and deleting', () => {
  const e = new LineEditor();
  type(e, 'helo\x1b[Dl');
  assert.is(e.text, 'hello');
  assert.is(e.cursor, 4);
  type(e, '\x01X\x05Y');
  assert.is(e.text, 'XhelloY');
  type(e, '\x7f\x7f');
  assert.is(e.text, 'Xhell');
  type(e, '\x01\x1b[3~');
  assert.is(e.text, 'hell');
  type(e, '\x05 there\x17');
  assert.is(e.text, 'hell ');
  type(e, '\x01\x0b');
  assert.is(e.text, '');
});

test('Enter submits; \\r\\n is one line end; escape sequences and controls never enter the line', () => {
  const e = new LineEditor();
  assert.equal(type(e, 'a\x1b[31mb\x07\r\n'), [{ type: 'submit', line: 'ab' }]);
  assert.is(e.text, '');
  assert.equal(type(e, 'x\ny\r'), [
    { type: 'submit', line: 'x' },
    { type: 'submit', line: 'y' },
  ]);
});

test('Ctrl-C interrupts; Ctrl-D ends input only on an empty line, else deletes', () => {
  const e = new LineEditor();
  assert.equal(type(e, '\x03'), [{ type: 'interrupt' }]);
  type(e, 'ab\x02');
  assert.equal(type(e, '\x04'), []);
  assert.is(e.text, 'a');
  type(e, '\x15');
  assert.equal(type(e, '\x04'), [{ type: 'end-of-input' }]);
});

test('history: up and down recall remembered lines and come back to the draft', () => {
  const e = new LineEditor();
  e.remember('/activeuser');
  e.remember('/msgto Yoda hi');
  type(e, 'dra');
  type(e, '\x1b[A');
  assert.is(e.text, '/msgto Yoda hi');
  type(e, '\x1b[A\x1b[A');
  assert.is(e.text, '/activeuser');
  type(e, '\x1b[B\x1b[B');
  assert.is(e.text, 'dra');
});

test('Tab asks for completion, except inside a bracketed paste where it is a space', () => {
  const e = new LineEditor();
  assert.equal(type(e, '/ms\t'), [{ type: 'complete' }]);
  assert.equal(type(e, '\x1b[200~a\tb\x1b[201~'), []);
  assert.is(e.text, '/msa b');
});

test('a completion replaces the word before the cursor; combining marks join their letter', () => {
  const e = new LineEditor();
  type(e, '/ms');
  e.replaceBeforeCursor(3, '/msgto ');
  assert.is(e.text, '/msgto ');
  type(e, 'e\u0301');
  assert.equal(e.graphemes.slice(-1), ['e\u0301']);
});

test.run();
