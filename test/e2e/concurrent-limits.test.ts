import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { PASSWORDS, startServer, type ServerHandle } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

// Every count-based limit must hold when the requests it guards arrive together: pipelined in
// one TCP chunk on one connection, or at once from many connections.

const codeOf = (m: ServerMessage): string =>
  m.t === 'res' && !m.ok ? m.error.code : m.t === 'res' ? 'OK' : m.t;

const tally = (codes: string[]): Record<string, number> =>
  codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

const groupLogs = (server: ServerHandle): string[] =>
  readdirSync(server.dataDir).filter((f) => f.endsWith('_messagelog.txt'));

async function loggedInRaw(server: ServerHandle, user: string): Promise<RawClient> {
  const raw = await RawClient.connect(server.port);
  await raw.login(user, PASSWORDS[user]!);
  return raw;
}

/** Sends every request in one write (one TCP chunk) and returns the answers' codes. */
async function pipelined(
  raw: RawClient,
  requests: Array<[string, string[]]>,
  firstId: number,
): Promise<string[]> {
  const frames = requests.map(([cmd, args], i) =>
    encodeFrame(JSON.stringify({ t: 'req', id: firstId + i, cmd, args })),
  );
  raw.sendBytes(Buffer.concat(frames));
  return Promise.all(requests.map(async (_, i) => codeOf(await raw.response(firstId + i))));
}

test('--max-groups 5: twenty creategroup requests in one chunk create five groups and five logs', async () => {
  const server = await startServer({ args: ['--max-groups', '5'] });
  const yoda = await loggedInRaw(server, 'Yoda');
  const obi = await loggedInRaw(server, 'Obi-wan');
  const codes = await pipelined(
    yoda,
    Array.from({ length: 20 }, (_, i) => ['creategroup', [`Room${i}`, 'Obi-wan']]),
    100,
  );
  assert.equal(tally(codes), { OK: 5, TOO_MANY_GROUPS: 15 });
  assert.is(groupLogs(server).length, 5, 'no log file for a group that was refused');
  yoda.close();
  obi.close();
  assert.is(await server.stop(), 0);
});

test('--max-groups 5: six users sending three creategroup each at once get five groups in total', async () => {
  const server = await startServer({ args: ['--max-groups', '5'] });
  const users = ['Yoda', 'Obi-wan', 'Hans', 'Luke', 'Leia', 'Vader'];
  const clients = await Promise.all(users.map((u) => loggedInRaw(server, u)));
  const codes = (
    await Promise.all(
      clients.map((raw, u) =>
        pipelined(
          raw,
          [0, 1, 2].map((i) => ['creategroup', [`R${u}x${i}`, users[(u + 1) % users.length]!]]),
          100,
        ),
      ),
    )
  ).flat();
  assert.equal(tally(codes), { OK: 5, TOO_MANY_GROUPS: 13 });
  assert.is(groupLogs(server).length, 5);
  clients.forEach((c) => c.close());
  assert.is(await server.stop(), 0);
});

test('the same group name requested many times at once: one group, the rest GROUP_EXISTS', async () => {
  const server = await startServer();
  const yoda = await loggedInRaw(server, 'Yoda');
  const obi = await loggedInRaw(server, 'Obi-wan');
  const codes = await pipelined(
    yoda,
    Array.from({ length: 10 }, () => ['creategroup', ['Same', 'Obi-wan']]),
    100,
  );
  const fromObi = await pipelined(
    obi,
    Array.from({ length: 10 }, () => ['creategroup', ['Same', 'Yoda']]),
    100,
  );
  assert.equal(tally([...codes, ...fromObi]), { OK: 1, GROUP_EXISTS: 19 });
  // Joining twice in one chunk: one join, one "already joined".
  const joins = await pipelined(
    codes[0] === 'OK' ? obi : yoda,
    [
      ['joingroup', ['Same']],
      ['joingroup', ['Same']],
    ],
    200,
  );
  assert.equal(joins, ['OK', 'ALREADY_JOINED']);
  yoda.close();
  obi.close();
  assert.is(await server.stop(), 0);
});

