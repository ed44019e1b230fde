import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LiveArea } from '../../src/terminal/live-area.js';

const ESC = '\x1b[';

/** An output whose size is asked of the "terminal" (`size`), while `columns` lags behind it. */
function terminal(columns: number, rows: number) {
  const state = { size: [columns, rows] as [number, number], written: '' };
  const output = {
    columns,
    rows,
    getWindowSize: (): [number, number] => state.size,
    write(text: string) {
      state.written += text;
      return true;
    },
  };
  return { output, state };
}

test('a message printed before the resize signal is handled erases the area at the new width', () => {
  const { output, state } = terminal(80, 24);
  const area = new LiveArea(output);
  // 100 characters: two rows at 80 columns (the cursor on the second), three at 40 after reflow.
  area.setInput({ prompt: 'p'.repeat(100), text: [], cursor: 0, secret: false });
  state.size = [40, 24]; // the window shrank; Node's `columns` has not caught up yet
  state.written = '';
  area.printAbove(['hello']);
  assert.ok(
    state.written.startsWith(`${ESC}?25l\r${ESC}2A${ESC}J`),
    `erases from the area's first row at 40 columns: ${JSON.stringify(state.written.slice(0, 20))}`,
  );
  // and draws the prompt again for 40 columns
  assert.ok(
    state.written.includes(`hello\r\n${'p'.repeat(40)}\r\n${'p'.repeat(40)}\r\n${'p'.repeat(20)}`),
  );
});

test('without a size to ask, the last known columns are used', () => {
  let written = '';
  const area = new LiveArea({
    columns: 40,
    write: (t: string) => (written += t),
  });
  area.setInput({ prompt: 'p'.repeat(50), text: [], cursor: 0, secret: false });
  written = '';
  area.redraw();
  assert.ok(written.startsWith(`${ESC}?25l\r${ESC}1A${ESC}J`));
});

test.run();
