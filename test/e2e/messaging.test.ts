import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  beforeAll,
  loggedIn,
  PROMPT,
  startServer,
  type ServerHandle,
} from '../support/processes.js';

const TS = String.raw`\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}`;

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer();
});
test.after(async () => {
  await server.stop();
});

test('Yoda sends Obi-wan a private message; Obi-wan sees it at once; both see the same TS', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  yoda.type('/msgto Obi-wan Hello there; general Kenobi ☃');
  const sent = await yoda.expect(new RegExp(`message sent at (${TS})\\.`));
  const ts = /at (.*)\.$/.exec(sent)?.[1];
  await obi.expect(`${ts}, Yoda: Hello there; general Kenobi ☃`);
  const last = server.messagelog().at(-1) ?? '';
  assert.match(last, new RegExp(`^\\d+; ${ts}; Obi-wan; Hello there; general Kenobi ☃$`));
  await server.program.expect(`Yoda message to Obi-wan "Hello there; general Kenobi ☃" at ${ts}.`);
  yoda.type('/whatever');
  await yoda.expect('Error. Invalid command!');
  yoda.type('/activeuser');
  await yoda.expect(new RegExp(`Obi-wan, 127\\.0\\.0\\.1, \\d+, active since ${TS}\\.`));
  yoda.type('/logout');
  await yoda.expect('Bye, Yoda!');
  obi.type('/activeuser');
  await obi.expect('no other active user');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
});

test('private message errors: offline, unknown, yourself, blank, control characters, too long', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type('/msgto Hans are you there?');
  await yoda.expect('Hans is offline');
  yoda.type('/msgto Jabba hello');
  await yoda.expect('Jabba is not a registered user.');
  yoda.type('/msgto Yoda talking to myself');
  await yoda.expect('You cannot send a message to yourself.');
  yoda.type('/msgto Hans    ');
  await yoda.expect('Usage: /msgto USERNAME MESSAGE');
  yoda.type('/msgto Hans tab\there');
  await yoda.expect('Message contains control characters, which are not allowed.');
  yoda.type(`/msgto Hans ${'x'.repeat(1001)}`);
  await yoda.expect('Message is too long: at most 1000 characters.');
  assert.ok(!server.messagelog().some((l) => l.includes('Hans')), 'nothing refused was logged');
  yoda.type('/logout');
  await yoda.exited;
});

test('the whole group walk-through, every row of the table', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  const hans = await loggedIn(server, 'Hans');

  yoda.type('/creategroup Jedi');
  await yoda.expect('Please enter at least one more active user.');
  yoda.type('/creategroup Jedi-Council Obi-wan');
  await yoda.expect('Invalid group name. Use letters and digits only, at most 32 characters.');
  yoda.type('/creategroup Jedi Obi-wan Luke');
  await yoda.expect('Luke is offline; the group was not created.');
  yoda.type('/creategroup Jedi Obi-wan Jabba');
  await yoda.expect('Jabba is not a registered user; the group was not created.');
  obi.type('/joingroup Jedi');
  await obi.expect("Groupchat Jedi doesn't exist.");

  yoda.type('/creategroup Jedi Obi-wan');
  await yoda.expect(
    'Group chat room has been created, room name: Jedi, users in this room: Yoda, Obi-wan',
  );
  assert.equal(server.groupLog('Jedi'), [], 'the log file exists and is empty');
  yoda.type('/creategroup Jedi Hans');
  await yoda.expect('a group chat (Name: Jedi) already exists');

  hans.type('/joingroup Jedi');
  await hans.expect('You are not invited to Groupchat Jedi.');
  hans.type('/groupmsg Jedi let me in');
  await hans.expect('You are not in this group chat.');
  obi.type('/groupmsg Jedi hello?');
  await obi.expect('Please join the group before sending messages.');
  hans.type('/groupmsg Sith hello');
  await hans.expect('The group chat does not exist.');

  yoda.type('/joingroup Jedi');
  await yoda.expect('You have already joined Groupchat Jedi');
  obi.type('/joingroup Jedi');
  await obi.expect('Joined the group chat: Jedi successfully.');
  obi.type('/joingroup Jedi');
  await obi.expect('You have already joined Groupchat Jedi');

  yoda.type('/groupmsg Jedi May the Force be with you; always');
  await yoda.expect('Group chat message sent.');
  const line = await obi.expect(new RegExp(`${TS}, Jedi, Yoda: May the Force be with you; always`));
  hans.type('/activeuser'); // a round trip: anything sent to Hans before it would show first
  await hans.expect('active since');
  assert.not.ok(hans.output.includes('May the Force'), 'a non-member receives nothing');
  const ts = line.slice(0, 20);
  assert.equal(server.groupLog('Jedi'), [`1; ${ts}; Yoda; May the Force be with you; always`]);
  obi.type('/groupmsg Jedi Thank you, Master');
  await obi.expect('Group chat message sent.');
  await yoda.expect(/Jedi, Obi-wan: Thank you, Master/);
  assert.match(server.groupLog('Jedi')[1] ?? '', /^2; .*; Obi-wan; Thank you, Master$/);
  await server.program.expect('Yoda created group chat Jedi: Yoda, Obi-wan');
  await server.program.expect('Obi-wan joined group chat Jedi');
  await server.program.expect(
    /Yoda issued a message in group chat Jedi: "May the Force be with you; always" at .*\./,
  );

  for (const c of [yoda, obi, hans]) c.type('/logout');
  await Promise.all([yoda.exited, obi.exited, hans.exited]);
});

