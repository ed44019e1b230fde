import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loggedIn, PASSWORDS, startServer } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

type Coded = { error: { code: string; retryAfterSeconds?: number } };
const codeOf = (m: unknown) => (m as Coded).error.code;
const closingCode = async (raw: RawClient) =>
  codeOf(await raw.waitFor((m) => m.t === 'ev' && m.ev === 'closing'));

test('command rate: a burst passes, then RATE_LIMITED, then a sustained flood is cut; an honest client next to it is unaffected', async () => {
  const server = await startServer({
    args: ['--rate-burst', '10', '--rate-per-second', '1', '--max-throttled', '5'],
  });
  const obi = await loggedIn(server, 'Obi-wan');
  const raw = await RawClient.connect(server.port);
  await raw.login('Yoda', PASSWORDS.Yoda!);
  const ids = Array.from({ length: 30 }, () => raw.request('activeuser'));
  const first = await raw.response(ids[0]!);
  assert.ok(first.t === 'res' && first.ok, 'the burst passes');
  assert.is(codeOf(await raw.response(ids[10]!)), 'RATE_LIMITED');
  assert.ok(((await raw.response(ids[10]!)) as Coded).error.retryAfterSeconds! >= 1);
  assert.is(await closingCode(raw), 'FLOODING');
  await raw.closedPromise;
  await server.program.expect(
    'Disconnecting Yoda: limit maxThrottled (5) reached, sustained flood',
  );
  await server.program.expect('Yoda logout');
  obi.type('/activeuser');
  await obi.expect('no other active user');
  // Pasting a few lines is honest and passes.
  obi.type(['/activeuser', '/activeuser', '/activeuser'].join('\n'));
  for (let i = 0; i < 3; i++) await obi.expect('no other active user');
  obi.type('/logout');
  await obi.exited;
  await server.stop();
});

test('the terminal client shows RATE_LIMITED plainly', async () => {
  const server = await startServer({
    args: ['--rate-burst', '2', '--rate-per-second', '1', '--max-throttled', '50'],
  });
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type(['/activeuser', '/activeuser', '/activeuser', '/activeuser'].join('\n'));
  await yoda.expect(/You are sending too fast\. Please wait \d+ s and try again\./);
  yoda.type('/logout');
  await yoda.exited;
  await server.stop();
});

test('per-IP and total connection caps refuse with a clear code; existing clients are unaffected', async () => {
  const server = await startServer({ args: ['--max-connections-per-ip', '2'] });
  const yoda = await loggedIn(server, 'Yoda');
  const second = await RawClient.connect(server.port);
  const third = await RawClient.connect(server.port);
  assert.is(await closingCode(third), 'TOO_MANY_CONNECTIONS_FROM_IP');
  await server.program.expect(
    'Refusing connection from 127.0.0.1: limit maxConnectionsPerIp (2) reached',
  );
  yoda.type('/activeuser');
  await yoda.expect('no other active user');
  second.close();
  yoda.type('/logout');
  await yoda.exited;
  await server.stop();

  const capped = await startServer({ args: ['--max-connections', '1'] });
  const first = await loggedIn(capped, 'Hans');
  const refused = await RawClient.connect(capped.port);
  assert.is(await closingCode(refused), 'TOO_MANY_CONNECTIONS');
  await capped.program.expect('limit maxConnections (1) reached');
  first.type('/activeuser');
  await first.expect('no other active user');
  first.type('/logout');
  await first.exited;
  await capped.stop();
});

test('--max-groups caps group chats with a clear error; the groups that exist keep working', async () => {
  const server = await startServer({ args: ['--max-groups', '1'] });
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  yoda.type('/creategroup One Obi-wan');
  await yoda.expect('Group chat room has been created, room name: One');
  yoda.type('/creategroup Two Obi-wan');
  await yoda.expect(
    'The server already holds its maximum of 1 group chats; the group was not created.',
  );
  assert.equal(server.groupLog('Two'), [], 'no log file for a refused group');
  yoda.type('/groupmsg One still here');
  await yoda.expect('Group chat message sent.');
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
  await server.stop();
});

