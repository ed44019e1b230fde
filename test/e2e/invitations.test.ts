// SPEC §4 leaves invitees to find out by themselves; here they are told: at once when online,
// and at their next login while the invitation is still open (not yet joined).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll, loggedIn, startServer, type ServerHandle } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer();
});
test.after(async () => {
  await server.stop();
});

test('an online invitee sees who invited them to which group and how to join', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  const luke = await loggedIn(server, 'Luke');
  yoda.type('/creategroup Jedi Obi-wan Luke');
  await yoda.expect(
    'Group chat room has been created, room name: Jedi, users in this room: Yoda, Obi-wan, Luke',
  );
  await obi.expect('Yoda invited you to the group chat Jedi. To join: /joingroup Jedi');
  await luke.expect('Yoda invited you to the group chat Jedi. To join: /joingroup Jedi');
  assert.not.ok(yoda.output.includes('invited you'), 'the creator is not invited');
  obi.type('/joingroup Jedi');
  await obi.expect('Joined the group chat: Jedi successfully.');
  for (const c of [yoda, obi, luke]) c.type('/logout');
  await Promise.all([yoda.exited, obi.exited, luke.exited]);
});

test('an invitation not yet joined is shown at the next login, after the welcome; once joined it is not', async () => {
  const hans = await loggedIn(server, 'Hans');
  const leia = await loggedIn(server, 'Leia');
  hans.type('/creategroup Rebels Leia');
  await leia.expect('Hans invited you to the group chat Rebels. To join: /joingroup Rebels');
  leia.type('/logout');
  await leia.exited;

  // loggedIn waits for the first prompt, which comes after the welcome and the invitation.
  const back = await loggedIn(server, 'Leia');
  const welcome = back.output.indexOf('Welcome to TESSENGER!');
  const invitation = back.output.indexOf(
    'Hans invited you to the group chat Rebels. To join: /joingroup Rebels',
  );
  assert.ok(welcome >= 0 && invitation > welcome, back.output);
  back.type('/joingroup Rebels');
  await back.expect('Joined the group chat: Rebels successfully.');
  back.type('/logout');
  await back.exited;

  const again = await loggedIn(server, 'Leia');
  again.type('/activeuser');
  await again.expect('active since');
  assert.not.ok(again.output.includes('invited you'), 'a joined group is no longer an invitation');
  for (const c of [hans, again]) c.type('/logout');
  await Promise.all([hans.exited, again.exited]);
});

test('on the wire: an "invited" event, and pending invitations in the login reply', async () => {
  const vader = await RawClient.connect(server.port);
  await vader.login('Vader', '666sithlord**');
  const luke = await RawClient.connect(server.port);
  await luke.login('Obi-wan', 'bearded@jedi');
  await vader.response(vader.request('creategroup', ['Empire', 'Obi-wan']));
  const event = await luke.waitFor((m) => m.t === 'ev' && m.ev === 'invited');
  assert.equal(event, { t: 'ev', ev: 'invited', group: 'Empire', by: 'Vader' });
  luke.close();
  await luke.closedPromise;
  const again = await RawClient.connect(server.port);
  again.hello();
  await again.waitFor((m) => m.t === 'welcome');
  await again.response(again.request('username', ['Obi-wan']));
  const reply = await again.response(again.request('password', ['bearded@jedi', '9']));
  assert.equal(reply.t === 'res' && reply.ok ? reply.data : undefined, {
    username: 'Obi-wan',
    invitations: [{ group: 'Empire', by: 'Vader' }],
  });
  again.close();
  vader.close();
});

test.run();
