import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TerminalUI } from '../../src/client/terminal-ui.js';

function fakeStreams(tty: boolean, env: NodeJS.ProcessEnv = {}) {
  const input = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => {} });
  const output = Object.assign(new PassThrough(), { isTTY: tty, columns: 200, rows: 40 });
  let written = '';
  output.on('data', (d: Buffer) => (written += d.toString()));
  return { input, output, env, text: () => written };
}

const ESC = '\x1b[';

test('from a pipe: plain text, no colour, prompts end their line', async () => {
  const s = fakeStreams(false);
  const ui = new TerminalUI(s);
  const answer = ui.ask('Username: ');
  s.input.write('Yoda\n');
  assert.is(await answer, 'Yoda');
  ui.print('Hello', 'incoming');
  ui.close();
  assert.is(s.text(), 'Username: \nHello\n');
});

test('on a terminal: incoming text is printed above the prompt and the half-typed line is redrawn', async () => {
  const s = fakeStreams(true, { NO_COLOR: '1' });
  const ui = new TerminalUI(s);
  const pending = ui.ask('> ');
  s.input.write('/msgto Obi-wan half');
  await new Promise((r) => setImmediate(r));
  ui.print('01 Jun 2023 15:00:01, Vader: hello', 'incoming');
  const out = s.text();
  const message = out.lastIndexOf('Vader: hello');
  const redrawn = out.lastIndexOf('> /msgto Obi-wan half');
  assert.ok(message >= 0 && redrawn > message, `the prompt and typed text come back after the message: ${JSON.stringify(out)}`);
  assert.not.ok(out.includes(`${ESC}36m`), 'NO_COLOR disables colour');
  s.input.write('\n');
  assert.is(await pending, '/msgto Obi-wan half');
  ui.close();
});

test('on a terminal without NO_COLOR, colour wraps whole lines and never changes the text', () => {
  const s = fakeStreams(true);
  const ui = new TerminalUI(s);
  ui.print('01 Jun 2023 15:00:01, Vader: hello', 'incoming');
  assert.ok(s.text().includes(`${ESC}36m01 Jun 2023 15:00:01, Vader: hello${ESC}39m`));
  ui.close();
});

test('on a terminal the password is not echoed', async () => {
  const s = fakeStreams(true, { NO_COLOR: '1' });
  const ui = new TerminalUI(s);
  const pending = ui.ask('Password: ', { secret: true });
  s.input.write('wise@!manbaby\r');
  assert.is(await pending, 'wise@!manbaby');
  assert.not.ok(s.text().includes('wise@!manbaby'));
  ui.close();
});

test('tab completes command names, then names seen', () => {
  const s = fakeStreams(true, { NO_COLOR: '1' });
  const ui = new TerminalUI(s);
  ui.knownNames.add('Obi-wan');
  ui.knownNames.add('Jedi');
  const complete = (ui as unknown as { complete(line: string): [string[], string] }).complete.bind(ui);
  assert.equal(complete('/ms'), [['/msgto'], '/ms']);
  assert.equal(complete('/msgto Ob'), [['Obi-wan'], 'Ob']);
  assert.equal(complete('/groupmsg J'), [['Jedi'], 'J']);
  ui.close();
});

test('end of input resolves the question with undefined', async () => {
  const s = fakeStreams(false);
  const ui = new TerminalUI(s);
  const pending = ui.ask('Username: ');
  s.input.end();
  assert.is(await pending, undefined);
});

test.run();
