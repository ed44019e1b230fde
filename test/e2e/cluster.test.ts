// Several servers form one Tessenger through Redis (docs/CLUSTER.md): three real server
// processes on one Redis, clients on different nodes. Time-based behaviour (heartbeat, expiry,
// Redis command timeout) runs with short injected durations; every wait is for a condition.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conn } from '../model/support.js';
import {
  beforeAll,
  eventually,
  startServer,
  tempDir,
  type ServerHandle,
} from '../support/processes.js';
import { deleteKeys, findRedis, reportNoRedis, uniquePrefix } from '../support/redis.js';

const USERS = Array.from({ length: 24 }, (_, i) => `u${String(i + 1).padStart(2, '0')}`);
const password = (user: string) => `pw-${user}!`;
const CREDENTIALS = USERS.map((u) => `${u} ${password(u)}\n`).join('');
const FAST = ['--node-heartbeat', '0.1', '--node-expiry', '0.5', '--redis-timeout', '0.5'];

const redis = await findRedis();

async function startNode(url: string, prefix: string, id: string, dir?: string) {
  return startServer({
    credentials: CREDENTIALS,
    attempts: 3,
    blockSeconds: 600,
    ...(dir ? { dir } : {}),
    args: ['--redis', url, '--redis-prefix', prefix, '--node-id', id, ...FAST],
  });
}

async function login(node: ServerHandle, user: string, udpPort = 9): Promise<Conn> {
  const conn = await Conn.open(node.port);
  await conn.ok('username', [user]);
  await conn.ok('password', [password(user), String(udpPort)]);
  return conn;
}

const userNames = (data: unknown): string[] =>
  (data as { users: Array<{ user: string }> }).users.map((u) => u.user);

const nextEvent = (conn: Conn, ev: string) =>
  conn.raw.waitFor((m) => m.t === 'ev' && m.ev === ev) as Promise<Record<string, unknown>>;

