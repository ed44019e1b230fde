// How a cluster fails and recovers (docs/CLUSTER.md): a node killed with kill -9 has its users
// leave presence once its heartbeat expires; a restarted node rejoins; when Redis goes away the
// nodes keep running and refuse what needs the cluster with CLUSTER_UNAVAILABLE, and recover
// by themselves when it is back. Durations are injected (a 0.1 s heartbeat, 0.5 s expiry) and
// every wait is for a condition (a console line, a reply), never for time to pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conn } from '../model/support.js';
import { eventually, startServer, tempDir, type ServerHandle } from '../support/processes.js';
import {
  deleteKeys,
  findRedis,
  OwnRedis,
  RedisGate,
  reportNoRedis,
  uniquePrefix,
} from '../support/redis.js';
import { hasRedisServer } from '../support/redis.js';

const USERS = Array.from({ length: 16 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);
const password = (user: string) => `pw-${user}!`;
const CREDENTIALS = USERS.map((u) => `${u} ${password(u)}\n`).join('');

const redis = await findRedis();

function startNode(
  url: string,
  prefix: string,
  id: string,
  options: { dir?: string; heartbeat?: string; expiry?: string; extra?: string[] } = {},
) {
  return startServer({
    credentials: CREDENTIALS,
    ...(options.dir ? { dir: options.dir } : {}),
    args: [
      '--redis',
      url,
      '--redis-prefix',
      prefix,
      '--node-id',
      id,
      '--node-heartbeat',
      options.heartbeat ?? '0.1',
      '--node-expiry',
      options.expiry ?? '0.5',
      '--redis-timeout',
      '0.5',
      ...(options.extra ?? []),
    ],
  });
}

async function login(node: ServerHandle, user: string): Promise<Conn> {
  const conn = await Conn.open(node.port);
  await conn.ok('username', [user]);
  await conn.ok('password', [password(user), '9']);
  return conn;
}

const activeUsers = async (conn: Conn): Promise<string[]> =>
  ((await conn.ok('activeuser')) as { users: Array<{ user: string }> }).users.map((u) => u.user);

if (!redis) {
  reportNoRedis('cluster failure tests');
} else {
  test.after(async () => {
    await redis.own?.stop();
  });

  test('kill -9 of a node: its users leave presence once its heartbeat expires; restarted, it rejoins', async () => {
    const prefix = uniquePrefix('kill9');
    const a = await startNode(redis.url, prefix, 'a');
    const bDir = tempDir('cluster-node-b');
    const b = await startNode(redis.url, prefix, 'b', { dir: bDir });
    const watcher = await login(a, 'f01');
    await login(b, 'f02');
    assert.ok((await activeUsers(watcher)).includes('f02'));
    b.program.kill('SIGKILL');
    await b.program.exited;
    await a.program.expect('f02 left the cluster: node b stopped heartbeating');
    assert.not.ok((await activeUsers(watcher)).includes('f02'));
    const b2 = await startNode(redis.url, prefix, 'b', { dir: bDir });
    const back = await login(b2, 'f02');
    const told = back.raw.waitFor((m) => m.t === 'ev' && m.ev === 'private');
    await watcher.ok('msgto', ['f02', 'welcome back']);
    assert.is((await told).t, 'ev');
    await Promise.all([a.stop(), b2.stop()]);
    await deleteKeys(redis.url, prefix);
  });

  test('a restarted node takes its old users out of presence at once, long before the expiry', async () => {
    const prefix = uniquePrefix('restart');
    const slow = { heartbeat: '1', expiry: '600' };
    const a = await startNode(redis.url, prefix, 'a', slow);
    const bDir = tempDir('cluster-node-b');
    const b = await startNode(redis.url, prefix, 'b', { dir: bDir, ...slow });
    const watcher = await login(a, 'f03');
    await login(b, 'f04');
    b.program.kill('SIGKILL');
    await b.program.exited;
    assert.ok((await activeUsers(watcher)).includes('f04'), 'still listed: b has not expired');
    const b2 = await startNode(redis.url, prefix, 'b', { dir: bDir, ...slow });
    assert.not.ok((await activeUsers(watcher)).includes('f04'), 'gone once b is back');
    await (await login(b2, 'f04')).close();
    await Promise.all([a.stop(), b2.stop()]);
    await deleteKeys(redis.url, prefix);
  });

  test("the per-IP login throttle is the cluster's: failures on two nodes throttle the address on a third", async () => {
    const prefix = uniquePrefix('throttle');
    const limit = ['--max-ip-failures', '2'];
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map((id) => startNode(redis.url, prefix, id, { extra: limit })),
    );
    const attempt = async (node: ServerHandle, user: string, code: string) => {
      const conn = await Conn.open(node.port);
      await conn.ok('username', [user]);
      await conn.fails('password', ['wrong', '9'], code);
      await conn.close();
    };
    await attempt(nodes[0]!, 'f08', 'INVALID_PASSWORD');
    await attempt(nodes[1]!, 'f09', 'INVALID_PASSWORD');
    await attempt(nodes[2]!, 'f10', 'LOGIN_THROTTLED');
    await Promise.all(nodes.map((n) => n.stop()));
    await deleteKeys(redis.url, prefix);
  });

  test('a logout while a node is cut off from Redis (shorter than the expiry) leaves no ghost online', async () => {
    const prefix = uniquePrefix('cutoff');
    const gate = await RedisGate.start(redis.url);
    const patient = { heartbeat: '0.2', expiry: '30' };
    const a = await startNode(gate.url, prefix, 'a', patient);
    const b = await startNode(redis.url, prefix, 'b', patient);
    const leaving = await login(a, 'f11');
    const watcher = await login(b, 'f12');
    assert.ok((await activeUsers(watcher)).includes('f11'));
    gate.cut();
    await a.program.expect("Lost the cluster's Redis");
    assert.equal(await leaving.ok('logout'), { username: 'f11' });
    await a.program.expect('Could not take f11 offline in the presence backend');
    assert.ok((await activeUsers(watcher)).includes('f11'), 'Redis still lists f11');
    gate.restore();
    await a.program.expect("The cluster's Redis is back");
    // Node a's next heartbeat makes presence agree with its sessions (and says so on the channel).
    await eventually(
      () => !b.userlog().some((l) => l.includes('; f11; ')),
      'f11 to leave userlog.txt of node b',
    );
    assert.not.ok((await activeUsers(watcher)).includes('f11'));
    await Promise.all([a.stop(), b.stop()]);
    await gate.close();
    await deleteKeys(redis.url, prefix);
  });

  test('a node cut off longer than the expiry: its users are reaped; a name that logged in elsewhere meanwhile keeps the newer session', async () => {
    const prefix = uniquePrefix('partition');
    const gate = await RedisGate.start(redis.url);
    const a = await startNode(gate.url, prefix, 'a');
    const b = await startNode(redis.url, prefix, 'b');
    const old = await login(a, 'f13');
    const stays = await login(a, 'f14');
    gate.cut();
    await b.program.expect('f13 left the cluster: node a stopped heartbeating');
    const newer = await login(b, 'f13');
    gate.restore();
    assert.is(await old.closing(), 'LOGGED_IN_ELSEWHERE');
    await old.closedByServer();
    await a.program.expect(
      'After the cluster outage, another node holds f13: ending the session(s) here',
    );
    const users = await activeUsers(newer);
    assert.ok(users.includes('f14'), 'the node put its other user back');
    assert.ok((await activeUsers(stays)).includes('f13'), 'the newer f13 is online');
    await Promise.all([a.stop(), b.stop()]);
    await gate.close();
    await deleteKeys(redis.url, prefix);
  });

  if (!hasRedisServer()) {
    reportNoRedis('no redis-server to stop and start');
  } else {
    test('Redis stopped: nodes keep running and refuse with CLUSTER_UNAVAILABLE; Redis back: they recover', async () => {
      const own = await OwnRedis.start();
      const prefix = uniquePrefix('outage');
      const a = await startNode(own.url, prefix, 'a');
      const b = await startNode(own.url, prefix, 'b');
      const f5 = await login(a, 'f05');
      const f6 = await login(b, 'f06');
      const sent = (await f5.ok('msgto', ['f06', 'before the outage'])) as { ts: string };
      await own.stop();
      await a.program.expect("Lost the cluster's Redis");
      await b.program.expect("Lost the cluster's Redis");
      await f5.fails('msgto', ['f06', 'during the outage'], 'CLUSTER_UNAVAILABLE');
      await f5.fails('activeuser', [], 'CLUSTER_UNAVAILABLE');
      await f6.fails('creategroup', ['G1', 'f05'], 'CLUSTER_UNAVAILABLE');
      // A new login is refused with a reason the client can show, and the connection ends.
      const newcomer = await Conn.open(b.port);
      newcomer.send('username', ['f07']);
      assert.is(await newcomer.closing(), 'CLUSTER_UNAVAILABLE');
      await newcomer.closedByServer();
      await b.program.expect("the cluster's shared state (Redis) cannot be reached");
      assert.ok(
        a.messagelog().some((l) => l.endsWith(`; ${sent.ts}; f06; before the outage`)),
        'what was acknowledged is logged',
      );
      assert.not.ok(a.messagelog().some((l) => l.includes('during the outage')));
      // Redis comes back empty (it keeps nothing on disk): the nodes put their users back.
      await own.start();
      await a.program.expect("The cluster's Redis is back");
      await b.program.expect("The cluster's Redis is back");
      await a.program.expect('Rejoined the cluster as node a: 1 user(s) of this node back');
      await b.program.expect('Rejoined the cluster as node b: 1 user(s) of this node back');
      assert.ok((await activeUsers(f5)).includes('f06'), 'f06 is back in presence');
      const told = f6.raw.waitFor(
        (m) => m.t === 'ev' && m.ev === 'private' && m.text === 'after the outage',
      );
      await f5.ok('msgto', ['f06', 'after the outage']);
      await told;
      await (await login(b, 'f07')).close();
      await Promise.all([a.stop(), b.stop()]);
      await own.stop();
    });
  }
}

test.run();