test('more groups than open log files: a group whose log was closed reopens it and continues its numbering', async () => {
  const server = await startServer({ args: ['--rate-burst', '1000'] });
  const raw = await RawClient.connect(server.port);
  await raw.login('Yoda', PASSWORDS.Yoda!);
  const obi = await RawClient.connect(server.port);
  await obi.login('Obi-wan', PASSWORDS['Obi-wan']!);
  const ok = (m: unknown) => (m as { ok: boolean }).ok;
  assert.ok(ok(await raw.response(raw.request('creategroup', ['G0', 'Obi-wan']))));
  assert.ok(ok(await raw.response(raw.request('groupmsg', ['G0', 'first']))));
  // 70 more groups, each written to, push G0's log out of the 64 kept open.
  for (let i = 1; i <= 70; i++) {
    assert.ok(ok(await raw.response(raw.request('creategroup', [`G${i}`, 'Obi-wan']))));
    assert.ok(ok(await raw.response(raw.request('groupmsg', [`G${i}`, 'hello']))));
  }
  assert.ok(ok(await raw.response(raw.request('groupmsg', ['G0', 'second']))));
  const log = server.groupLog('G0');
  assert.is(log.length, 2);
  assert.match(log[0] ?? '', /^1; .*; Yoda; first$/);
  assert.match(log[1] ?? '', /^2; .*; Yoda; second$/);
  raw.close();
  obi.close();
  await server.stop();
});

test('too many requests before login: TOO_MANY_UNAUTHENTICATED_MESSAGES', async () => {
  const server = await startServer({ args: ['--max-unauthenticated', '5'] });
  const raw = await RawClient.connect(server.port);
  raw.hello();
  for (let i = 0; i < 10; i++) raw.request('activeuser');
  assert.is(await closingCode(raw), 'TOO_MANY_UNAUTHENTICATED_MESSAGES');
  await server.program.expect('limit maxUnauthenticatedMessages (5) reached');
  await server.stop();
});

test('a client that does not read is cut at --max-queued-bytes; the server and the sender carry on', async () => {
  const server = await startServer({
    args: ['--max-queued-bytes', '65536', '--rate-burst', '100000', '--rate-per-second', '100000'],
  });
  const stuck = await RawClient.connect(server.port);
  await stuck.login('Obi-wan', PASSWORDS['Obi-wan']!);
  stuck.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
  const sender = await RawClient.connect(server.port);
  await sender.login('Yoda', PASSWORDS.Yoda!);
  const text = 'x'.repeat(1000);
  let last = 0;
  for (let i = 0; i < 20_000 && !stuck.closed; i++) {
    last = sender.request('msgto', ['Obi-wan', text]);
    if (i % 500 === 499) {
      await sender.response(last);
      if (server.program.output.includes('limit maxQueuedBytes')) break;
    }
  }
  await server.program.expect(
    'Disconnecting Obi-wan: limit maxQueuedBytes (65536) reached, client is not reading',
  );
  stuck.socket.destroy();
  const after = await sender.response(sender.request('activeuser'));
  assert.ok(after.t === 'res' && after.ok);
  sender.close();
  await server.stop();
});

test('per-IP login failure throttle: one address cannot lock account after account', async () => {
  const server = await startServer({ attempts: 5, args: ['--max-ip-failures', '3'] });
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  await raw.response(raw.request('username', ['Luke']));
  for (let i = 0; i < 3; i++)
    assert.is(
      codeOf(await raw.response(raw.request('password', ['guess', '9000']))),
      'INVALID_PASSWORD',
    );
  const throttled = await raw.response(raw.request('password', ['guess', '9000']));
  assert.is(codeOf(throttled), 'LOGIN_THROTTLED');
  await raw.closedPromise;
  await server.program.expect(
    'Refusing a login from 127.0.0.1: limit maxFailuresPerIpPerMinute (3) reached',
  );
  const again = await RawClient.connect(server.port);
  again.hello();
  await again.response(again.request('username', ['Leia']));
  assert.is(
    codeOf(await again.response(again.request('password', ['guess', '9000']))),
    'LOGIN_THROTTLED',
    'other accounts are shielded too',
  );
  await server.stop();
});

test('the terminal client explains the IP throttle and exits', async () => {
  const server = await startServer({ attempts: 5, args: ['--max-ip-failures', '1'] });
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.response(raw.request('username', ['Luke']));
  await raw.response(raw.request('password', ['guess', '9000']));
  raw.close();
  const { startClient } = await import('../support/processes.js');
  const client = startClient(server, 'throttled');
  await client.expect('Username:');
  client.type('Hans');
  await client.expect('Password:');
  client.type(PASSWORDS.Hans!);
  await client.expect(/Too many failed logins from your address\. Please try again in \d+ s\./);
  assert.is(await client.exitCode(), 1);
  await server.stop();
});

test.run();