if (!redis) {
  reportNoRedis('cluster end-to-end tests');
} else {
  const { url } = redis;
  const prefix = uniquePrefix('cluster-e2e');
  let nodes: ServerHandle[] = [];

  beforeAll(async () => {
    nodes = await Promise.all(['a', 'b', 'c'].map((id) => startNode(url, prefix, id)));
  });

  test.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await deleteKeys(url, prefix);
    await redis.own?.stop();
  });

  test('a private message reaches a user on another node, logged once with a cluster-unique number', async () => {
    const [a, b, c] = nodes as [ServerHandle, ServerHandle, ServerHandle];
    const u1 = await login(a, 'u01');
    const u2 = await login(b, 'u02');
    const u3 = await login(c, 'u03');
    const event = nextEvent(u2, 'private');
    const sent = (await u1.ok('msgto', ['u02', 'hello from a'])) as { ts: string };
    assert.equal(await event, {
      t: 'ev',
      ev: 'private',
      from: 'u01',
      text: 'hello from a',
      ts: sent.ts,
    });
    const other = nextEvent(u1, 'private');
    await u3.ok('msgto', ['u01', 'hello from c']);
    assert.is((await other).text, 'hello from c');
    // Each node logs what its users sent; the numbers come from one cluster counter.
    const onA = a.messagelog().filter((l) => l.endsWith('; u02; hello from a'));
    const onC = c.messagelog().filter((l) => l.endsWith('; u01; hello from c'));
    assert.is(onA.length, 1);
    assert.is(onC.length, 1);
    assert.is(b.messagelog().length, 0, 'the receiving node logs nothing');
    const n = (line: string) => Number(line.split('; ')[0]);
    assert.ok(n(onC[0]!) > n(onA[0]!), 'numbers increase across the cluster');
    for (const conn of [u1, u2, u3]) await conn.close();
  });

  test('/activeuser lists the whole cluster; userlog.txt on every node too; a name is held once', async () => {
    const [a, b, c] = nodes as [ServerHandle, ServerHandle, ServerHandle];
    const u4 = await login(a, 'u04', 4004);
    const u5 = await login(b, 'u05', 4005);
    const u6 = await login(c, 'u06', 4006);
    const listed = await u4.ok('activeuser');
    for (const user of ['u05', 'u06']) assert.ok(userNames(listed).includes(user), user);
    assert.not.ok(userNames(listed).includes('u04'), 'not the asker');
    const row = (listed as { users: Array<{ user: string; udpPort: number }> }).users.find(
      (u) => u.user === 'u06',
    );
    assert.is(row?.udpPort, 4006);
    for (const node of nodes)
      await eventually(
        () =>
          ['u04', 'u05', 'u06'].every((u) => node.userlog().some((l) => l.includes(`; ${u}; `))),
        `userlog.txt of port ${node.port} to list u04-u06`,
      );
    // A second login of u05 on another node is refused as on one server.
    const again = await Conn.open(c.port);
    await again.ok('username', ['u05']);
    await again.fails('password', [password('u05'), '9'], 'USER_ALREADY_ACTIVE');
    await again.close();
    await u5.ok('logout');
    await eventually(
      () => !a.userlog().some((l) => l.includes('; u05; ')),
      'u05 to leave userlog.txt on node a',
    );
    for (const conn of [u4, u6]) await conn.close();
  });

  test('lockout across nodes: 2 failures on a and 1 on b block the account everywhere', async () => {
    const [a, b, c] = nodes as [ServerHandle, ServerHandle, ServerHandle];
    const fail = async (node: ServerHandle, code: string) => {
      const conn = await Conn.open(node.port);
      await conn.ok('username', ['u07']);
      await conn.fails('password', ['wrong', '9'], code);
      await conn.close();
    };
    await fail(a, 'INVALID_PASSWORD');
    await fail(a, 'INVALID_PASSWORD');
    await fail(b, 'ACCOUNT_LOCKED_NOW');
    const conn = await Conn.open(c.port);
    await conn.fails('username', ['u07'], 'ACCOUNT_BLOCKED');
  });

  test("groups are the cluster's: created on a, joined on b, messages fan out to every node", async () => {
    const [a, b, c] = nodes as [ServerHandle, ServerHandle, ServerHandle];
    const u8 = await login(a, 'u08');
    const u9 = await login(b, 'u09');
    const u10 = await login(c, 'u10');
    const u11 = await login(c, 'u11');
    const invited = nextEvent(u9, 'invited');
    await u8.ok('creategroup', ['Rebels', 'u09', 'u10', 'u11']);
    assert.is((await invited).group, 'Rebels');
    await u9.ok('joingroup', ['Rebels']);
    await u10.ok('joingroup', ['Rebels']);
    await u11.ok('joingroup', ['Rebels']);
    await u10.fails('joingroup', ['Rebels'], 'ALREADY_JOINED');
    await u9.fails('creategroup', ['Rebels', 'u08'], 'GROUP_EXISTS');
    const got = [u9, u10, u11].map((conn) => nextEvent(conn, 'group'));
    const sent = (await u8.ok('groupmsg', ['Rebels', 'to all nodes'])) as { ts: string };
    for (const event of await Promise.all(got))
      assert.equal(event, {
        t: 'ev',
        ev: 'group',
        group: 'Rebels',
        from: 'u08',
        text: 'to all nodes',
        ts: sent.ts,
      });
    assert.equal(
      a.groupLog('Rebels').map((l) => l.split('; ').slice(2).join('; ')),
      ['u08; to all nodes'],
    );
    for (const conn of [u8, u9, u10, u11]) await conn.close();
  });

  test('/p2pvideo across nodes: the introduction goes through the cluster with the UDP address', async () => {
    const [a, b] = nodes as [ServerHandle, ServerHandle];
    const presenter = await login(a, 'u12', 5012);
    const audience = await login(b, 'u13', 5013);
    const incoming = nextEvent(audience, 'p2p-incoming');
    const intro = (await presenter.ok('p2pvideo', ['u13', 'a.mp4', '1234'])) as {
      transferId: string;
      key: string;
      audience: { address: string; port: number };
    };
    assert.equal(intro.audience, { address: '127.0.0.1', port: 5013 });
    const told = await incoming;
    assert.is(told.transferId, intro.transferId);
    assert.is(told.key, intro.key);
    assert.is(told.presenter, 'u12');
    // The audience leaves on node b: the presenter on node a is told at once.
    const left = nextEvent(presenter, 'p2p-peer-left');
    await audience.close();
    assert.equal(await left, {
      t: 'ev',
      ev: 'p2p-peer-left',
      transferId: intro.transferId,
      user: 'u13',
    });
    await presenter.close();
  });
}

test.run();
