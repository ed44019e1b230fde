import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { complete } from '../../src/client/completion.js';
import { KnownNames } from '../../src/client/known-names.js';
import { TerminalUI } from '../../src/client/terminal-ui.js';
import { VirtualTerminal } from '../support/virtual-terminal.js';

const PROMPT =
  'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingroup, /groupmsg, /p2pvideo, /logout): ';
const ESC = '\x1b[';
const tick = () => new Promise((r) => setImmediate(r));

function pipeStreams() {
  const input = Object.assign(new PassThrough(), { isTTY: false });
  const output = Object.assign(new PassThrough(), { isTTY: false });
  let written = '';
  output.on('data', (d: Buffer) => (written += d.toString()));
  return { input, output, env: {}, text: () => written };
}

/** A terminal of `columns` × `rows`: keys go in as a person types them, the screen comes out. */
function ttyStreams(columns: number, rows: number, env: NodeJS.ProcessEnv = { NO_COLOR: '1' }) {
  const vt = new VirtualTerminal(columns, rows);
  let raw = false;
  let written = '';
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: (mode: boolean) => (raw = mode),
  });
  // Written synchronously, like a terminal's stdout, so the screen is current after each call.
  const output = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns,
    rows,
    sink: (text: string) => vt.write(text),
    write(d: string | Buffer) {
      written += d.toString();
      this.sink(d.toString());
      return true;
    },
  }) as unknown as NodeJS.WritableStream & {
    isTTY: boolean;
    columns: number;
    sink: (text: string) => void;
  };
  return { input, output, env, vt, isRaw: () => raw, text: () => written };
}

test('from a pipe: plain text, no colour, prompts end their line', async () => {
  const s = pipeStreams();
  const ui = new TerminalUI(s);
  const answer = ui.ask('Username: ');
  s.input.write('Yoda\n');
  assert.is(await answer, 'Yoda');
  ui.print('Hello', 'incoming');
  ui.close();
  assert.is(s.text(), 'Username: \nHello\n');
});

test('from a pipe, closing while a prompt is shown ends its line', async () => {
  const s = pipeStreams();
  const ui = new TerminalUI(s);
  void ui.ask(PROMPT);
  ui.close();
  await tick();
  assert.is(s.text(), `${PROMPT}\n`);
});

test('at 80 columns the wrapped prompt and a wrapping typed line are redrawn whole under each message', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  const pending = ui.ask(PROMPT);
  s.input.write('/msgto Obi-wan this line is long enough to wrap past the end of the second row');
  await tick();
  ui.print('01 Jun 2023 15:00:01, Vader: hello');
  ui.print('01 Jun 2023 15:00:02, Vader: are you there?');
  assert.is(
    s.vt.screen(),
    [
      '01 Jun 2023 15:00:01, Vader: hello',
      '01 Jun 2023 15:00:02, Vader: are you there?',
      'Enter one of the following commands (/msgto, /activeuser, /creategroup, /joingro',
      'up, /groupmsg, /p2pvideo, /logout): /msgto Obi-wan this line is long enough to w',
      'rap past the end of the second row',
    ].join('\n'),
  );
  assert.equal(s.vt.cursor, { row: 4, column: 34 });
  s.input.write('\r');
  assert.is(
    await pending,
    '/msgto Obi-wan this line is long enough to wrap past the end of the second row',
  );
  ui.print('message sent at 01 Jun 2023 15:00:03.');
  assert.is(s.vt.screen().split('\n').at(-1), 'message sent at 01 Jun 2023 15:00:03.');
  ui.close();
});

test('at 40 columns: the cursor stays where it was moved to, and a row filled exactly puts the cursor on the next row', async () => {
  const s = ttyStreams(40, 20);
  const ui = new TerminalUI(s);
  void ui.ask('> ');
  s.input.write('x'.repeat(38));
  await tick();
  assert.equal(s.vt.cursor, { row: 1, column: 0 });
  s.input.write('\x1b[D\x1b[D\x1b[D');
  await tick();
  assert.equal(s.vt.cursor, { row: 0, column: 37 });
  ui.print('news');
  assert.is(s.vt.screen(), `news\n> ${'x'.repeat(38)}`);
  assert.equal(s.vt.cursor, { row: 1, column: 37 });
  ui.close();
});

