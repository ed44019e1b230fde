import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  beforeAll,
  eventually,
  loggedIn,
  PASSWORDS,
  PROMPT,
  startClient,
  startServer,
  type Program,
  type ServerHandle,
} from '../support/processes.js';

let server: ServerHandle;

/** Types `times` wrong passwords, each answered with the SPEC's retry line. */
async function failPasswords(client: Program, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await client.expect('Password:');
    client.type('wrong');
    await client.expect('Invalid Password. Please try again');
  }
}
beforeAll(async () => {
  server = await startServer({ attempts: 3, blockSeconds: 3 });
});
test.after(async () => {
  await server.stop();
});

test('Yoda logs in: prompts, welcome, the command prompt, userlog line and console line', async () => {
  const yoda = startClient(server, 'Yoda');
  await yoda.expect('Please login');
  await yoda.expect('Username:');
  yoda.type('Yoda');
  await yoda.expect('Password:');
  yoda.type(PASSWORDS.Yoda!);
  await yoda.expect('Welcome to TESSENGER!');
  await yoda.expect(PROMPT);
  await server.program.expect('Yoda is online');
  const [line] = server.userlog();
  assert.match(
    line ?? '',
    /^1; \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}; Yoda; 127\.0\.0\.1; \d+$/,
  );
  assert.not.ok(
    server.program.output.includes(PASSWORDS.Yoda!),
    'the console never shows a password',
  );
  yoda.type('/logout');
  await yoda.expect('Bye, Yoda!');
  assert.is(await yoda.exitCode(), 0);
  assert.equal(server.userlog(), []);
});

test('a wrong password re-prompts for the password only', async () => {
  const client = startClient(server, 'Hans');
  await client.expect('Username:');
  client.type('Hans');
  await client.expect('Password:');
  client.type('not-his-password');
  await client.expect('Invalid Password. Please try again');
  await client.expect('Password:');
  client.type(PASSWORDS.Hans!);
  await client.expect('Welcome to TESSENGER!');
  // Checked once the login is over, so a late re-prompt for the username would be seen.
  assert.is(client.output.split('Username:').length - 1, 1, 'the username is asked once');
  client.type('/logout');
  assert.is(await client.exitCode(), 0);
});

test('an unknown username gets exactly the reply a wrong password gets', async () => {
  const client = startClient(server, 'nobody');
  await client.expect('Username:');
  client.type('Chewbacca');
  await client.expect('Password:');
  client.type('whatever');
  await client.expect('Invalid Password. Please try again');
  await client.expect('Password:');
  client.closeInput();
  assert.is(await client.exitCode(), 0);
});

test('the third failure blocks Leia, the client exits, and even the right password is refused during the block', async () => {
  const first = startClient(server, 'Leia-1');
  // The second client is started (and waits at its prompt) before the block begins: the block
  // lasts 3 s, and a client's start-up on a loaded machine must not use it up.
  const second = startClient(server, 'Leia-2');
  await second.expect('Username:');
  await first.expect('Username:');
  first.type('Leia');
  await failPasswords(first, 2);
  await first.expect('Password:');
  first.type('wrong');
  await first.expect('Invalid Password. Your account has been blocked. Please try again later');
  assert.is(await first.exitCode(), 1);
  await server.program.expect('Leia failed to log in from 127.0.0.1; the account is now blocked');

  second.type('Leia');
  await second.expect(
    'Your account is blocked due to multiple login failures. Please try again later',
  );
  assert.is(await second.exitCode(), 1);

  // The block lasts --block-seconds 3: wait for the server to say it ended, then log in.
  await server.program.expect('Leia is no longer blocked');
  const third = await loggedIn(server, 'Leia');
  third.type('/logout');
  assert.is(await third.exitCode(), 0);
});

test('failures spread over two connections count together (2 + 1 reaches 3)', async () => {
  const first = startClient(server, 'Luke-1');
  await first.expect('Username:');
  first.type('Luke');
  await failPasswords(first, 2);
  first.closeInput();
  await first.exited;

  const second = startClient(server, 'Luke-2');
  await second.expect('Username:');
  second.type('Luke');
  await second.expect('Password:');
  second.type('still wrong');
  await second.expect('Invalid Password. Your account has been blocked. Please try again later');
  assert.is(await second.exitCode(), 1);
  await server.program.expect('Luke is no longer blocked');
});

