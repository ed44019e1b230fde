import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { clientDir, loggedIn, PASSWORDS, startClient, startServer } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

// Text that cannot break a line or make one name look like another.

const codeOf = (m: ServerMessage): string =>
  m.t === 'res' && !m.ok ? m.error.code : m.t === 'res' ? 'OK' : m.t;

test('the server refuses line separators in messages and bidi controls in names, each with its own code', async () => {
  const server = await startServer();
  const yoda = await RawClient.connect(server.port);
  await yoda.login('Yoda', PASSWORDS.Yoda!);
  const obi = await RawClient.connect(server.port);
  await obi.login('Obi-wan', PASSWORDS['Obi-wan']!);
  const ask = async (cmd: string, args: string[]) =>
    codeOf(await yoda.response(yoda.request(cmd, args)));
  assert.is(await ask('msgto', ['Obi-wan', 'one\u2028two']), 'MESSAGE_LINE_BREAK');
  assert.is(await ask('msgto', ['Obi-wan', 'one\u2029two']), 'MESSAGE_LINE_BREAK');
  assert.is(await ask('msgto', ['Obi-wan', 'one\u0085two']), 'MESSAGE_LINE_BREAK');
  assert.is(await ask('msgto', ['Obi-wan\u202e', 'hi']), 'USER_NAME_BIDI_CONTROL');
  assert.is(await ask('creategroup', ['Jedi\u2066', 'Obi-wan']), 'GROUP_NAME_BIDI_CONTROL');
  assert.is(await ask('creategroup', ['Jedi', 'Obi\u202ewan']), 'USER_NAME_BIDI_CONTROL');
  assert.is(await ask('joingroup', ['Jedi\u202e']), 'GROUP_NAME_BIDI_CONTROL');
  assert.is(await ask('groupmsg', ['Jedi\u202e', 'hi']), 'GROUP_NAME_BIDI_CONTROL');
  assert.is(
    await ask('p2pvideo', ['Obi-wan', 'lecture\u202e4pm.exe', '10']),
    'FILE_NAME_BIDI_CONTROL',
  );
  assert.is(await ask('p2pvideo', ['Obi\u202ewan', 'a.mp4', '10']), 'USER_NAME_BIDI_CONTROL');
  assert.is(await ask('creategroup', ['Jedi', 'Obi-wan']), 'OK', 'the session carries on');
  assert.equal(server.messagelog(), [], 'nothing was logged');
  const login = await RawClient.connect(server.port);
  login.hello();
  assert.is(
    codeOf(await login.response(login.request('username', ['Yoda\u202e']))),
    'USER_NAME_BIDI_CONTROL',
  );
  for (const c of [yoda, obi, login]) c.close();
  assert.is(await server.stop(), 0);
});

test('the client explains each refusal in words', async () => {
  const server = await startServer();
  const client = startClient(server, 'typist');
  await client.expect('Username:');
  client.type('Yo\u202eda');
  await client.expect(
    'User names cannot contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069).',
  );
  await client.expect('Username:');
  client.type('Yoda');
  await client.expect('Password:');
  client.type(PASSWORDS.Yoda!);
  await client.expect('Welcome to TESSENGER!');
  const obi = await loggedIn(server, 'Obi-wan');
  client.type('/msgto Obi-wan one\u2028two');
  await client.expect(
    'Message contains a Unicode line or paragraph separator (U+2028, U+2029 or U+0085), which is not allowed.',
  );
  client.type('/creategroup Je\u202edi Obi-wan');
  await client.expect('Group names cannot contain invisible bidirectional control characters');
  const file = join(clientDir(client), 'lecture\u202e4pm.exe');
  writeFileSync(file, 'x');
  client.type(`/p2pvideo Obi-wan lecture\u202e4pm.exe`);
  await client.expect('File names cannot contain invisible bidirectional control characters');
  client.type('/logout');
  obi.type('/logout');
  await Promise.all([client.exited, obi.exited]);
  assert.is(await server.stop(), 0);
});

test('look-alike names typed at login are quoted and escaped on the console', async () => {
  const server = await startServer({ attempts: 1 });
  for (const [name, shown] of [
    ['Y\u043eda', '"Y\\u043eda"'],
    ['\uff39\uff4f\uff44\uff41', '"\\uff39\\uff4f\\uff44\\uff41"'],
  ] as const) {
    const raw = await RawClient.connect(server.port);
    raw.hello();
    await raw.response(raw.request('username', [name]));
    assert.is(
      codeOf(await raw.response(raw.request('password', ['guess', '9000']))),
      'ACCOUNT_LOCKED_NOW',
    );
    await server.program.expect(
      `${shown} failed to log in from 127.0.0.1; the account is now blocked`,
    );
    raw.close();
  }
  assert.not.ok(/^Yoda failed/m.test(server.program.output), 'never printed as the real Yoda');
  assert.is(await server.stop(), 0);
});

test('a user whose name is not plain ASCII is answered with the name itself, at login and at logout', async () => {
  const name = 'Zo\u00eb-\u5e2b\u5085';
  const server = await startServer({ credentials: `${name} pw-zoe\n` });
  const zoe = await RawClient.connect(server.port);
  zoe.hello();
  await zoe.response(zoe.request('username', [name]));
  const login = await zoe.response(zoe.request('password', ['pw-zoe', '9']));
  assert.equal(login.t === 'res' && login.ok ? login.data : login, {
    username: name,
    invitations: [],
  });
  const bye = await zoe.response(zoe.request('logout'));
  assert.equal(
    bye.t === 'res' && bye.ok ? bye.data : bye,
    { username: name },
    "not the console's quoted form",
  );
  // the console still shows the name quoted and escaped
  await server.program.expect('"Zo\\u00eb-\\u5e2b\\u5085" logout');
  zoe.close();
  assert.is(await server.stop(), 0);
});

test.run();
