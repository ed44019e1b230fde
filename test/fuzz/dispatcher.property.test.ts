// Random requests through a REAL server's dispatcher. Whatever the command name and arguments
// (real names, near misses, control characters, huge strings, lone surrogates), every request gets
// exactly one response with a known error code or ok, the dispatcher's table checks come first,
// the server keeps answering honest requests, and only honest files appear in its data directory.
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { COMMANDS } from '../../src/server/commands/command-table.js';
import { DEFAULTS } from '../../src/server/config.js';
import { validateMessageText } from '../../src/shared/message-text.js';
import { beforeAll, PASSWORDS, startServer, type ServerHandle } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

const SEED = 0xd15a7c4;
const BATCHES = 10;
const BATCH_SIZE = 30; // 300 random requests in all
const FRAME_BUDGET = 60_000; // under the default 64 KiB frame limit, so every request is well formed
const KNOWN_CODES = new Set<string>(ERROR_CODES);
const USERS = Object.keys(PASSWORDS);

interface FuzzRequest {
  cmd: string;
  args: string[];
}
type Response = Extract<ServerMessage, { t: 'res' }>;
const isResponse = (m: ServerMessage): m is Response => m.t === 'res';
const codeOf = (m: Response): string => (m.ok ? 'OK' : m.error.code);

// ---------- arbitraries ----------

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((n) => String.fromCharCode(n));

const realNames = COMMANDS.map((c) => c.name);
const cmdArb = fc
  .oneof(
    { weight: 6, arbitrary: fc.constantFrom(...realNames) },
    { weight: 1, arbitrary: fc.constantFrom(...realNames).map((n) => n.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...realNames).map((n) => ` ${n}`) },
    { weight: 1, arbitrary: fc.constantFrom(...realNames).map((n) => `${n}\u0000`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'msg to',
        'MSGTO',
        'activeusers',
        '/msgto',
        'login',
        'hello',
      ),
    },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 32 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 16 }) },
  )
  .filter((s) => s.length >= 1 && s.length <= 32);

const argArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...USERS,
      'Jabba',
      'yoda',
      '',
      ' ',
      'G1',
      'a.mp4',
      '0',
      '1',
      '65535',
      '9007199254740993',
      '-1',
      '1e3',
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,40}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: controlChar, minLength: 1, maxLength: 10 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 5 }), controlChar, fc.string({ maxLength: 5 }))
      .map(([a, c, b]) => a + c + b),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('x', 'é', '😀', ' ', '\u202e', '\ufeff'),
        fc.integer({ min: 990, max: 20_000 }),
      )
      .map(([u, n]) => u.repeat(n)),
  },
);

/** Argument lists: often the command's own arity (to get past the arity check), sometimes anything. */
const requestArb: fc.Arbitrary<FuzzRequest> = cmdArb.chain((cmd) => {
  const spec = COMMANDS.find((c) => c.name === cmd);
  const exact = spec
    ? fc.array(argArb, {
        minLength: spec.minArgs,
        maxLength: Math.min(spec.maxArgs, spec.minArgs + 3),
      })
    : fc.array(argArb, { maxLength: 4 });
  return fc
    .oneof(
      { weight: 3, arbitrary: exact },
      { weight: 1, arbitrary: fc.array(argArb, { maxLength: 8 }) },
      { weight: 1, arbitrary: fc.array(argArb, { maxLength: 64 }) },
    )
    .map((args) => ({ cmd, args }));
});

/** A well-formed request the server must answer; a real logout would end the session, so it gets an argument. */
function sanitize({ cmd, args }: FuzzRequest): FuzzRequest {
  const kept = cmd === 'logout' && args.length === 0 ? ['now'] : [...args];
  const size = () =>
    Buffer.byteLength(JSON.stringify({ t: 'req', id: 2 ** 31 - 1, cmd, args: kept }));
  while (kept.length > 0 && size() > FRAME_BUDGET) {
    const last = kept.length - 1;
    const arg = kept[last] ?? '';
    if (arg.length > 64) kept[last] = arg.slice(0, Math.floor(arg.length / 2));
    else kept.pop();
  }
  return { cmd, args: kept };
}

