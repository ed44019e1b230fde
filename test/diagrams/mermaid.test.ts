import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mermaidText, toMermaid } from '../../scripts/diagrams/mermaid.js';
import { basicMachine, nestedMachine, parallelMachine } from './fixtures.js';

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim());

test('mermaid: atomic, guarded, delayed, always, final', () => {
  const text = toMermaid(basicMachine);
  assert.ok(text.startsWith('stateDiagram-v2\n'));
  const l = lines(text);
  for (const expected of [
    '[*] --> Idle',
    'Idle --> Running : START [canStart] / log',
    'Idle --> Running : SPECIAL [canStart and (not isBlocked)]',
    'Idle --> Running : MANY / log, notify, a1, +2 more',
    'Running --> Idle : after blockDuration (10s) / notify',
    'Idle --> Done : after loginTimeout (30s)',
    'Idle --> Done : after broken',
    'Running --> Idle : after 1.5s',
    'Running --> Done : always [isDone]',
    'Idle --> Idle : RESET / notify',
    'Idle : entry / reset',
    'Idle : PING / log',
    'Running : exit / log',
    'Done --> [*]',
  ]) {
    assert.ok(l.includes(expected), `missing line: ${expected}\n${text}`);
  }
  assert.not.match(text, /xstate\./);
});

test('mermaid: compound states, invoke, done/error, history, root transitions', () => {
  const text = toMermaid(nestedMachine);
  assert.match(text, /\n {2}state nested \{\n {4}\[\*\] --> auth\n {4}state auth \{\n {6}\[\*\] --> askName\n/);
  const l = lines(text);
  for (const expected of [
    'checking : invoke#58; verifyCredentials',
    'checking --> ok : done#58; verifyCredentials [accepted]',
    'checking --> askName : done#58; verifyCredentials',
    'checking --> closed : error#58; verifyCredentials',
    'auth --> active : done',
    'ok --> [*]',
    'state "H*" as hist',
    'active --> hist : BACK',
    'nested --> closed : KILL',
    'active : invoke#58; heartbeat',
  ]) {
    assert.ok(l.includes(expected), `missing line: ${expected}\n${text}`);
  }
  // Edges inside a compound state are written inside its block.
  const inner = text.slice(text.indexOf('state auth {'), text.indexOf('}', text.indexOf('state auth {')));
  assert.match(inner, 'askName --> checking : NAME');
  assert.not.match(text, /xstate\./);
});

test('mermaid: parallel regions are separated and repeated keys get unique ids', () => {
  const text = toMermaid(parallelMachine);
  const l = lines(text);
  assert.ok(l.includes('--'));
  assert.ok(l.includes('state "video-out" as player_video_out {'));
  assert.ok(l.includes('state "off" as player_sound_off'));
  assert.ok(l.includes('player_video_out_off --> player_video_out_on : TOGGLE'));
  assert.ok(l.includes('[*] --> player_sound_off'));
});

test('mermaid: labels cannot break the grammar', () => {
  assert.is(mermaidText('done: x; y # "z"'), 'done#58; x#59; y #35; #quot;z#quot;');
  assert.is(mermaidText('a\nb'), 'a b');
});

test('mermaid: deterministic', () => {
  assert.is(toMermaid(nestedMachine), toMermaid(nestedMachine));
});

test.run();
