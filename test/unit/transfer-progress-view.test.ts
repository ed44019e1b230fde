import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransferProgressView } from '../../src/client/transfer-progress-view.js';
import type { TerminalUI } from '../../src/client/terminal-ui.js';

function fakeUi(interactive: boolean) {
  const printed: string[] = [];
  const statuses: string[] = [];
  const ui = { isInteractive: interactive, print: (t: string) => printed.push(t), status: (t: string) => statuses.push(t) } as unknown as TerminalUI;
  return { ui, printed, statuses };
}

const MiB = 1024 * 1024;
const at = (bytes: number) => ({ bytes, total: 100 * MiB, bytesPerSecond: 10 * MiB });

test('short transfers show nothing; long uploads draw a live bar, cleared at the end', () => {
  let now = 0;
  const { ui, statuses } = fakeUi(true);
  const view = new TransferProgressView(ui, () => now);
  view.update('t1', 'send', 'a.mp4 → Obi-wan', at(10 * MiB));
  now = 999;
  view.update('t1', 'send', 'a.mp4 → Obi-wan', at(20 * MiB));
  assert.equal(statuses, []);
  now = 1500;
  view.update('t1', 'send', 'a.mp4 → Obi-wan', at(30 * MiB));
  assert.is(statuses.length, 1);
  assert.match(statuses[0] ?? '', /^a\.mp4 → Obi-wan \[#+-+\]\s+30%/);
  view.done('t1', 'send');
  assert.is(statuses.at(-1), '');
});

test('long downloads print a line at 25, 50 and 75 % instead of drawing over the prompt', () => {
  let now = 0;
  const { ui, printed, statuses } = fakeUi(true);
  const view = new TransferProgressView(ui, () => now);
  view.update('t2', 'receive', 'b.mp4 ← Yoda', at(0));
  now = 2000;
  for (const mib of [10, 26, 30, 49, 52, 80, 99]) view.update('t2', 'receive', 'b.mp4 ← Yoda', at(mib * MiB));
  assert.equal(statuses, []);
  // 26 % passes 25; 52 % passes 50; 80 % passes 75; a jump over several milestones prints once.
  assert.is(printed.length, 3, JSON.stringify(printed));
  assert.match(printed[0] ?? '', /26%/);
  assert.match(printed[1] ?? '', /52%/);
  assert.match(printed[2] ?? '', /80%/);
});

test('nothing is drawn when the output is not a terminal', () => {
  let now = 0;
  const { ui, printed, statuses } = fakeUi(false);
  const view = new TransferProgressView(ui, () => now);
  view.update('t3', 'send', 'x', at(0));
  now = 5000;
  view.update('t3', 'send', 'x', at(50 * MiB));
  view.update('t3', 'receive', 'x', at(60 * MiB));
  assert.equal([printed, statuses], [[], []]);
});

test.run();