// Requests shaped like real use, with fuzz in the values, so the handlers' success paths run too.
const user = fc.oneof(
  { weight: 3, arbitrary: fc.constant('Obi-wan') },
  { weight: 2, arbitrary: fc.constantFrom(...USERS, 'Jabba') },
  { weight: 1, arbitrary: argArb },
);
const group = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('G1', 'G2', 'Fuzz9') },
  { weight: 1, arbitrary: argArb },
);
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: argArb },
);
const shapedArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(user, text).map((args): FuzzRequest => ({ cmd: 'msgto', args })),
  fc
    .tuple(group, fc.array(user, { minLength: 1, maxLength: 4 }))
    .map(([g, us]) => ({ cmd: 'creategroup', args: [g, ...us] })),
  group.map((g) => ({ cmd: 'joingroup', args: [g] })),
  fc.tuple(group, text).map((args): FuzzRequest => ({ cmd: 'groupmsg', args })),
  fc
    .tuple(
      user,
      fc.oneof(fc.constantFrom('a.mp4', 'lecture 1.mp4', '..', '.', 'a/b', 'é😀.bin'), argArb),
      fc.oneof(
        fc.nat().map(String),
        fc.constantFrom('0', '9007199254740993', '1e3', '-1', ''),
        argArb,
      ),
    )
    .map((args): FuzzRequest => ({ cmd: 'p2pvideo', args })),
  fc.constant<FuzzRequest>({ cmd: 'activeuser', args: [] }),
);

const batchArb = fc.record({
  requests: fc.array(
    fc
      .oneof({ weight: 1, arbitrary: shapedArb }, { weight: 2, arbitrary: requestArb })
      .map(sanitize),
    { minLength: BATCH_SIZE, maxLength: BATCH_SIZE },
  ),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
});

// ---------- the oracle: what the dispatcher must decide before anything runs ----------

const HANDLER_CODES_NEVER = new Set([
  'UNKNOWN_COMMAND',
  'NOT_LOGGED_IN',
  'ALREADY_AUTHENTICATED',
  'BAD_ARGUMENTS',
  'INTERNAL',
  'HANDSHAKE_REQUIRED',
  'BAD_MESSAGE',
  'BAD_FRAME',
]);

/** Checks one response against the request, for a session logged in as Yoda with Obi-wan online. */
function checkResponse(request: FuzzRequest, response: Response): void {
  const code = codeOf(response);
  const where = `${JSON.stringify(request).slice(0, 300)} → ${JSON.stringify(response).slice(0, 300)}`;
  assert.ok(code === 'OK' || KNOWN_CODES.has(code), `unknown code: ${where}`);
  const spec = COMMANDS.find((c) => c.name === request.cmd);
  if (!spec) return assert.is(code, 'UNKNOWN_COMMAND', where);
  if (!spec.needsLogin) return assert.is(code, 'ALREADY_AUTHENTICATED', where);
  if (request.args.length < spec.minArgs || request.args.length > spec.maxArgs)
    return assert.is(code, 'BAD_ARGUMENTS', where);
  assert.ok(
    !HANDLER_CODES_NEVER.has(code),
    `a valid ${spec.name} was refused by the dispatcher: ${where}`,
  );
  if (spec.name === 'msgto') {
    const [to = '', text = ''] = request.args;
    const valid = validateMessageText(text, DEFAULTS.maxMessageLength).isOk();
    assert.is(
      code === 'OK',
      valid && to === 'Obi-wan',
      `msgto succeeds exactly for valid text to the one other online user: ${where}`,
    );
  }
}

// ---------- the server ----------

let server: ServerHandle;
let yoda: RawClient;
let obi: RawClient;
let nextId = 1_000_000;
const sent = new Map<number, FuzzRequest>();

beforeAll(async () => {
  // Rate limits are not under test here: they are lifted so every request reaches the dispatcher.
  server = await startServer({
    args: [
      '--rate-burst',
      '10000000',
      '--rate-per-second',
      '10000000',
      '--max-throttled',
      '10000000',
    ],
  });
  yoda = await RawClient.connect(server.port);
  await yoda.login('Yoda', PASSWORDS.Yoda ?? '');
  obi = await RawClient.connect(server.port);
  await obi.login('Obi-wan', PASSWORDS['Obi-wan'] ?? '');
});
test.after(async () => {
  yoda?.close();
  obi?.close();
  await server?.stop();
});

/**
 * An honest `activeuser` must still be answered, with exactly the users expected. A user whose
 * connection just closed may still be going offline on the server, so the question is asked
 * again (a bounded number of round trips, no timers) until that has happened.
 */
async function assertHonestActiveuser(client: RawClient, others: string[]): Promise<void> {
  let users: string[] = [];
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await client.response(client.request('activeuser'));
    assert.ok(res.t === 'res' && res.ok, `activeuser answered: ${JSON.stringify(res)}`);
    users = ((res as { data?: { users?: Array<{ user: string }> } }).data?.users ?? []).map(
      (u) => u.user,
    );
    if (JSON.stringify(users) === JSON.stringify(others)) return;
    // Only a user on the way out may differ; anything else is wrong at once.
    assert.ok(
      users.every((u) => others.includes(u) || ['Hans', 'Luke', 'Leia', 'Vader'].includes(u)) &&
        others.every((u) => users.includes(u)),
      JSON.stringify(users),
    );
  }
  assert.equal(users, others);
}