test('--max-ip-failures 3: ten wrong passwords at once from ten connections are checked three times', async () => {
  const server = await startServer({ attempts: 5, args: ['--max-ip-failures', '3'] });
  const users = [
    'Yoda',
    'Obi-wan',
    'Hans',
    'Luke',
    'Leia',
    'Vader',
    'Yoda',
    'Obi-wan',
    'Hans',
    'Luke',
  ];
  const clients = await Promise.all(users.map(() => RawClient.connect(server.port)));
  const codes = await Promise.all(
    clients.map(async (raw, i) => {
      raw.sendBytes(
        Buffer.concat([
          encodeFrame(JSON.stringify({ t: 'hello', v: 1 })),
          encodeFrame(JSON.stringify({ t: 'req', id: 1, cmd: 'username', args: [users[i]] })),
          encodeFrame(
            JSON.stringify({ t: 'req', id: 2, cmd: 'password', args: ['a wrong guess', '9000'] }),
          ),
        ]),
      );
      return codeOf(await raw.response(2));
    }),
  );
  assert.equal(tally(codes), { INVALID_PASSWORD: 3, LOGIN_THROTTLED: 7 });
  clients.forEach((c) => c.close());
  assert.is(await server.stop(), 0);
});

test('lockout of 3: ten guesses for one account at once from ten connections, three are checked', async () => {
  const server = await startServer({ attempts: 3 });
  const clients = await Promise.all(
    Array.from({ length: 10 }, () => RawClient.connect(server.port)),
  );
  const codes = await Promise.all(
    clients.map(async (raw, i) => {
      raw.sendBytes(
        Buffer.concat([
          encodeFrame(JSON.stringify({ t: 'hello', v: 1 })),
          encodeFrame(JSON.stringify({ t: 'req', id: 1, cmd: 'username', args: ['Luke'] })),
          encodeFrame(
            JSON.stringify({ t: 'req', id: 2, cmd: 'password', args: [`guess ${i}`, '9000'] }),
          ),
        ]),
      );
      const username = await raw.response(1);
      return codeOf(username) === 'OK' ? codeOf(await raw.response(2)) : codeOf(username);
    }),
  );
  assert.equal(tally(codes), { INVALID_PASSWORD: 2, ACCOUNT_LOCKED_NOW: 1, ACCOUNT_BLOCKED: 7 });
  // The right password during the block is still refused.
  const late = await RawClient.connect(server.port);
  late.hello();
  const blocked = await late.response(late.request('username', ['Luke']));
  assert.is(codeOf(blocked), 'ACCOUNT_BLOCKED');
  clients.forEach((c) => c.close());
  assert.is(await server.stop(), 0);
});

test('--rate-burst 100: 140 commands in one chunk get exactly 100 answers and 40 RATE_LIMITED', async () => {
  const server = await startServer({
    args: ['--rate-burst', '100', '--rate-per-second', '1', '--max-throttled', '50'],
  });
  const yoda = await loggedInRaw(server, 'Yoda');
  const codes = await pipelined(
    yoda,
    Array.from({ length: 140 }, () => ['activeuser', []]),
    100,
  );
  assert.equal(tally(codes), { OK: 100, RATE_LIMITED: 40 });
  yoda.close();
  assert.is(await server.stop(), 0);
});

test('--max-unauthenticated 5: fifty requests before login in one chunk: five answered, then the connection is closed', async () => {
  const server = await startServer({ args: ['--max-unauthenticated', '5'] });
  const raw = await RawClient.connect(server.port);
  raw.sendBytes(
    Buffer.concat([
      encodeFrame(JSON.stringify({ t: 'hello', v: 1 })),
      ...Array.from({ length: 50 }, (_, i) =>
        encodeFrame(JSON.stringify({ t: 'req', id: i + 1, cmd: 'activeuser', args: [] })),
      ),
    ]),
  );
  await raw.closedPromise;
  const answers = raw.received.filter((m) => m.t === 'res');
  assert.is(answers.length, 5);
  assert.ok(
    raw.received.some(
      (m) =>
        m.t === 'ev' &&
        m.ev === 'closing' &&
        (m.error as { code: string }).code === 'TOO_MANY_UNAUTHENTICATED_MESSAGES',
    ),
  );
  assert.is(await server.stop(), 0);
});

test('--max-connections-per-ip 5: thirty connections opened at once, five are served', async () => {
  const server = await startServer({ args: ['--max-connections-per-ip', '5'] });
  const clients = await Promise.all(
    Array.from({ length: 30 }, () => RawClient.connect(server.port)),
  );
  clients.forEach((c) => c.hello());
  const outcomes = await Promise.all(
    clients.map((c) =>
      c
        .waitFor((m) => m.t === 'welcome' || (m.t === 'ev' && m.ev === 'closing'))
        .then((m) =>
          m.t === 'welcome' ? 'welcome' : String((m as { error: { code: string } }).error.code),
        ),
    ),
  );
  assert.equal(tally(outcomes), { welcome: 5, TOO_MANY_CONNECTIONS_FROM_IP: 25 });
  clients.forEach((c) => c.close());
  assert.is(await server.stop(), 0);
});

test.run();
