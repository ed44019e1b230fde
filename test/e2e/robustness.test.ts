import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  beforeAll,
  loggedIn,
  PASSWORDS,
  startClient,
  startServer,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer({ attempts: 3, args: ['--login-timeout', '1'] });
});
test.after(async () => {
  await server.stop();
});

test('garbage bytes on a raw socket do not disturb a logged-in client', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  const junk = await RawClient.connect(server.port);
  junk.sendBytes(randomBytes(4096));
  await junk.closedPromise;
  const junk2 = await RawClient.connect(server.port);
  junk2.hello();
  await junk2.waitFor((m) => m.t === 'welcome');
  for (let i = 0; i < 3; i++)
    junk2.sendBytes(Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('{{{{{')]));
  await junk2.waitFor((m) => m.t === 'ev' && m.ev === 'error');
  yoda.type('/msgto Obi-wan still here?');
  await obi.expect(/Yoda: still here\?/);
  await yoda.expect(/message sent at .*\./);
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
  junk2.close();
});

test('an oversized frame closes that connection with FRAME_TOO_LARGE, nothing else', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(50 * 1024 * 1024);
  raw.sendBytes(header);
  const closing = await raw.waitFor((m) => m.t === 'ev' && m.ev === 'closing');
  assert.equal((closing as { error: { code: string } }).error.code, 'FRAME_TOO_LARGE');
  await raw.closedPromise;
  await server.program.expect('limit maxFrameBytes (65536) exceeded');
});

test('a request before the handshake is refused with HANDSHAKE_REQUIRED', async () => {
  const raw = await RawClient.connect(server.port);
  raw.request('activeuser');
  const closing = await raw.waitFor((m) => m.t === 'ev' && m.ev === 'closing');
  assert.equal((closing as { error: { code: string } }).error.code, 'HANDSHAKE_REQUIRED');
  await raw.closedPromise;
});

test('commands before login get NOT_LOGGED_IN; a password before a username gets OUT_OF_ORDER', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  const msg = await raw.response(raw.request('msgto', ['Yoda', 'hi']));
  assert.equal((msg as { error: { code: string } }).error.code, 'NOT_LOGGED_IN');
  const pw = await raw.response(raw.request('password', ['x', '9000']));
  assert.equal((pw as { error: { code: string } }).error.code, 'OUT_OF_ORDER');
  const unknown = await raw.response(raw.request('fly', []));
  assert.equal((unknown as { error: { code: string } }).error.code, 'UNKNOWN_COMMAND');
  const arity = await raw.response(raw.request('username', []));
  assert.equal((arity as { error: { code: string } }).error.code, 'BAD_ARGUMENTS');
  raw.close();
});

test('a connection that never logs in is closed after --login-timeout with LOGIN_TIMEOUT', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  const closing = await raw.waitFor((m) => m.t === 'ev' && m.ev === 'closing');
  assert.equal((closing as { error: { code: string } }).error.code, 'LOGIN_TIMEOUT');
  await raw.closedPromise;
  await server.program.expect('limit loginTimeout (1000 ms) reached');
});

test('the terminal client says so when the login times out', async () => {
  const client = startClient(server, 'slow');
  await client.expect('Username:');
  await client.expect('Login took too long; the server closed the connection. Please try again.');
  assert.is(await client.exitCode(), 1);
});

test('a client whose server is unreachable prints one line and exits non-zero', async () => {
  const client = startClient({ port: 1 }, 'nowhere');
  await client.expect(/Cannot connect to the server at 127\.0\.0\.1:1 \(ECONNREFUSED\)\./);
  assert.is(await client.exitCode(), 1);
  assert.ok(!client.output.includes('    at '), 'no stack trace');
});

test('a disconnect in the middle of a frame is harmless', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  raw.sendBytes(Buffer.from([0, 0, 1, 0, 123, 34]));
  raw.socket.destroy();
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type('/logout');
  assert.is(await yoda.exitCode(), 0);
});

test('raw login with the wrong password via the protocol returns INVALID_PASSWORD, never the password', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  await raw.response(raw.request('username', ['Hans']));
  const res = await raw.response(raw.request('password', ['nope', '9000']));
  assert.equal((res as { error: { code: string } }).error.code, 'INVALID_PASSWORD');
  assert.ok(!JSON.stringify(raw.received).includes(PASSWORDS.Hans!));
  raw.close();
});

test('a client that disconnects mid-command: the message it sent is still logged and delivered, the server carries on', async () => {
  const obi = await loggedIn(server, 'Obi-wan');
  const raw = await RawClient.connect(server.port);
  await raw.login('Yoda', PASSWORDS.Yoda!);
  raw.request('msgto', ['Obi-wan', 'sent then gone']);
  raw.socket.destroy();
  await obi.expect('Yoda: sent then gone');
  await server.program.expect('Yoda logout');
  obi.type('/activeuser');
  await obi.expect('no other active user');
  obi.type('/logout');
  await obi.exited;
});

test('a hostile "username" cannot forge console lines or send terminal escapes', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  const forged = 'x\nVader is online\u001b[2J';
  await raw.response(raw.request('username', [forged]));
  const res = await raw.response(raw.request('password', ['whatever', '9000']));
  assert.equal((res as { error: { code: string } }).error.code, 'INVALID_PASSWORD');
  await server.program.expect('"x\\nVader is online\\u001b[2J" failed to log in from 127.0.0.1');
  assert.not.ok(server.program.output.split('\n').includes('Vader is online'), 'no forged line');
  assert.not.ok(server.program.output.includes('\u001b'), 'no escape sequence reaches the console');
  raw.close();
});

test('pipelined requests: login steps keep their order, and a logout answers the commands before it', async () => {
  const obi = await loggedIn(server, 'Obi-wan');
  const raw = await RawClient.connect(server.port);
  raw.hello();
  const user = raw.request('username', ['Yoda']);
  const pass = raw.request('password', [PASSWORDS.Yoda!, '9000']);
  const ok = (m: unknown) => (m as { ok: boolean }).ok;
  assert.ok(ok(await raw.response(user)));
  assert.ok(ok(await raw.response(pass)));
  const sends = Array.from({ length: 20 }, (_, i) =>
    raw.request('msgto', ['Obi-wan', `pipelined ${i}`]),
  );
  const bye = raw.request('logout');
  for (const id of sends)
    assert.ok(ok(await raw.response(id)), 'every message before the logout is acknowledged');
  assert.ok(ok(await raw.response(bye)));
  await raw.closedPromise;
  for (let i = 0; i < 20; i++) await obi.expect(`Yoda: pipelined ${i}`);
  obi.type('/logout');
  await obi.exited;
});

test.run();
