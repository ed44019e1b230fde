// Behaviour probes for the commands of a logged-in user, written from SPEC §4 and §6 and
// docs/PROTOCOL.md (the command table, the events, the log files), NOT from the handlers in
// src/server/commands/: for each command, what the asker is answered, what the other users
// receive, what lands in the log files and what the server console prints, for the success and
// for each error PROTOCOL lists. A refused command must leave no trace: nothing delivered,
// nothing logged. Each probe uses its own users, so they run side by side on one server.
import * as assert from 'uvu/assert';
import type { ResponseMessage, ServerMessage } from '../../../src/protocol/messages.js';
import { Conn, WAIT_MS } from '../support.js';
import type { Probe, ProbeServer } from './session-probes.js';

/** Groups whose every shared-state call fails on the backend server, whatever its mode. */
export const FAILING_GROUPS = { failed: 'Broken', unreachable: 'Unreachable' } as const;
/** Groups whose log file cannot be opened on the backend server (its file system fails). */
export const UNLOGGABLE_GROUP_PREFIX = 'Nolog';
/** Groups whose log file opens but cannot be written to on the backend server. */
export const UNWRITABLE_GROUP_PREFIX = 'Nowrite';

const UDP = 9;
/** SPEC's TS: `01 Jun 2023 15:00:01`. */
const TS = /^\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}$/;
const RLO = '\u202e';
const MAX_MESSAGE_LENGTH = 1000;

async function login(server: ProbeServer, user: string, udpPort = UDP): Promise<Conn> {
  const conn = await Conn.open(server.port, server.link);
  await conn.ok('username', [user]);
  await conn.ok('password', [server.passwordOf(user), String(udpPort)]);
  return conn;
}

const dataOf = (r: ResponseMessage): Record<string, unknown> => {
  if (!r.ok) assert.unreachable(`expected success, got ${JSON.stringify(r)}`);
  return (r.ok ? r.data : {}) as Record<string, unknown>;
};

/** Asserts the request is refused with `error` (its code and every field PROTOCOL names). */
async function refused(
  conn: Conn,
  cmd: string,
  args: string[],
  error: Record<string, unknown>,
  why: string,
): Promise<void> {
  const r = await conn.call(cmd, args);
  assert.equal(
    r.ok ? { ok: r.data } : r.error,
    error,
    `${why}: ${cmd} ${JSON.stringify(args).slice(0, 200)}`,
  );
}

const events = (conn: Conn, ev: string): ServerMessage[] =>
  conn.raw.received.filter((m) => m.t === 'ev' && m.ev === ev);

/** Waits for the `ev` event whose fields include `fields`. */
const eventWith = (
  conn: Conn,
  ev: string,
  fields: Record<string, unknown>,
): Promise<ServerMessage> =>
  conn.raw.waitFor(
    (m) =>
      m.t === 'ev' &&
      m.ev === ev &&
      Object.entries(fields).every(([k, v]) => (m as unknown as Record<string, unknown>)[k] === v),
    WAIT_MS,
  );

/** Log lines `n; TS; who; text`, split. */
const fieldsOf = (line: string): string[] => line.split('; ');