test('a typed text taller than the screen shows the rows around the cursor and never scrolls the area out of reach', async () => {
  const s = ttyStreams(20, 5);
  const ui = new TerminalUI(s);
  void ui.ask('> ');
  const long = Array.from({ length: 12 }, (_, i) =>
    `row${String(i).padStart(2, '0')}`.padEnd(20, '.'),
  )
    .join('')
    .slice(2);
  s.input.write(long);
  await tick();
  ui.print('news');
  // 13 rows of input on a 5-row screen: the last 5 (the cursor is on an empty row after a full one).
  assert.is(
    s.vt.screen(),
    [
      'row08...............',
      'row09...............',
      'row10...............',
      'row11...............',
    ].join('\n'),
  );
  assert.equal(s.vt.cursor, { row: 4, column: 0 });
  assert.ok(s.vt.scrolledOff.includes('news'));
  s.input.write('\x01');
  await tick();
  ui.print('more');
  assert.is(
    s.vt.screen(),
    [
      '> w00...............',
      'row01...............',
      'row02...............',
      'row03...............',
      'row04...............',
    ].join('\n'),
  );
  assert.equal(s.vt.cursor, { row: 0, column: 2 });
  ui.close();
});

test('resizing redraws the input area for the new width', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  void ui.ask(PROMPT);
  s.input.write('/activeuser');
  await tick();
  // The virtual terminal does not reflow, so start from a cleared screen at the new width.
  const narrow = new VirtualTerminal(40, 20);
  Object.assign(s.output, { columns: 40 });
  s.output.sink = (text) => narrow.write(text);
  s.output.emit('resize');
  assert.is(
    narrow.screen(),
    [
      'Enter one of the following commands (/ms',
      'gto, /activeuser, /creategroup, /joingro',
      'up, /groupmsg, /p2pvideo, /logout): /act',
      'iveuser',
    ].join('\n'),
  );
  ui.close();
});

test('progress lines sit between the messages and the prompt, one per transfer, and go away at the end', async () => {
  const s = ttyStreams(40, 20);
  const ui = new TerminalUI(s);
  void ui.ask('> ');
  s.input.write('typing');
  await tick();
  ui.setProgress('a', () => 'a.mp4 → Obi-wan [#####-----] 50%');
  ui.setProgress('b', (columns) => `b.mp4 ← Yoda ${'#'.repeat(columns)}`);
  ui.print('hello');
  assert.is(
    s.vt.screen(),
    [
      'hello',
      'a.mp4 → Obi-wan [#####-----] 50%',
      `b.mp4 ← Yoda ${'#'.repeat(26)}…`,
      '> typing',
    ].join('\n'),
  );
  ui.setProgress('a', undefined);
  ui.print('Received b.mp4 from Yoda');
  ui.setProgress('b', undefined);
  assert.is(s.vt.screen(), ['hello', 'Received b.mp4 from Yoda', '> typing'].join('\n'));
  ui.close();
});

test('colour wraps whole lines and never changes the text; NO_COLOR turns it off', () => {
  const coloured = ttyStreams(80, 24, {});
  const ui = new TerminalUI(coloured);
  ui.print('01 Jun 2023 15:00:01, Vader: hello', 'incoming');
  assert.ok(coloured.text().includes(`${ESC}36m01 Jun 2023 15:00:01, Vader: hello${ESC}39m`));
  ui.close();
  const plain = ttyStreams(80, 24);
  const ui2 = new TerminalUI(plain);
  ui2.print('hello', 'incoming');
  assert.not.ok(plain.text().includes(`${ESC}36m`));
  ui2.close();
});

test('the password is not echoed, and only the prompt stays on screen', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  const pending = ui.ask('Password: ', { secret: true });
  s.input.write('wise@!manbaby\r');
  assert.is(await pending, 'wise@!manbaby');
  assert.not.ok(s.text().includes('wise@!manbaby'));
  assert.is(s.vt.screen(), 'Password:');
  ui.close();
});