test('a successful login resets the failure count', async () => {
  const first = startClient(server, 'Vader-1');
  await first.expect('Username:');
  first.type('Vader');
  await failPasswords(first, 2);
  await first.expect('Password:');
  first.type(PASSWORDS.Vader!);
  await first.expect('Welcome to TESSENGER!');
  first.type('/logout');
  await first.exited;

  const second = startClient(server, 'Vader-2');
  await second.expect('Username:');
  second.type('Vader');
  await second.expect('Password:');
  second.type('wrong');
  await second.expect('Invalid Password. Please try again');
  await second.expect('Password:');
  second.type(PASSWORDS.Vader!);
  await second.expect('Welcome to TESSENGER!');
  second.type('/logout');
  assert.is(await second.exitCode(), 0);
});

test('a second login of an active user is refused and the first session is unharmed', async () => {
  const first = await loggedIn(server, 'Obi-wan');
  const second = startClient(server, 'Obi-wan-again');
  await second.expect('Username:');
  second.type('Obi-wan');
  await second.expect('Password:');
  second.type(PASSWORDS['Obi-wan']!);
  await second.expect('Obi-wan is already logged in from another client. Log out there first.');
  await second.expect('Username:');
  second.closeInput();
  assert.is(await second.exitCode(), 0);
  first.type('/activeuser');
  await first.expect('no other active user');
  assert.is(server.userlog().length, 1);
  first.type('/logout');
  await first.expect('Bye, Obi-wan!');
});

test('/activeuser lists the others with ip, udp port and login time; /logout renumbers userlog.txt', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type('/activeuser');
  await yoda.expect('no other active user');
  const obi = await loggedIn(server, 'Obi-wan');
  const hans = await loggedIn(server, 'Hans');
  await eventually(() => server.userlog().length === 3, 'three userlog lines');
  const lines = server.userlog();
  assert.match(lines[0] ?? '', /^1; .*; Yoda; 127\.0\.0\.1; \d+$/);
  assert.match(lines[1] ?? '', /^2; .*; Obi-wan; 127\.0\.0\.1; \d+$/);
  assert.match(lines[2] ?? '', /^3; .*; Hans; 127\.0\.0\.1; \d+$/);
  const [, obiSince, , , obiPort] = (lines[1] ?? '').split('; ');
  yoda.type('/activeuser');
  await yoda.expect(`Obi-wan, 127.0.0.1, ${obiPort}, active since ${obiSince}.`);
  await yoda.expect(/Hans, 127\.0\.0\.1, \d+, active since .*\./);
  assert.ok(!yoda.unread.includes('Yoda, 127'), 'the asker is not listed');
  await server.program.expect('Yoda issued /activeuser command');

  obi.type('/logout');
  await obi.expect('Bye, Obi-wan!');
  assert.is(await obi.exitCode(), 0);
  const after = server.userlog();
  assert.is(after.length, 2);
  assert.match(after[0] ?? '', /^1; .*; Yoda;/);
  assert.match(after[1] ?? '', /^2; .*; Hans;/);
  await server.program.expect('Obi-wan logout');

  yoda.type('/logout');
  hans.type('/logout');
  await Promise.all([yoda.exited, hans.exited]);
});

test('a client killed with SIGKILL leaves userlog.txt and /activeuser at once', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  const luke = await loggedIn(server, 'Luke');
  luke.kill('SIGKILL');
  await luke.exited;
  await server.program.expect('Luke logout');
  await eventually(() => server.userlog().length === 1, 'Luke to leave userlog.txt');
  assert.match(server.userlog()[0] ?? '', /^1; .*; Yoda;/);
  yoda.type('/activeuser');
  await yoda.expect('no other active user');
  yoda.type('/logout');
  await yoda.exited;
});

test('unknown commands and wrong arity are answered locally', async () => {
  const yoda = await loggedIn(server, 'Yoda');
  yoda.type('/dance');
  await yoda.expect('Error. Invalid command!');
  yoda.type('hello');
  await yoda.expect('Error. Invalid command!');
  yoda.type('/activeuser now');
  await yoda.expect('Usage: /activeuser');
  yoda.type('/msgto Obi-wan');
  await yoda.expect('Usage: /msgto USERNAME MESSAGE');
  yoda.type('/logout please');
  await yoda.expect('Usage: /logout');
  yoda.type('/logout');
  await yoda.expect('Bye, Yoda!');
});

test('end of input (Ctrl-D) logs out cleanly', async () => {
  const hans = await loggedIn(server, 'Hans');
  hans.closeInput();
  await hans.expect('Bye, Hans!');
  assert.is(await hans.exitCode(), 0);
  await eventually(
    () => !server.userlog().some((l) => l.includes('Hans')),
    'Hans to leave userlog.txt',
  );
});

test('SIGINT to the client logs out cleanly', async () => {
  const hans = await loggedIn(server, 'Hans');
  hans.kill('SIGINT');
  await hans.expect('Bye, Hans!');
  assert.is(await hans.exitCode(), 0);
});

test.run();