export const COMMAND_PROBES: readonly Probe[] = [
  // msgto (SPEC §4, PROTOCOL: `{ts}` after the line is in messagelog.txt; the receiver gets `private`)
  {
    name: 'msgto: logged with the time it is answered with, delivered to the receiver, printed on the console',
    run: async (server, users) => {
      const [from, to] = [users.take(), users.take()];
      const sender = await login(server, from);
      const receiver = await login(server, to);
      const text = `hello ${to}, from ${from}`;
      const { ts } = dataOf(await sender.call('msgto', [to, text]));
      assert.match(String(ts), TS, 'the answer holds the logged time');
      const event = await eventWith(receiver, 'private', { from });
      assert.equal(event, { t: 'ev', ev: 'private', from, text, ts });
      const lines = server.messagelog().filter((l) => l.endsWith(`; ${to}; ${text}`));
      assert.is(lines.length, 1, 'one line in messagelog.txt');
      const [n, loggedTs] = fieldsOf(lines[0]!);
      assert.match(n!, /^[1-9]\d*$/, 'numbered from 1');
      assert.is(loggedTs, ts, 'the log line has the time the sender was told');
      await server.console.waitFor(`${from} message to ${to} "${text}" at ${ts}.`);
      assert.is(events(sender, 'private').length, 0, 'the sender is not sent its own message');
      await sender.close();
      await receiver.close();
    },
  },
  {
    name: 'msgto: a message of exactly the maximum length is sent; every refusal leaves nothing delivered or logged',
    run: async (server, users) => {
      const [from, to, offline] = [users.take(), users.take(), users.take()];
      const sender = await login(server, from);
      const receiver = await login(server, to);
      const marker = `marker from ${from}`;
      await refused(
        sender,
        'msgto',
        [offline, marker],
        { code: 'USER_OFFLINE', user: offline },
        'offline',
      );
      await refused(
        sender,
        'msgto',
        ['nobody-here', marker],
        { code: 'UNKNOWN_USER', user: 'nobody-here' },
        'unknown',
      );
      await refused(sender, 'msgto', [from, marker], { code: 'SELF_TARGET' }, 'yourself');
      await refused(sender, 'msgto', [to, ''], { code: 'MESSAGE_EMPTY' }, 'empty');
      await refused(sender, 'msgto', [to, '   '], { code: 'MESSAGE_EMPTY' }, 'blank');
      await refused(
        sender,
        'msgto',
        [to, 'x'.repeat(MAX_MESSAGE_LENGTH + 1)],
        { code: 'MESSAGE_TOO_LONG', limit: MAX_MESSAGE_LENGTH },
        'one character over the maximum',
      );
      await refused(
        sender,
        'msgto',
        [to, 'ring \u0007 bell'],
        { code: 'MESSAGE_INVALID_CHARS' },
        'a control character',
      );
      await refused(
        sender,
        'msgto',
        [to, 'two\u2028lines'],
        { code: 'MESSAGE_LINE_BREAK' },
        'U+2028',
      );
      await refused(
        sender,
        'msgto',
        [`${to}${RLO}`, marker],
        { code: 'USER_NAME_BIDI_CONTROL' },
        'a bidi control in the name',
      );
      const longest = 'y'.repeat(MAX_MESSAGE_LENGTH);
      const { ts } = dataOf(await sender.call('msgto', [to, longest]));
      const event = await eventWith(receiver, 'private', { from });
      assert.equal(event, { t: 'ev', ev: 'private', from, text: longest, ts });
      assert.is(events(receiver, 'private').length, 1, 'only the accepted message was delivered');
      assert.is(
        server.messagelog().filter((l) => l.includes(marker)).length,
        0,
        'no refused message was logged',
      );
      await sender.close();
      await receiver.close();
    },
  },
  // activeuser (SPEC §4: every *other* active user; PROTOCOL: login order)
  {
    name: 'activeuser: the other active users in login order, with address, UDP port and since; a logged-out one is gone',
    run: async (server, users) => {
      const [asker, first, second] = [users.take(), users.take(), users.take()];
      const a = await login(server, asker);
      const f = await login(server, first, 4001);
      const s = await login(server, second, 4002);
      const listed = async () =>
        (dataOf(await a.call('activeuser', [])).users as Array<Record<string, unknown>>).filter(
          (u) => [asker, first, second].includes(String(u.user)),
        );
      const seen = await listed();
      assert.equal(
        seen.map((u) => [u.user, u.address, u.udpPort]),
        [
          [first, '127.0.0.1', 4001],
          [second, '127.0.0.1', 4002],
        ],
        'others only, in login order',
      );
      for (const u of seen) assert.match(String(u.since), TS);
      await server.console.waitFor(`${asker} issued /activeuser command`);
      await f.ok('logout');
      await f.closedByServer();
      assert.equal(
        (await listed()).map((u) => u.user),
        [second],
        'a user who logged out is not listed',
      );
      await s.close();
      await a.close();
    },
  },
  // creategroup (SPEC §4; PROTOCOL: `{group, members}` creator first, `invited` to every named user)
  {
    name: 'creategroup: the group is created with the creator first, the invitees are told, its log file exists; the name is then taken',
    run: async (server, users) => {
      const [creator, u1, u2] = [users.take(), users.take(), users.take()];
      const group = `G${creator}`;
      const c = await login(server, creator);
      const i1 = await login(server, u1);
      const i2 = await login(server, u2);
      const data = dataOf(await c.call('creategroup', [group, u1, u2, u1, creator]));
      assert.equal(data, { group, members: [creator, u1, u2] }, 'creator first, each member once');
      for (const invitee of [i1, i2])
        assert.equal(await eventWith(invitee, 'invited', { group }), {
          t: 'ev',
          ev: 'invited',
          group,
          by: creator,
        });
      assert.is(events(c, 'invited').length, 0, 'the creator is not invited to its own group');
      assert.equal(server.groupLog(group), [], 'the group log exists, empty');
      await server.console.waitFor(
        `${creator} created group chat ${group}: ${creator}, ${u1}, ${u2}`,
      );
      await refused(
        i1,
        'creategroup',
        [group, u2],
        { code: 'GROUP_EXISTS', group },
        'the name is taken',
      );
      await Promise.all([c.close(), i1.close(), i2.close()]);
    },
  },
  {
    name: 'creategroup: refused for no member, a bad name, an unknown or offline member, and then no group exists',
    run: async (server, users) => {
      const [creator, online, offline] = [users.take(), users.take(), users.take()];
      const c = await login(server, creator);
      const o = await login(server, online);
      const group = `H${creator}`;
      await refused(c, 'creategroup', [group], { code: 'GROUP_NEEDS_MEMBERS' }, 'nobody named');
      await refused(
        c,
        'creategroup',
        [group, creator],
        { code: 'GROUP_NEEDS_MEMBERS' },
        'only yourself',
      );
      await refused(
        c,
        'creategroup',
        ['bad-name', online],
        { code: 'GROUP_NAME_INVALID', limit: 32 },
        'not letters and digits',
      );
      await refused(
        c,
        'creategroup',
        ['G'.repeat(33), online],
        { code: 'GROUP_NAME_INVALID', limit: 32 },
        'too long',
      );
      await refused(
        c,
        'creategroup',
        [`G${RLO}x`, online],
        { code: 'GROUP_NAME_BIDI_CONTROL' },
        'bidi in the name',
      );
      await refused(
        c,
        'creategroup',
        [group, `${online}${RLO}`],
        { code: 'USER_NAME_BIDI_CONTROL' },
        'bidi in a member',
      );
      await refused(
        c,
        'creategroup',
        [group, online, 'nobody-here'],
        { code: 'GROUP_MEMBER_UNKNOWN', user: 'nobody-here' },
        'unknown member',
      );
      await refused(
        c,
        'creategroup',
        [group, online, offline],
        { code: 'GROUP_MEMBER_OFFLINE', user: offline },
        'offline member',
      );
      await refused(
        o,
        'joingroup',
        [group],
        { code: 'GROUP_NOT_FOUND', group },
        'no group was created',
      );
      assert.is(events(o, 'invited').length, 0, 'nobody was invited');
      const longest = 'L'.repeat(31) + creator.slice(-1);
      assert.equal(
        dataOf(await c.call('creategroup', [longest, online])),
        { group: longest, members: [creator, online] },
        'a 32-character name is allowed',
      );
      assert.equal(dataOf(await c.call('creategroup', [group, online])), {
        group,
        members: [creator, online],
      });
      await Promise.all([c.close(), o.close()]);
    },
  },
  {
    name: 'creategroup: beyond --max-groups it is TOO_MANY_GROUPS with the limit; the group that exists keeps working',
    run: async (server, users) => {
      const [creator, member] = [users.take(), users.take()];
      const at = { ...server, port: server.rate.port };
      const c = await login(at, creator);
      const m = await login(at, member);
      const limit = server.rate.maxGroups;
      await c.ok('creategroup', ['Only', member]);
      await refused(
        c,
        'creategroup',
        ['Second', member],
        { code: 'TOO_MANY_GROUPS', limit },
        'over the cap',
      );
      await refused(
        m,
        'joingroup',
        ['Second'],
        { code: 'GROUP_NOT_FOUND', group: 'Second' },
        'not created',
      );
      await m.ok('joingroup', ['Only']);
      await Promise.all([c.close(), m.close()]);
    },
  },
  // joingroup and groupmsg (SPEC §4: the creator is joined, invitees must join before posting;
  // every *other active joined* member receives; the log numbers from 1 per group)
  {
    name: 'joingroup/groupmsg: invited members join, messages are logged per group from 1 and reach only the other active joined members',
    run: async (server, users) => {
      const [creator, joiner, invitee, stranger, leaver] = [
        users.take(),
        users.take(),
        users.take(),
        users.take(),
        users.take(),
      ];
      const group = `J${creator}`;
      const c = await login(server, creator);
      const j = await login(server, joiner);
      const i = await login(server, invitee);
      const s = await login(server, stranger);
      const l = await login(server, leaver);
      await c.ok('creategroup', [group, joiner, invitee, leaver]);
      await refused(
        j,
        'groupmsg',
        [group, 'too early'],
        { code: 'NOT_JOINED', group },
        'invited, not joined',
      );
      assert.equal(dataOf(await j.call('joingroup', [group])), { group });
      await server.console.waitFor(`${joiner} joined group chat ${group}`);
      await l.ok('joingroup', [group]);
      await refused(j, 'joingroup', [group], { code: 'ALREADY_JOINED', group }, 'joined twice');
      await refused(
        c,
        'joingroup',
        [group],
        { code: 'ALREADY_JOINED', group },
        'the creator is joined',
      );
      await refused(s, 'joingroup', [group], { code: 'NOT_INVITED', group }, 'not invited');
      await refused(
        s,
        'joingroup',
        ['Nosuchgroup'],
        { code: 'GROUP_NOT_FOUND', group: 'Nosuchgroup' },
        'no such group',
      );
      await refused(
        s,
        'joingroup',
        [`${group}${RLO}`],
        { code: 'GROUP_NAME_BIDI_CONTROL' },
        'bidi',
      );
      await refused(s, 'groupmsg', [group, 'hi'], { code: 'NOT_INVITED', group }, 'not a member');
      await refused(
        s,
        'groupmsg',
        ['Nosuchgroup', 'hi'],
        { code: 'GROUP_NOT_FOUND', group: 'Nosuchgroup' },
        'no such group',
      );
      await refused(
        c,
        'groupmsg',
        [`${group}${RLO}`, 'hi'],
        { code: 'GROUP_NAME_BIDI_CONTROL' },
        'bidi',
      );
      await refused(c, 'groupmsg', [group, ' '], { code: 'MESSAGE_EMPTY' }, 'blank');
      await refused(c, 'groupmsg', [group, 'a\u0085b'], { code: 'MESSAGE_LINE_BREAK' }, 'NEL');
      // the leaver logs out: still a member, receives nothing while away, the message is still logged
      await l.ok('logout');
      await l.closedByServer();
      const text = `hello ${group}`;
      const { ts } = dataOf(await c.call('groupmsg', [group, text]));
      assert.match(String(ts), TS);
      assert.equal(await eventWith(j, 'group', { group }), {
        t: 'ev',
        ev: 'group',
        group,
        from: creator,
        text,
        ts,
      });
      assert.equal(server.groupLog(group), [`1; ${ts}; ${creator}; ${text}`]);
      await server.console.waitFor(
        `${creator} issued a message in group chat ${group}: "${text}" at ${ts}.`,
      );
      const reply = dataOf(await j.call('groupmsg', [group, 'and back']));
      await eventWith(c, 'group', { group, from: joiner });
      assert.equal(server.groupLog(group)[1], `2; ${reply.ts}; ${joiner}; and back`);
      // the invitee (not joined), the stranger and each sender get nothing of their own
      assert.is(events(i, 'group').length, 0, 'an invited, not joined member receives nothing');
      assert.is(events(s, 'group').length, 0, 'a non-member receives nothing');
      assert.equal(
        events(c, 'group').map((m) => (m as { from?: string }).from),
        [joiner],
        'the sender is not sent its own message',
      );
      assert.equal(events(j, 'group').length, 1);
      // the invitation still stands for the invitee, as the login reply shows after a logout
      await i.ok('logout');
      await i.closedByServer();
      const back = await Conn.open(server.port, server.link);
      await back.ok('username', [invitee]);
      const again = dataOf(await back.call('password', [server.passwordOf(invitee), String(UDP)]));
      assert.equal(again, { username: invitee, invitations: [{ group, by: creator }] });
      await back.ok('joingroup', [group]);
      await Promise.all([c.close(), j.close(), s.close(), back.close()]);
    },
  },
  // p2pvideo (SPEC §5; PROTOCOL: `{transferId, key, audience}`, `p2p-incoming` to the audience,
  // `p2p-peer-left` to the other side when one goes offline)
  {
    name: 'p2pvideo: the presenter gets the audience address and a fresh key, the audience the introduction; a departure is announced',
    run: async (server, users) => {
      const [presenter, audience] = [users.take(), users.take()];
      const p = await login(server, presenter);
      const a = await login(server, audience, 5005);
      const data = dataOf(await p.call('p2pvideo', [audience, 'lecture1.mp4', '1234']));
      assert.match(String(data.transferId), /^[0-9a-f]+$/);
      assert.match(String(data.key), /^[0-9a-f]{64}$/, '256-bit key, hex');
      assert.equal(data.audience, { address: '127.0.0.1', port: 5005 });
      const intro = await eventWith(a, 'p2p-incoming', { presenter });
      assert.equal(intro, {
        t: 'ev',
        ev: 'p2p-incoming',
        transferId: data.transferId,
        key: data.key,
        presenter,
        presenterAddress: '127.0.0.1',
        fileName: 'lecture1.mp4',
        size: 1234,
      });
      await server.console.waitFor(
        `${presenter} is sending lecture1.mp4 (1234 bytes) to ${audience} over UDP`,
      );
      const second = dataOf(await p.call('p2pvideo', [audience, 'empty.bin', '0']));
      assert.not.equal(second.transferId, data.transferId, 'each transfer has its own id');
      assert.not.equal(second.key, data.key, 'and its own key');
      await a.ok('logout');
      await a.closedByServer();
      for (const transferId of [data.transferId, second.transferId])
        assert.equal(await eventWith(p, 'p2p-peer-left', { transferId }), {
          t: 'ev',
          ev: 'p2p-peer-left',
          transferId,
          user: audience,
        });
      await p.close();
    },
  },
  {
    name: 'p2pvideo: refused for a bad file name or size, yourself, an unknown or offline user; the audience hears nothing',
    run: async (server, users) => {
      const [presenter, audience, offline] = [users.take(), users.take(), users.take()];
      const p = await login(server, presenter);
      const a = await login(server, audience);
      for (const name of [
        '',
        'a/b.mp4',
        'a\\b.mp4',
        '..',
        'x..y',
        '.',
        'bell\u0007.mp4',
        'n'.repeat(256),
      ])
        await refused(
          p,
          'p2pvideo',
          [audience, name, '1'],
          { code: 'FILE_NAME_INVALID' },
          `file name ${JSON.stringify(name)}`,
        );
      await refused(
        p,
        'p2pvideo',
        [audience, `gpj${RLO}.exe`, '1'],
        { code: 'FILE_NAME_BIDI_CONTROL' },
        'bidi in the file name',
      );
      await refused(
        p,
        'p2pvideo',
        [`${audience}${RLO}`, 'a.mp4', '1'],
        { code: 'USER_NAME_BIDI_CONTROL' },
        'bidi in the user',
      );
      for (const size of ['', '-1', '1.5', 'abc', '1e3', ' 1', '99999999999999999999'])
        await refused(
          p,
          'p2pvideo',
          [audience, 'a.mp4', size],
          { code: 'FILE_SIZE_INVALID' },
          `size ${JSON.stringify(size)}`,
        );
      await refused(p, 'p2pvideo', [presenter, 'a.mp4', '1'], { code: 'SELF_TARGET' }, 'yourself');
      await refused(
        p,
        'p2pvideo',
        ['nobody-here', 'a.mp4', '1'],
        { code: 'UNKNOWN_USER', user: 'nobody-here' },
        'unknown',
      );
      await refused(
        p,
        'p2pvideo',
        [offline, 'a.mp4', '1'],
        { code: 'USER_OFFLINE', user: offline },
        'offline',
      );
      dataOf(
        await p.call('p2pvideo', [audience, 'n'.repeat(255), String(Number.MAX_SAFE_INTEGER)]),
      );
      await eventWith(a, 'p2p-incoming', { presenter });
      assert.is(events(a, 'p2p-incoming').length, 1, 'only the accepted transfer was introduced');
      await Promise.all([p.close(), a.close()]);
    },
  },
  // PROTOCOL: "STORAGE_FAILED when a log write or the shared-state backend fails (nothing was
  // delivered), CLUSTER_UNAVAILABLE when the server ... cannot reach its Redis (nothing was done)".
  // The only probe on the server whose shared state can fail.
  {
    name: 'shared-state failure: each command is answered STORAGE_FAILED (backend error) or CLUSTER_UNAVAILABLE (unreachable), and nothing is done',
    run: async (server, users) => {
      const [a, b, c] = [users.take(), users.take(), users.take()];
      const at = { ...server, port: server.backend.port };
      const asker = await login(at, a);
      const other = await login(at, b);
      const third = await login(at, c);
      const group = `B${a}`;
      await asker.ok('creategroup', [group, b, c]);
      await other.ok('joingroup', [group]);
      const text = `lost in the backend, ${a}`;
      for (const [mode, code] of [
        ['failed', 'STORAGE_FAILED'],
        ['unreachable', 'CLUSTER_UNAVAILABLE'],
      ] as const) {
        server.backend.setMode(mode);
        try {
          const why = `shared state ${mode}`;
          await refused(asker, 'activeuser', [], { code }, why);
          await refused(asker, 'msgto', [b, text], { code }, why);
          await refused(asker, 'creategroup', [`N${a}`, b], { code }, why);
          await refused(third, 'joingroup', [group], { code }, why);
          await refused(asker, 'groupmsg', [group, text], { code }, why);
          await refused(asker, 'p2pvideo', [b, 'a.mp4', '1'], { code }, why);
        } finally {
          server.backend.setMode('ok');
        }
      }
      // a backend with a bug (its promise rejects): the commands written as one async function
      // say STORAGE_FAILED, the others INTERNAL (PROTOCOL: a server bug; the connection stays up)
      server.backend.setMode('rejects');
      try {
        await refused(asker, 'msgto', [b, text], { code: 'STORAGE_FAILED' }, 'backend bug');
        await refused(asker, 'groupmsg', [group, text], { code: 'STORAGE_FAILED' }, 'backend bug');
        for (const [cmd, args] of [
          ['activeuser', []],
          ['creategroup', [`N${a}`, b]],
          ['joingroup', [group]],
          ['p2pvideo', [b, 'a.mp4', '1']],
        ] as const) {
          const r = await (cmd === 'joingroup' ? third : asker).call(cmd, [...args]);
          assert.ok(
            !r.ok && ['STORAGE_FAILED', 'INTERNAL'].includes(r.error.code),
            `backend bug: ${cmd} ${JSON.stringify(r)}`,
          );
        }
      } finally {
        server.backend.setMode('ok');
      }
      // the backend is back: the same requests work, and they are all the others ever got
      await asker.ok('msgto', [b, 'back']);
      await eventWith(other, 'private', { from: a, text: 'back' });
      await refused(
        other,
        'joingroup',
        [`N${a}`],
        { code: 'GROUP_NOT_FOUND', group: `N${a}` },
        'no group was created',
      );
      await refused(
        other,
        'groupmsg',
        [group, 'x\u0007'],
        { code: 'MESSAGE_INVALID_CHARS' },
        'still a member',
      );
      // a group whose own shared-state calls fail while presence works (probe-servers.ts:
      // FAILING_GROUPS): the members are found, reserving the name fails
      for (const [prefix, code] of [
        [FAILING_GROUPS.failed, 'STORAGE_FAILED'],
        [FAILING_GROUPS.unreachable, 'CLUSTER_UNAVAILABLE'],
      ] as const)
        await refused(asker, 'creategroup', [`${prefix}${a}`, b], { code }, `${prefix}: reserving`);
      // a group whose log file cannot be opened is not created, and its name stays free
      const nolog = `${UNLOGGABLE_GROUP_PREFIX}${a}`;
      for (const attempt of [1, 2])
        await refused(
          asker,
          'creategroup',
          [nolog, b],
          { code: 'STORAGE_FAILED' },
          `the log file cannot be opened (attempt ${attempt})`,
        );
      await refused(
        other,
        'joingroup',
        [nolog],
        { code: 'GROUP_NOT_FOUND', group: nolog },
        'not created',
      );
      // a group whose log cannot be written: a message is refused and reaches nobody
      const nowrite = `${UNWRITABLE_GROUP_PREFIX}${a}`;
      await asker.ok('creategroup', [nowrite, b]);
      await other.ok('joingroup', [nowrite]);
      await refused(asker, 'groupmsg', [nowrite, text], { code: 'STORAGE_FAILED' }, 'not logged');
      assert.equal(
        other.raw.received.filter((m) => m.t === 'ev').map((m) => (m as { ev: string }).ev),
        ['invited', 'private', 'invited'],
        'nothing was delivered while the backend failed or the log could not be written, nobody invited to a group not created',
      );
      assert.is(server.backend.messagelog().filter((l) => l.includes(text)).length, 0);
      assert.equal(server.backend.groupLog(group), [], 'nothing logged in the group');
      await third.ok('joingroup', [group]);
      await Promise.all([asker.close(), other.close(), third.close()]);
    },
  },
  // SPEC §6 (one readable line per event) and the console's rule for names that are not plain
  // ASCII (src/server/printable-name.ts: quoted, every other character escaped, so no name can
  // pass for another or forge a line); the protocol carries the names as they are.
  {
    name: 'console: users and files with names that are not plain ASCII are printed quoted and escaped in every line; the protocol carries them as they are',
    run: async (server) => {
      const [zoe, chloe] = ['Zoë', 'Chloë'];
      const [qz, qc] = ['"Zo\\u00eb"', '"Chlo\\u00eb"'];
      const z = await login(server, zoe);
      const c = await login(server, chloe);
      await server.console.waitFor(`${qz} is online`);
      await z.ok('activeuser');
      await server.console.waitFor(`${qz} issued /activeuser command`);
      const { ts } = dataOf(await z.call('msgto', [chloe, 'hej']));
      assert.equal(await eventWith(c, 'private', { from: zoe }), {
        t: 'ev',
        ev: 'private',
        from: zoe,
        text: 'hej',
        ts,
      });
      await server.console.waitFor(`${qz} message to ${qc} "hej" at ${ts}.`);
      await z.ok('creategroup', ['Nordic', chloe]);
      await server.console.waitFor(`${qz} created group chat Nordic: ${qz}, ${qc}`);
      await c.ok('joingroup', ['Nordic']);
      await server.console.waitFor(`${qc} joined group chat Nordic`);
      const sent = dataOf(await z.call('groupmsg', ['Nordic', 'hallå']));
      await server.console.waitFor(
        `${qz} issued a message in group chat Nordic: "hallå" at ${sent.ts}.`,
      );
      await z.ok('p2pvideo', [chloe, 'é.mp4', '7']);
      // the audience is told the names as they are
      await eventWith(c, 'p2p-incoming', { presenter: zoe, fileName: 'é.mp4', size: 7 });
      await server.console.waitFor(`${qz} is sending "\\u00e9.mp4" (7 bytes) to ${qc} over UDP`);
      assert.equal(
        await z.ok('logout'),
        { username: zoe },
        'the logout reply names the user as is',
      );
      await z.closedByServer();
      await server.console.waitFor(`${qz} logout`);
      await c.close();
    },
  },
  // the command table (PROTOCOL: unknown → UNKNOWN_COMMAND, wrong number of args → BAD_ARGUMENTS)
  {
    name: 'command table: each command with too few or too many arguments is BAD_ARGUMENTS, logged in; an unknown one UNKNOWN_COMMAND',
    run: async (server, users) => {
      const user = users.take();
      const conn = await login(server, user);
      const wrong: Array<[string, string[]]> = [
        ['msgto', ['x']],
        ['msgto', ['x', 'y', 'z']],
        ['activeuser', ['x']],
        ['creategroup', []],
        ['creategroup', ['G', ...Array.from({ length: 1001 }, (_, i) => `u${i}`)]],
        ['joingroup', []],
        ['joingroup', ['G', 'x']],
        ['groupmsg', ['G']],
        ['groupmsg', ['G', 'x', 'y']],
        ['p2pvideo', ['x', 'y']],
        ['p2pvideo', ['x', 'y', '1', 'z']],
        ['logout', ['now']],
      ];
      for (const [cmd, args] of wrong)
        await refused(conn, cmd, args, { code: 'BAD_ARGUMENTS' }, `${args.length} arguments`);
      await refused(
        conn,
        'Msgto',
        [user, 'hi'],
        { code: 'UNKNOWN_COMMAND' },
        'commands are lower-case',
      );
      // 1,000 invitees is within the table (1 + 1,000 arguments): the handler answers
      await refused(
        conn,
        'creategroup',
        ['G', ...Array.from({ length: 1000 }, (_, i) => `nobody${i}`)],
        { code: 'GROUP_MEMBER_UNKNOWN', user: 'nobody0' },
        '1,000 invitees',
      );
      assert.ok(!conn.isClosed, 'the connection stays');
      await conn.ok('logout');
      await conn.closedByServer();
    },
  },
];
