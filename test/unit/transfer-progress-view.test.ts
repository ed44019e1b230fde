import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProgressLine } from '../../src/client/progress-bar.js';
import { TransferProgressView } from '../../src/client/transfer-progress-view.js';
import type { TerminalUI } from '../../src/client/terminal-ui.js';
import { displayWidth } from '../../src/terminal/display-width.js';

/** A UI that records the live lines it would show, drawn at `columns`. */
function fakeUi(interactive: boolean, columns = 80) {
  const live = new Map<string, string>();
  const history: Array<[string, string | undefined]> = [];
  const ui = {
    isInteractive: interactive,
    setProgress: (id: string, line: ((columns: number) => string) | undefined) => {
      const drawn = line?.(columns);
      history.push([id, drawn]);
      if (drawn === undefined) live.delete(id);
      else live.set(id, drawn);
    },
  } as unknown as TerminalUI;
  return { ui, live, history };
}

const MiB = 1024 * 1024;
const at = (bytes: number) => ({ bytes, total: 100 * MiB, bytesPerSecond: 10 * MiB });

test('short transfers show nothing; a long one gets one live line, replaced as it advances and removed at the end', () => {
  let now = 0;
  const { ui, live, history } = fakeUi(true);
  const view = new TransferProgressView(ui, () => now);
  view.update('t1', 'a.mp4 → Obi-wan', at(10 * MiB));
  now = 999;
  view.update('t1', 'a.mp4 → Obi-wan', at(20 * MiB));
  assert.equal(history, []);
  now = 1500;
  view.update('t1', 'a.mp4 → Obi-wan', at(30 * MiB));
  assert.match(live.get('t1') ?? '', /^a\.mp4 → Obi-wan \[#+-+\]\s+30%/);
  view.update('t1', 'a.mp4 → Obi-wan', at(60 * MiB));
  assert.is(live.size, 1);
  assert.match(live.get('t1') ?? '', /60%/);
  view.done('t1');
  assert.is(live.size, 0);
});

test('each running transfer, in either direction, has its own line', () => {
  let now = 0;
  const { ui, live } = fakeUi(true);
  const view = new TransferProgressView(ui, () => now);
  view.update('up', 'a.mp4 → Obi-wan', at(0));
  view.update('down', 'b.mp4 ← Yoda', at(0));
  now = 2000;
  view.update('up', 'a.mp4 → Obi-wan', at(26 * MiB));
  view.update('down', 'b.mp4 ← Yoda', at(52 * MiB));
  view.update('down', 'b.mp4 ← Yoda', at(80 * MiB));
  assert.equal([...live.keys()], ['up', 'down']);
  assert.match(live.get('down') ?? '', /80%/);
  view.done('down');
  assert.equal([...live.keys()], ['up']);
});

test('progress lines fit the width: full, a shorter bar, or the percentage alone', () => {
  const progress = at(42 * MiB);
  const full = formatProgressLine('a.mp4 → Obi-wan', progress, 100);
  assert.match(full, /^a\.mp4 → Obi-wan \[#{8}-{12}\]  42%  42\.0 MiB \/ 100\.0 MiB  10\.0 MiB\/s  ETA 0:06$/);
  for (const columns of [80, 40, 30, 20, 12]) {
    const line = formatProgressLine('a.mp4 → Obi-wan', progress, columns);
    assert.ok(displayWidth(line) <= columns, `${columns}: ${line}`);
    assert.ok(line.endsWith('42%'), line);
  }
  assert.match(formatProgressLine('a.mp4 → Obi-wan', progress, 40), /^a\.mp4 → Obi-wan \[#+-+\] 42%$/);
});

test('nothing is drawn when the output is not a terminal', () => {
  let now = 0;
  const { ui, history } = fakeUi(false);
  const view = new TransferProgressView(ui, () => now);
  view.update('t3', 'x', at(0));
  now = 5000;
  view.update('t3', 'x', at(50 * MiB));
  assert.equal(history, []);
});

test.run();