test('typing ahead before the first prompt keeps the prompt and shows the typed text after it', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  ui.print('Please login');
  s.input.write('Yo');
  await tick();
  const pending = ui.ask('Username: ');
  assert.is(s.vt.screen(), 'Please login\nUsername: Yo');
  s.input.write('da\rnext\r');
  assert.is(await pending, 'Yoda');
  assert.is(await ui.ask('Password: ', { secret: true }), 'next');
  assert.is(s.vt.screen(), 'Please login\nUsername: Yoda\nPassword:');
  ui.close();
});

test('Tab completes with a space after a unique match, even inside one input chunk; several matches are listed', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  const names = new KnownNames();
  names.setActive(['Obi-wan', 'Hans', 'Han']);
  names.sawGroup('Jedi');
  ui.setCompleter((before) => complete(before, names));
  const pending = ui.ask('> ');
  s.input.write('/ms\tOb\thello\r');
  assert.is(await pending, '/msgto Obi-wan hello');
  const second = ui.ask('> ');
  s.input.write('/groupmsg J\tx\r');
  assert.is(await second, '/groupmsg Jedi x');
  const third = ui.ask('> ');
  s.input.write('/p2pvideo Ha\t');
  await tick();
  assert.is(s.vt.screen().split('\n').at(-1), '> /p2pvideo Han');
  s.input.write('\t');
  await tick();
  assert.is(s.vt.screen().split('\n').slice(-2).join('\n'), 'Han  Hans\n> /p2pvideo Han');
  s.input.write('s\t\r');
  assert.is(await third, '/p2pvideo Hans ');
  ui.close();
});

test('a completion that has to fetch names first holds the keys typed meanwhile', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  const names = new KnownNames();
  let release: () => void = () => {};
  ui.setCompleter(
    (before) =>
      new Promise(
        (resolve) =>
          (release = () => (names.setActive(['Leia']), resolve(complete(before, names)))),
      ),
  );
  const pending = ui.ask('> ');
  s.input.write('/msgto L\thi\r');
  await tick();
  release();
  assert.is(await pending, '/msgto Leia hi');
  ui.close();
});

test('a Tab inside a bracketed paste is text (a space), not a completion', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  let asked = 0;
  ui.setCompleter((before) => (asked++, complete(before, new KnownNames())));
  const pending = ui.ask('> ');
  s.input.write('\x1b[200~/msgto Obi-wan a\tb\x1b[201~\r');
  assert.is(await pending, '/msgto Obi-wan a b');
  assert.is(asked, 0);
  ui.close();
});

test('text from the network is shown escaped: no control or bidi character reaches the terminal', () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  ui.print('Vader: \x1b[2J\x1b]0;pwned\x07 \r01 Jun 2023, Yoda: forged\n\u202eevil');
  assert.is(
    s.vt.screen(),
    'Vader: \\e[2J\\e]0;pwned\\x07 \\r01 Jun 2023, Yoda: forged\\n\\u{202e}evil',
  );
  ui.close();
});

test('Ctrl-C is reported, Ctrl-D on an empty line ends input; closing leaves the cursor on an empty line and the terminal cooked', async () => {
  const s = ttyStreams(80, 24);
  const ui = new TerminalUI(s);
  let interrupts = 0;
  ui.onInterrupt(() => interrupts++);
  assert.ok(s.isRaw());
  const pending = ui.ask(PROMPT);
  s.input.write('half\x03');
  await tick();
  assert.is(interrupts, 1);
  s.input.write('\x15\x04');
  assert.is(await pending, undefined);
  ui.print('Bye, Yoda!');
  ui.close();
  assert.is(s.vt.screen(), 'Bye, Yoda!');
  assert.equal(s.vt.cursor, { row: 1, column: 0 });
  assert.not.ok(s.isRaw());
});

test('end of input resolves the question with undefined', async () => {
  const s = pipeStreams();
  const ui = new TerminalUI(s);
  const pending = ui.ask('Username: ');
  s.input.end();
  assert.is(await pending, undefined);
});

test.run();
