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

/** A timer the test fires by hand. */
function manualTimers() {
  const due: Array<{ run: () => void; cancelled: boolean }> = [];
  const schedule = (_ms: number, run: () => void) => {
    const t = { run, cancelled: false };
    due.push(t);
    return () => (t.cancelled = true);
  };
  const fire = () => due.splice(0).forEach((t) => t.cancelled || t.run());
  return { schedule, fire };
}

test('short transfers show nothing; a long one gets one live line, replaced as it advances and removed at the end', () => {
  const timers = manualTimers();
  const { ui, live, history } = fakeUi(true);
  const view = new TransferProgressView(ui, timers.schedule);
  view.start('t1', 'a.mp4 → Obi-wan', 100 * MiB);
  view.update('t1', at(20 * MiB));
  assert.equal(history, []);
  timers.fire();
  assert.match(live.get('t1') ?? '', /^a\.mp4 → Obi-wan \[#+-+\]\s+20%/);
  view.update('t1', at(60 * MiB));
  assert.is(live.size, 1);
  assert.match(live.get('t1') ?? '', /60%/);
  view.done('t1');
  assert.is(live.size, 0);

  view.start('quick', 'b.mp4 → Obi-wan', 100);
  view.done('quick');
  timers.fire();
  assert.not.ok(
    history.some(([id]) => id === 'quick'),
    'a transfer that ended within the second never drew',
  );
});

test('a stalled transfer shows its line (0 %) once the second is up', () => {
  const timers = manualTimers();
  const { ui, live } = fakeUi(true);
  const view = new TransferProgressView(ui, timers.schedule);
  view.start('s', 'big.bin ← Yoda', 1024 * 1024);
  timers.fire();
  assert.match(live.get('s') ?? '', /^big\.bin ← Yoda \[-+\]\s+0%/);
});

test('each running transfer, in either direction, has its own line', () => {
  const timers = manualTimers();
  const { ui, live } = fakeUi(true);
  const view = new TransferProgressView(ui, timers.schedule);
  view.start('up', 'a.mp4 → Obi-wan', 100 * MiB);
  view.start('down', 'b.mp4 ← Yoda', 100 * MiB);
  timers.fire();
  view.update('up', at(26 * MiB));
  view.update('down', at(52 * MiB));
  view.update('down', at(80 * MiB));
  assert.equal([...live.keys()], ['up', 'down']);
  assert.match(live.get('down') ?? '', /80%/);
  view.done('down');
  assert.equal([...live.keys()], ['up']);
});

test('progress lines fit the width: full, a shorter bar, or the percentage alone', () => {
  const progress = at(42 * MiB);
  const full = formatProgressLine('a.mp4 → Obi-wan', progress, 100);
  assert.match(
    full,
    /^a\.mp4 → Obi-wan \[#{8}-{12}\]  42%  42\.0 MiB \/ 100\.0 MiB  10\.0 MiB\/s  ETA 0:06$/,
  );
  for (const columns of [80, 40, 30, 20, 12]) {
    const line = formatProgressLine('a.mp4 → Obi-wan', progress, columns);
    assert.ok(displayWidth(line) <= columns, `${columns}: ${line}`);
    assert.ok(line.endsWith('42%'), line);
  }
  assert.match(
    formatProgressLine('a.mp4 → Obi-wan', progress, 40),
    /^a\.mp4 → Obi-wan \[#+-+\] 42%$/,
  );
});

test('nothing is drawn when the output is not a terminal', () => {
  const timers = manualTimers();
  const { ui, history } = fakeUi(false);
  const view = new TransferProgressView(ui, timers.schedule);
  view.start('t3', 'x', 100 * MiB);
  timers.fire();
  view.update('t3', at(50 * MiB));
  view.done('t3');
  assert.equal(history, []);
});

test.run();
