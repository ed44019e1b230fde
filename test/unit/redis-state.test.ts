// The cluster's shared state (src/server/cluster/) against a real Redis, driven from two "nodes"
// (two connections with different node names): each check-and-change must be atomic across them.
import { okAsync } from 'neverthrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterNumbered } from '../../src/server/cluster/cluster-numbering.js';
import { RedisGroups } from '../../src/server/cluster/redis-groups.js';
import { RedisLink } from '../../src/server/cluster/redis-link.js';
import { RedisLockouts } from '../../src/server/cluster/redis-lockouts.js';
import { RedisLoginThrottle } from '../../src/server/cluster/redis-login-throttle.js';
import { RedisPresence } from '../../src/server/cluster/redis-presence.js';
import { RedisTransfers } from '../../src/server/cluster/redis-transfers.js';
import { MAX_TRANSFERS_PER_USER } from '../../src/server/state/transfers.js';
import type { NumberedLog } from '../../src/server/storage/append-log.js';
import { deleteKeys, findRedis, reportNoRedis, uniquePrefix } from '../support/redis.js';

const redis = await findRedis();

if (!redis) {
  reportNoRedis('cluster shared-state tests');
} else {
  const prefix = uniquePrefix('state');
  const open = async () =>
    (
      await RedisLink.open({ url: redis.url, timeoutMs: 5000, onLost: () => {}, onBack: () => {} })
    )._unsafeUnwrap();
  let a: RedisLink;
  let b: RedisLink;

  test.before(async () => {
    [a, b] = await Promise.all([open(), open()]);
  });

  test.after(async () => {
    a.disconnect();
    b.disconnect();
    await deleteKeys(redis.url, prefix);
    await redis.own?.stop();
  });

  const user = (username: string) => ({ username, address: '127.0.0.1', udpPort: 9, since: 'now' });

  test('a name is claimed once across nodes; only the holding node releases it; list keeps login order', async () => {
    const onA = new RedisPresence(a, prefix, 'a');
    const onB = new RedisPresence(b, prefix, 'b');
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? onA : onB).claim(user('Yoda'))),
    );
    assert.is(claims.filter((c) => c._unsafeUnwrap()).length, 1);
    const holder = (await onA.find('Yoda'))._unsafeUnwrap()!.node!;
    const other = holder === 'a' ? onB : onA;
    (await other.release('Yoda'))._unsafeUnwrap();
    assert.ok(
      (await onA.find('Yoda'))._unsafeUnwrap(),
      'still online: released by a node that does not hold it',
    );
    (await (holder === 'a' ? onA : onB).release('Yoda'))._unsafeUnwrap();
    assert.is((await onB.find('Yoda'))._unsafeUnwrap(), undefined);
    for (const name of ['Luke', 'Leia', 'Han']) (await onA.claim(user(name)))._unsafeUnwrap();
    assert.equal(
      (await onB.list())._unsafeUnwrap().map((u) => u.username),
      ['Luke', 'Leia', 'Han'],
    );
    assert.equal(
      (await onB.findMany(['Han', 'Nobody']))._unsafeUnwrap().map((u) => u?.node),
      ['a', undefined],
    );
  });

  test('the cap on groups holds across nodes: twenty concurrent reservations against five get five', async () => {
    const groups = [new RedisGroups(a, prefix), new RedisGroups(b, prefix)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => groups[i % 2]!.reserve(`G${i}`, 5)),
    );
    const held = results.filter((r) => r.isOk());
    assert.is(held.length, 5);
    assert.ok(
      results.filter((r) => r.isErr()).every((r) => r._unsafeUnwrapErr().type === 'TooManyGroups'),
    );
    (await held[0]!._unsafeUnwrap().release())._unsafeUnwrap();
    const committed: string[] = [];
    for (const r of held.slice(1))
      committed.push((await r._unsafeUnwrap().commit('Yoda', ['Chewie']))._unsafeUnwrap().name);
    assert.is((await groups[0]!.count())._unsafeUnwrap(), 4);
    const same = await Promise.all(groups.map((g) => g.reserve(committed[0]!, 100)));
    assert.ok(same.every((r) => r.isErr() && r.error.type === 'GroupExists'));
  });

  test('join once across nodes; invitations in creation order with their creator', async () => {
    const [ga, gb] = [new RedisGroups(a, prefix), new RedisGroups(b, prefix)];
    (
      await (await ga.reserve('Jedi', 100))._unsafeUnwrap().commit('Yoda', ['Luke', 'Obi-wan'])
    )._unsafeUnwrap();
    (
      await (await gb.reserve('Rebels', 100))._unsafeUnwrap().commit('Leia', ['Luke'])
    )._unsafeUnwrap();
    assert.equal((await gb.invitations('Luke'))._unsafeUnwrap(), [
      { group: 'Jedi', by: 'Yoda' },
      { group: 'Rebels', by: 'Leia' },
    ]);
    const joins = await Promise.all([ga.join('Jedi', 'Luke'), gb.join('Jedi', 'Luke')]);
    assert.is(joins.filter((j) => j.isOk()).length, 1);
    assert.equal(joins.find((j) => j.isErr())?._unsafeUnwrapErr(), { type: 'AlreadyJoined' });
    assert.equal((await ga.join('Jedi', 'Vader'))._unsafeUnwrapErr(), { type: 'NotInvited' });
    assert.equal((await ga.join('Sith', 'Vader'))._unsafeUnwrapErr(), { type: 'GroupNotFound' });
    assert.equal(
      [...(await gb.find('Jedi'))._unsafeUnwrap()!.members],
      [
        ['Yoda', 'joined'],
        ['Luke', 'joined'],
        ['Obi-wan', 'invited'],
      ],
    );
    assert.equal((await ga.invitations('Luke'))._unsafeUnwrap(), [{ group: 'Rebels', by: 'Leia' }]);
  });

  test('lockout counts failures from every node and blocks everywhere', async () => {
    const options = { maxFailures: 3, blockMs: 60_000, rememberMs: 60_000, onUnlocked: () => {} };
    const [la, lb] = [new RedisLockouts(a, prefix, options), new RedisLockouts(b, prefix, options)];
    assert.is((await la.recordFailure('Vader'))._unsafeUnwrap(), 'stillOpen');
    assert.is((await la.recordFailure('Vader'))._unsafeUnwrap(), 'stillOpen');
    assert.is((await lb.recordFailure('Vader'))._unsafeUnwrap(), 'lockedNow');
    assert.ok((await la.isLocked('Vader'))._unsafeUnwrap());
    (await la.recordFailure('Han'))._unsafeUnwrap();
    (await lb.recordSuccess('Han'))._unsafeUnwrap();
    (await la.recordFailure('Han'))._unsafeUnwrap();
    assert.is(
      (await lb.recordFailure('Han'))._unsafeUnwrap(),
      'stillOpen',
      'a success clears the count',
    );
    la.stopAll();
    lb.stopAll();
  });

  test('the login throttle is one bucket per address for the whole cluster, given back on success', async () => {
    const [ta, tb] = [new RedisLoginThrottle(a, prefix, 3), new RedisLoginThrottle(b, prefix, 3)];
    for (const t of [ta, tb, ta])
      assert.equal((await t.tryBegin('10.0.0.1'))._unsafeUnwrap(), { allowed: true });
    const refused = (await tb.tryBegin('10.0.0.1'))._unsafeUnwrap();
    assert.is(refused.allowed, false);
    assert.ok(!refused.allowed && refused.retryAfterSeconds >= 1);
    (await ta.giveBack('10.0.0.1'))._unsafeUnwrap();
    assert.equal((await tb.tryBegin('10.0.0.1'))._unsafeUnwrap(), { allowed: true });
    assert.equal((await tb.tryBegin('10.0.0.2'))._unsafeUnwrap(), { allowed: true }, 'per address');
  });

  test('introduced transfers: taken once from either side, the newest 64 per user kept', async () => {
    const [xa, xb] = [new RedisTransfers(a, prefix), new RedisTransfers(b, prefix)];
    (await xa.introduce({ transferId: 't1', presenter: 'Yoda', audience: 'Luke' }))._unsafeUnwrap();
    (await xb.introduce({ transferId: 't2', presenter: 'Luke', audience: 'Leia' }))._unsafeUnwrap();
    assert.equal(
      (await xb.takeAllOf('Luke'))._unsafeUnwrap().map((t) => t.transferId),
      ['t1', 't2'],
    );
    assert.equal((await xa.takeAllOf('Yoda'))._unsafeUnwrap(), [], "gone from Yoda's side too");
    for (let i = 0; i < MAX_TRANSFERS_PER_USER + 10; i++)
      (
        await xa.introduce({ transferId: `m${i}`, presenter: 'Obi-wan', audience: `u${i}` })
      )._unsafeUnwrap();
    const kept = (await xb.takeAllOf('Obi-wan'))._unsafeUnwrap();
    assert.is(kept.length, MAX_TRANSFERS_PER_USER);
    assert.is(kept[0]!.transferId, 'm10');
  });

  test('log numbers from two nodes are unique and increasing on each node', async () => {
    const lines: Array<{ node: string; n: number }> = [];
    const fileOf = (node: string): NumberedLog => ({
      append: (build) => {
        const n = Number(build(0, 'ts').split(';')[0]);
        lines.push({ node, n });
        return okAsync({ n, ts: 'ts' });
      },
      close: async () => {},
    });
    const logs = [
      clusterNumbered(a, prefix, 'messagelog', fileOf('a')),
      clusterNumbered(b, prefix, 'messagelog', fileOf('b')),
    ];
    const appended = await Promise.all(
      Array.from({ length: 40 }, (_, i) => logs[i % 2]!.append((n, ts) => `${n}; ${ts}; x`)),
    );
    const numbers = appended.map((r) => r._unsafeUnwrap().n);
    assert.is(new Set(numbers).size, 40);
    for (const node of ['a', 'b']) {
      const mine = lines.filter((l) => l.node === node).map((l) => l.n);
      assert.equal(
        mine,
        [...mine].sort((x, y) => x - y),
        `node ${node} writes in increasing order`,
      );
    }
  });
}

test.run();