test('300 random requests through the real dispatcher: one known answer each, and the server keeps answering', async () => {
  let batchNo = 0;
  await fc.assert(
    fc.asyncProperty(batchArb, async ({ requests, cuts }) => {
      batchNo += 1;
      const ids = requests.map((request) => {
        const id = nextId++;
        sent.set(id, request);
        return id;
      });
      const stream = Buffer.concat(
        requests.map((r, i) =>
          encodeFrame(JSON.stringify({ t: 'req', id: ids[i], cmd: r.cmd, args: r.args })),
        ),
      );
      // Split the batch's bytes at random points, so frames straddle writes.
      const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
      let from = 0;
      for (const p of [...points, stream.length]) {
        if (p > from) yoda.sendBytes(stream.subarray(from, p));
        from = p;
      }
      for (const [i, id] of ids.entries()) {
        const response = await yoda.response(id);
        assert.ok(isResponse(response));
        checkResponse(requests[i] ?? { cmd: '', args: [] }, response);
      }
      await assertHonestActiveuser(yoda, ['Obi-wan']);
      assert.ok(server.program.child.exitCode === null, `server alive after batch ${batchNo}`);
    }),
    { seed: SEED, numRuns: BATCHES, endOnFailure: true },
  );
  assert.is(batchNo, BATCHES);

  // A last honest round trip on each connection, then count: exactly one response per request.
  await assertHonestActiveuser(yoda, ['Obi-wan']);
  await assertHonestActiveuser(obi, ['Yoda']);
  const counts = new Map<number, number>();
  for (const m of yoda.received)
    if (isResponse(m) && m.id >= 1_000_000) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
  assert.is(sent.size, BATCHES * BATCH_SIZE);
  for (const id of sent.keys()) assert.is(counts.get(id), 1, `request ${id} answered exactly once`);
  for (const id of counts.keys())
    assert.ok(sent.has(id), `no response to a request never sent (${id})`);
  assert.equal(
    yoda.received.filter((m) => m.t === 'ev' && (m.ev === 'error' || m.ev === 'closing')),
    [],
    'no protocol errors for well-formed requests',
  );

  // Every acknowledged private message is logged once and delivered once.
  const okMessages = [...sent.entries()].filter(
    ([id, r]) =>
      r.cmd === 'msgto' && yoda.received.some((m) => isResponse(m) && m.id === id && m.ok),
  );
  assert.is(
    server.messagelog().length,
    okMessages.length,
    'messagelog.txt holds exactly the acknowledged messages',
  );
  const delivered = obi.received.filter(
    (m) => m.t === 'ev' && m.ev === 'private' && m.from === 'Yoda',
  );
  assert.is(
    delivered.length,
    okMessages.length,
    'Obi-wan received exactly the acknowledged messages',
  );
  assert.equal(
    delivered.map((m) => (m.t === 'ev' && m.ev === 'private' ? m.text : undefined)),
    okMessages.map(([, r]) => r.args[1]),
    'in the order they were acknowledged',
  );
  // Every acknowledged group message is in its group's log; every introduction reached its audience.
  const acknowledged = (cmd: string) =>
    [...sent.entries()]
      .filter(
        ([id, r]) =>
          r.cmd === cmd && yoda.received.some((m) => isResponse(m) && m.id === id && m.ok),
      )
      .map(([, r]) => r);
  const groups = new Set(acknowledged('groupmsg').map((r) => r.args[0] ?? ''));
  const groupLines = [...groups].reduce((n, g) => n + server.groupLog(g).length, 0);
  assert.is(
    groupLines,
    acknowledged('groupmsg').length,
    'group logs hold exactly the acknowledged group messages',
  );
  assert.is(
    obi.received.filter((m) => m.t === 'ev' && m.ev === 'p2p-incoming').length,
    acknowledged('p2pvideo').length,
  );
  assert.ok(!server.program.output.includes('Internal error'), server.program.output.slice(-2000));
});

test('the data directory holds only the logs the protocol promises (no path escapes from fuzzed names)', () => {
  const top = readdirSync(server.dir).sort();
  assert.equal(top, ['credentials.txt', 'data']);
  for (const name of readdirSync(server.dataDir)) {
    assert.match(
      name,
      /^((userlog|messagelog|[A-Za-z0-9]{1,32}_messagelog)\.txt|groups\.db|tls)$/,
      name,
    );
  }
  assert.equal(
    readdirSync(join(server.dataDir, 'tls')).sort(),
    ['cert.pem', 'key.pem'],
    'the self-signed certificate and its key',
  );
});

// ---------- malformed requests: an error event each, then the connection is closed ----------

const badFrameArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom<unknown>(
      { t: 'req', id: 1, cmd: '', args: [] },
      { t: 'req', id: 1, cmd: 'x'.repeat(33), args: [] },
      { t: 'req', id: -1, cmd: 'activeuser', args: [] },
      { t: 'req', id: 2 ** 31, cmd: 'activeuser', args: [] },
      { t: 'req', id: 1.5, cmd: 'activeuser', args: [] },
      { t: 'req', id: '1', cmd: 'activeuser', args: [] },
      { t: 'req', cmd: 'activeuser', args: [] },
      { t: 'req', id: 1, cmd: 'activeuser' },
      { t: 'req', id: 1, cmd: 'activeuser', args: 'x' },
      { t: 'req', id: 1, cmd: 'msgto', args: ['Obi-wan', 5] },
      { t: 'req', id: 1, cmd: 'msgto', args: [null, {}] },
      { t: 'req', id: 1, cmd: 7, args: [] },
      { t: 'req', id: 1, cmd: 'creategroup', args: Array.from({ length: 2000 }, () => 'Obi-wan') },
      { t: 'hello', v: 1 },
      { t: 'welcome', v: 1 },
      { id: 1, cmd: 'activeuser', args: [] },
      [],
      'req',
      null,
      42,
    )
    .map((v) => encodeFrame(JSON.stringify(v))),
  fc
    .uint8Array({ minLength: 1, maxLength: 200 })
    .map((b) => Buffer.concat([encodeFrame('x'.repeat(b.length)).subarray(0, 4), Buffer.from(b)])),
  fc
    .string({ minLength: 1, maxLength: 50 })
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .map((s) => encodeFrame(s)),
);

test('malformed requests get a BAD_MESSAGE error event each; one too many closes the connection, nothing else breaks', async () => {
  const users = ['Hans', 'Luke', 'Leia', 'Vader'];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(badFrameArb, {
        minLength: DEFAULTS.maxBadMessages + 1,
        maxLength: DEFAULTS.maxBadMessages + 1,
      }),
      async (frames) => {
        const user = users[run++ % users.length] ?? 'Hans';
        const raw = await RawClient.connect(server.port);
        await raw.login(user, PASSWORDS[user] ?? '');
        const tolerated = frames.slice(0, DEFAULTS.maxBadMessages);
        for (const frame of tolerated) raw.sendBytes(frame);
        await assertHonestActiveuser(raw, ['Yoda', 'Obi-wan']); // others, in login order
        const errors = raw.received.filter((m) => m.t === 'ev' && m.ev === 'error');
        assert.is(errors.length, tolerated.length, 'one error event per malformed frame');
        for (const e of errors)
          assert.equal((e as { error: unknown }).error, { code: 'BAD_MESSAGE' });
        raw.sendBytes(frames[DEFAULTS.maxBadMessages] ?? Buffer.alloc(0));
        const closing = await raw.waitFor((m) => m.t === 'ev' && m.ev === 'closing');
        assert.is((closing as { error: { code: string } }).error.code, 'BAD_MESSAGE');
        await raw.closedPromise;
        assert.equal(
          raw.received.filter((m) => m.t === 'res' && m.id >= 1_000_000),
          [],
          'no malformed request was answered as a request',
        );
      },
    ),
    { seed: SEED, numRuns: users.length, endOnFailure: true },
  );
  await assertHonestActiveuser(yoda, ['Obi-wan']);
});

// Requests are applied in the order they arrive: a password written together with its username
// waits in the session's queue while the lockout lookup runs (test/e2e/pipelined-login.test.ts).
test('pipelined username and password log in', async () => {
  const raw = await RawClient.connect(server.port);
  raw.hello();
  await raw.waitFor((m) => m.t === 'welcome');
  raw.sendBytes(
    Buffer.concat([
      encodeFrame(JSON.stringify({ t: 'req', id: 1, cmd: 'username', args: ['Leia'] })),
      encodeFrame(
        JSON.stringify({ t: 'req', id: 2, cmd: 'password', args: [PASSWORDS.Leia ?? '', '9'] }),
      ),
    ]),
  );
  const login = await raw.response(2);
  assert.ok(login.t === 'res' && login.ok, JSON.stringify(login));
  raw.close();
  await raw.closedPromise;
});

test('a real logout among the fuzz still gets its one ok response, then the server closes', async () => {
  const id = nextId++;
  yoda.sendJson({ t: 'req', id, cmd: 'logout', args: [] });
  const bye = await yoda.response(id);
  assert.ok(bye.t === 'res' && bye.ok);
  assert.equal((bye as { data?: unknown }).data, { username: 'Yoda' });
  await yoda.closedPromise;
  await assertHonestActiveuser(obi, []);
  assert.ok(server.program.child.exitCode === null);
});

test.run();
