// Logins are read a few per event-loop turn (src/server/login-pacing.ts); here the server reads
// one per turn, so every login of a crowd waits its turn. Each must still be answered exactly as
// it would be at once, in order, and a connection that leaves while waiting must leave no trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { beforeAll, eventually, startServer, type ServerHandle } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

const USERS = 60;
const credentials = Array.from({ length: USERS + 1 }, (_, i) => `user${i} pw${i}`).join('\n');

let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({
    credentials: `${credentials}\n`,
    args: ['--plaintext', '--max-ip-failures', '1000000', '--max-connections-per-ip', '1000'],
    entry: [
      '--import',
      import.meta.resolve('tsx'),
      new URL('./paced-login-server.ts', import.meta.url).pathname,
    ],
  });
});

test.after(async () => {
  server.program.kill('SIGTERM');
  await server.program.exited;
});

const frame = (message: unknown): Buffer => encodeFrame(JSON.stringify(message));

/** A whole login and one command after it, in one write. */
const loginAndAsk = (i: number): Buffer =>
  Buffer.concat([
    frame({ t: 'hello', v: 1 }),
    frame({ t: 'req', id: 1, cmd: 'username', args: [`user${i}`] }),
    frame({ t: 'req', id: 2, cmd: 'password', args: [`pw${i}`, String(1000 + i)] }),
    frame({ t: 'req', id: 3, cmd: 'activeuser', args: [] }),
  ]);

const brief = (m: ServerMessage): string =>
  m.t === 'res' ? `res ${m.id} ${m.ok ? 'ok' : m.error.code}` : m.t;

test('a crowd of logins sent at once: each is answered in order, as if it came alone', async () => {
  const clients = await Promise.all(
    Array.from({ length: USERS }, () => RawClient.connect(server.port, { plaintext: true })),
  );
  clients.forEach((raw, i) => raw.sendBytes(loginAndAsk(i)));
  await Promise.all(clients.map((raw) => raw.waitFor((m) => m.t === 'res' && m.id === 3)));
  clients.forEach((raw, i) => {
    assert.equal(
      raw.received.filter((m) => m.t !== 'ev').map(brief),
      ['welcome', 'res 1 ok', 'res 2 ok', 'res 3 ok'],
      `user${i}`,
    );
    const login = raw.received.find((m) => m.t === 'res' && m.id === 2);
    assert.is((login as { data?: { username?: string } }).data?.username, `user${i}`);
  });
  await eventually(() => server.userlog().length === USERS, `${USERS} users in userlog.txt`);
  for (const raw of clients) raw.socket.destroy();
  await eventually(() => server.userlog().length === 0, 'an empty userlog.txt');
});

test('connections that leave while their login waits are never logged in; the others are', async () => {
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => RawClient.connect(server.port, { plaintext: true })),
  );
  clients.forEach((raw, i) => {
    raw.sendBytes(loginAndAsk(i));
    if (i % 2 === 1) raw.socket.destroy();
  });
  const stayed = clients.filter((_, i) => i % 2 === 0);
  await Promise.all(stayed.map((raw) => raw.waitFor((m) => m.t === 'res' && m.id === 3)));
  const listed = () =>
    server
      .userlog()
      .map((line) => line.split('; ')[2])
      .sort()
      .join(' ');
  const expected = stayed
    .map((_, k) => `user${2 * k}`)
    .sort()
    .join(' ');
  // The ones that left may be listed for a moment (logged in, then gone): wait for the end state.
  await eventually(() => listed() === expected, `userlog.txt listing exactly: ${expected}`);
  for (const raw of stayed) raw.socket.destroy();
  await eventually(() => server.userlog().length === 0, 'an empty userlog.txt');
});

test.run();
