import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HELP_LINES, parseCommandLine, quoteWord } from '../../src/client/command-line.js';

const ok = (line: string) => parseCommandLine(line)._unsafeUnwrap();
const error = (line: string) => parseCommandLine(line)._unsafeUnwrapErr();

test('message text is everything after the fixed arguments, spaces and ; kept', () => {
  assert.equal(ok('/msgto Obi-wan hello  there; friend'), {
    name: 'msgto',
    args: ['Obi-wan', 'hello  there; friend'],
  });
  assert.equal(ok('/groupmsg G1 hi all'), { name: 'groupmsg', args: ['G1', 'hi all'] });
  assert.equal(ok('/msgto Obi-wan héllo ☃'), { name: 'msgto', args: ['Obi-wan', 'héllo ☃'] });
});

test('commands and their arity', () => {
  assert.equal(ok('/activeuser'), { name: 'activeuser', args: [] });
  assert.equal(ok('/creategroup G1 Yoda Hans'), {
    name: 'creategroup',
    args: ['G1', 'Yoda', 'Hans'],
  });
  assert.equal(ok('/joingroup G1'), { name: 'joingroup', args: ['G1'] });
  assert.equal(ok('/p2pvideo Yoda a.mp4'), { name: 'p2pvideo', args: ['Yoda', 'a.mp4'] });
  assert.equal(ok('/logout'), { name: 'logout', args: [] });
});

test('unknown commands, including upper case, are invalid', () => {
  for (const line of ['/dance', 'hello', '/MSGTO a b', '/', 'msgto a b', '/msgto2 a b'])
    assert.equal(error(line), { type: 'InvalidCommand' }, line);
});

test('missing or extra arguments give the usage line', () => {
  assert.equal(error('/msgto'), { type: 'Usage', usage: 'Usage: /msgto USERNAME MESSAGE' });
  assert.equal(error('/msgto Obi-wan'), { type: 'Usage', usage: 'Usage: /msgto USERNAME MESSAGE' });
  assert.equal(error('/msgto Obi-wan    '), {
    type: 'Usage',
    usage: 'Usage: /msgto USERNAME MESSAGE',
  });
  assert.equal(error('/activeuser x'), { type: 'Usage', usage: 'Usage: /activeuser' });
  assert.equal(error('/joingroup'), { type: 'Usage', usage: 'Usage: /joingroup GROUPNAME' });
  assert.equal(error('/joingroup a b'), { type: 'Usage', usage: 'Usage: /joingroup GROUPNAME' });
  assert.equal(error('/groupmsg G1'), {
    type: 'Usage',
    usage: 'Usage: /groupmsg GROUPNAME MESSAGE',
  });
  assert.equal(error('/p2pvideo Yoda'), {
    type: 'Usage',
    usage: 'Usage: /p2pvideo USERNAME FILENAME',
  });
  assert.equal(error('/p2pvideo Yoda a b'), {
    type: 'Usage',
    usage: 'Usage: /p2pvideo USERNAME FILENAME',
  });
  assert.equal(error('/creategroup'), {
    type: 'Usage',
    usage: 'Usage: /creategroup GROUPNAME USERNAME [USERNAME ...]',
  });
  assert.equal(error('/creategroup G1'), { type: 'GroupNeedsMembers' });
});

test('file names with spaces: double quotes, single quotes or escaped spaces', () => {
  assert.equal(ok('/p2pvideo Yoda "my file.mp4"'), {
    name: 'p2pvideo',
    args: ['Yoda', 'my file.mp4'],
  });
  assert.equal(ok("/p2pvideo Yoda 'my file.mp4'"), {
    name: 'p2pvideo',
    args: ['Yoda', 'my file.mp4'],
  });
  assert.equal(ok('/p2pvideo Yoda my\\ file.mp4'), {
    name: 'p2pvideo',
    args: ['Yoda', 'my file.mp4'],
  });
  assert.equal(ok('/p2pvideo Yoda "say \\"hi\\".mp4"'), {
    name: 'p2pvideo',
    args: ['Yoda', 'say "hi".mp4'],
  });
  assert.equal(ok('/p2pvideo Yoda dir/"a b"/c.mp4'), {
    name: 'p2pvideo',
    args: ['Yoda', 'dir/a b/c.mp4'],
  });
  assert.equal(ok('/creategroup G1 "Obi-wan" Yoda'), {
    name: 'creategroup',
    args: ['G1', 'Obi-wan', 'Yoda'],
  });
  // Message text is never unquoted: it is kept as typed.
  assert.equal(ok('/msgto Obi-wan "quoted" text'), {
    name: 'msgto',
    args: ['Obi-wan', '"quoted" text'],
  });
});

test('an unclosed quote or an empty quoted name is refused before anything is sent', () => {
  assert.equal(error('/p2pvideo Yoda "my file.mp4'), { type: 'UnclosedQuote' });
  assert.equal(error("/creategroup G1 'Yoda"), { type: 'UnclosedQuote' });
  assert.equal(error('/p2pvideo Yoda ""'), {
    type: 'Usage',
    usage: 'Usage: /p2pvideo USERNAME FILENAME',
  });
  assert.equal(error('/p2pvideo Yoda "a b" c'), {
    type: 'Usage',
    usage: 'Usage: /p2pvideo USERNAME FILENAME',
  });
});

test('quoteWord gives back a word that parses to itself', () => {
  for (const word of ['plain.mp4', 'my file.mp4', 'say "hi"', "it's", 'back\\slash']) {
    assert.equal(ok(`/p2pvideo Yoda ${quoteWord(word)}`).args[1], word, word);
  }
  assert.is(quoteWord(''), '""');
});

test('/help lists every command', () => {
  assert.equal(ok('/help'), { name: 'help', args: [] });
  for (const name of [
    '/msgto',
    '/activeuser',
    '/creategroup',
    '/joingroup',
    '/groupmsg',
    '/p2pvideo',
    '/logout',
    '/help',
  ]) {
    assert.ok(
      HELP_LINES.some((line) => line === `  ${name}` || line.startsWith(`  ${name} `)),
      name,
    );
  }
  assert.is(HELP_LINES.length, 16);
  assert.ok(HELP_LINES.includes('  /creategroup GROUPNAME USERNAME [USERNAME ...]'));
});

test.run();