test('membership survives logout: a member away receives nothing but the message is logged; back, they can post', async () => {
  const luke = await loggedIn(server, 'Luke');
  const leia = await loggedIn(server, 'Leia');
  luke.type('/creategroup Rebels Leia');
  await luke.expect(
    'Group chat room has been created, room name: Rebels, users in this room: Luke, Leia',
  );
  leia.type('/joingroup Rebels');
  await leia.expect('Joined the group chat: Rebels successfully.');
  leia.type('/logout');
  await leia.exited;
  luke.type('/groupmsg Rebels anyone here?');
  await luke.expect('Group chat message sent.');
  assert.match(server.groupLog('Rebels')[0] ?? '', /^1; .*; Luke; anyone here\?$/);
  const back = await loggedIn(server, 'Leia');
  back.type('/activeuser');
  await back.expect('active since');
  assert.not.ok(back.output.includes('anyone here?'), 'no offline delivery');
  back.type('/groupmsg Rebels I am back');
  await back.expect('Group chat message sent.');
  await luke.expect(/Rebels, Leia: I am back/);
  back.type('/logout');
  luke.type('/logout');
  await Promise.all([luke.exited, back.exited]);
});

test('incoming messages arrive while the user sits at the prompt, and the prompt comes back', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const vader = await loggedIn(server, 'Vader');
  vader.type('/msgto Yoda I am your... no wait');
  await yoda.expect(/Vader: I am your\.\.\. no wait/);
  yoda.type('/msgto Vader hmm');
  await yoda.expect('message sent at');
  await yoda.expect(PROMPT);
  yoda.type('/logout');
  vader.type('/logout');
  await Promise.all([yoda.exited, vader.exited]);
});

test('log lines use the exact SPEC formats', async () => {
  const hans = await loggedIn(server, 'Hans');
  const leia = await loggedIn(server, 'Leia');
  hans.type('/msgto Leia format check; with ☃');
  await hans.expect('message sent at');
  hans.type('/logout');
  leia.type('/logout');
  await Promise.all([hans.exited, leia.exited]);
  assert.match(
    server.messagelog().at(-1) ?? '',
    new RegExp(`^\\d+; ${TS}; Leia; format check; with ☃$`),
  );
  for (const line of server.messagelog())
    assert.match(line, new RegExp(`^\\d+; ${TS}; [^;]+; .+$`));
  const numbers = server.messagelog().map((l) => Number(l.split(';')[0]));
  assert.equal(
    numbers,
    numbers.map((_, i) => i + 1),
  );
});

test('/help lists every command without asking the server', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type('/help');
  await yoda.expect('Commands:');
  for (const usage of [
    '/msgto USERNAME MESSAGE',
    '/activeuser',
    '/creategroup GROUPNAME USERNAME [USERNAME ...]',
    '/joingroup GROUPNAME',
    '/groupmsg GROUPNAME MESSAGE',
    '/p2pvideo USERNAME FILENAME',
    '/logout',
    '/help',
  ]) {
    await yoda.expect(`  ${usage}\n`);
  }
  assert.not.ok(
    server.program.output.includes('Yoda issued /help'),
    'the server never heard of it',
  );
  yoda.type('/logout');
  await yoda.exited;
});

test.run();
