import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dotString, toDot } from '../../scripts/diagrams/dot.js';
import { basicMachine, nestedMachine, parallelMachine } from './fixtures.js';

const has = (text: string, fragment: string): void => assert.ok(text.includes(fragment), `missing: ${fragment}\n${text}`);

test('dot: atomic, guarded, delayed, always, final, internal', () => {
  const dot = toDot(basicMachine);
  assert.ok(dot.startsWith('digraph "basic" {'));
  has(dot, '"basic#initial" [shape=point');
  has(dot, '"basic#initial" -> "basic.Idle";');
  // Every transition between the same two states shares one arrow, one per line, actions below.
  has(
    dot,
    '"basic.Idle" -> "basic.Running" [id="edge:basic.Idle~basic.Running", label="START [canStart]\\n/ log\\nMANY\\n/ log, notify, a1, +2 more\\nSPECIAL [canStart and (not isBlocked)]"];',
  );
  // Mixed kinds on one arrow: solid; one kind: its style.
  has(dot, '"basic.Running" -> "basic.Idle" [id="edge:basic.Running~basic.Idle", label="after 1.5s\\nafter blockDuration (10s)\\n/ notify", style=dotted];');
  has(dot, '"basic.Idle" -> "basic.Done" [id="edge:basic.Idle~basic.Done", label="after loginTimeout (30s)\\nafter broken", style=dotted];');
  has(dot, '"basic.Running" -> "basic.Done" [id="edge:basic.Running~basic.Done", label="STOP\\nalways [isDone]"];');
  has(dot, '"basic.Idle" -> "basic.Idle" [id="edge:basic.Idle~basic.Idle", label="RESET\\n/ notify"];');
  has(dot, '"basic.Done" [id="state:basic.Done", label="Done", peripheries=2, margin="0.25,0.12"];');
  assert.ok(toDot(basicMachine, 'TB').includes('rankdir=TB'));
  has(dot, '<font point-size="9">PING / log</font>');
  assert.not.match(dot, /xstate\./);
});

test('dot: clusters, invoke, lhead/ltail, history', () => {
  const dot = toDot(nestedMachine);
  has(dot, 'subgraph "cluster_nested.auth" {');
  has(dot, '"nested.auth#initial" -> "nested.auth.askName";');
  // Name and detail lines are table rows, spaced so they never touch.
  has(dot, '<tr><td><b>checking</b></td></tr><tr><td><font point-size="9">invoke: verifyCredentials</font></td></tr></table>');
  has(dot, '"nested.auth.checking" -> "nested.auth.ok" [id="edge:nested.auth.checking~nested.auth.ok", label="done: verifyCredentials [accepted]"];');
  has(dot, 'label="error: verifyCredentials", color="#b03030", fontcolor="#b03030"]');
  has(dot, 'graph [id="state:nested.auth", label=<<b>auth</b>>');
  has(dot, '"nested.auth#anchor" -> "nested.active" [id="edge:nested.auth~nested.active", label="done", ltail="cluster_nested.auth"];');
  has(dot, '"nested#initial" -> "nested.auth#anchor" [lhead="cluster_nested.auth"];');
  has(dot, '"nested.auth.hist" [id="state:nested.auth.hist", shape=circle, label="H*"');
  // Root-level transition to a descendant: no ltail (the head is inside the root cluster).
  has(dot, '"nested#anchor" -> "nested.closed" [id="edge:nested~nested.closed", label="KILL"];');
  assert.not.match(dot, /xstate\./);
});

test('dot: parallel regions are dashed clusters', () => {
  const dot = toDot(parallelMachine);
  has(dot, 'label=<<b>player (parallel)</b>>');
  has(dot, 'subgraph "cluster_player.video-out" {');
  has(dot, 'style="rounded,dashed"');
});

test('dot: strings are escaped', () => {
  assert.is(dotString('a "b" \\ c\nd'), '"a \\"b\\" \\\\ c\\nd"');
});

test.run();
