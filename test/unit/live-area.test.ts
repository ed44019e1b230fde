import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LiveArea } from '../../src/terminal/live-area.js';
import { currentWindowSize } from '../../src/terminal/window-size.js';

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

test("a TTY's size is asked of its handle (the terminal), not taken from Node's cache", () => {
  // Node's tty.WriteStream: getWindowSize() returns the size cached at the last resize signal;
  // its handle's getWindowSize(out) asks the terminal and returns an error code (0: filled).
  let terminalSize: [number, number] = [80, 24];
  const tty = {
    columns: 80,
    rows: 24,
    getWindowSize: (): [number, number] => [80, 24],
    _handle: {
      getWindowSize(out: number[]): number {
        [out[0], out[1]] = terminalSize;
        return 0;
      },
    },
  };
  assert.equal(currentWindowSize(tty), [80, 24]);
  terminalSize = [40, 20]; // the window shrank; the signal has not been handled yet
  assert.equal(currentWindowSize(tty), [40, 20]);
  // a handle that fails (not a terminal any more): the cached size
  tty._handle.getWindowSize = () => -9;
  assert.equal(currentWindowSize(tty), [80, 24]);
  assert.is(currentWindowSize({}), undefined);
});

test.run();
