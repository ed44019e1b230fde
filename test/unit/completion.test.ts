import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { complete, wordKindAt } from '../../src/client/completion.js';
import { KnownNames } from '../../src/client/known-names.js';

test('what each word is: command, user, group or free text', () => {
  assert.is(wordKindAt('/ms'), 'command');
  assert.is(wordKindAt('/msgto Ob'), 'user');
  assert.is(wordKindAt('/msgto Obi-wan he'), 'none');
  assert.is(wordKindAt('/creategroup G1'), 'none');
  assert.is(wordKindAt('/creategroup G1 Yoda Ha'), 'user');
  assert.is(wordKindAt('/joingroup J'), 'group');
  assert.is(wordKindAt('/groupmsg J'), 'group');
  assert.is(wordKindAt('/p2pvideo Y'), 'user');
  assert.is(wordKindAt('/p2pvideo Yoda a.m'), 'none');
  assert.is(wordKindAt('/unknown x'), 'none');
});

test('a unique match gets a space; several give their common start; /help is a command', () => {
  const names = new KnownNames();
  names.setActive(['Hans', 'Han']);
  names.sawUser('Obi-wan');
  names.sawGroup('Jedi');
  assert.equal(complete('/ms', names), {
    kind: 'command',
    word: '/ms',
    replacement: '/msgto ',
    matches: ['/msgto'],
  });
  assert.equal(complete('/he', names).replacement, '/help ');
  assert.equal(complete('/msgto O', names).replacement, 'Obi-wan ');
  assert.equal(complete('/msgto Ha', names), {
    kind: 'user',
    word: 'Ha',
    replacement: 'Han',
    matches: ['Han', 'Hans'],
  });
  assert.equal(complete('/joingroup J', names).replacement, 'Jedi ');
  assert.equal(complete('/msgto Obi-wan he', names).matches, []);
  assert.equal(complete('/msgto Z', names).matches, []);
});

test('the server list replaces the old one (users who left drop out); users seen stay', () => {
  let now = 0;
  const names = new KnownNames(() => now);
  assert.ok(names.needsActiveList(''), 'never fetched');
  names.setActive(['Hans']);
  names.sawUser('Vader');
  assert.not.ok(names.needsActiveList('H'));
  assert.ok(names.needsActiveList('L'), 'no known match: fetch');
  now = 5000;
  assert.ok(names.needsActiveList('H'), 'stale');
  names.setActive(['Leia']);
  assert.equal([...names.users()].sort(), ['Leia', 'Vader']);
});

test('names with controls, bidi characters or spaces are never offered', () => {
  const names = new KnownNames();
  names.setActive(['Evil\x1b[2J', 'Ok']);
  names.sawUser('Bad\u202e');
  names.sawGroup('G 1');
  assert.equal(names.users(), ['Ok']);
  assert.equal(names.groups(), []);
});

test.run();
