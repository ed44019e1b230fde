// Login steps are applied in the order the client sent them (docs/PROTOCOL.md), whether it
// waits for each answer or writes them all at once: the session machine queues what arrives while
// a step (the lockout lookup, the password check, the userlog write) is still being worked on.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import {
  beforeAll,
  eventually,
  PASSWORDS,
  startServer,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

let server: ServerHandle;

beforeAll(async () => {
  // 5 attempts and no per-IP throttle: a generated sequence never locks the account (at most
  // two wrong passwords, and a clean login resets the count after each run).
  server = await startServer({ attempts: 5, args: ['--max-ip-failures', '1000000'] });
});

test.after(async () => {
  server.program.kill('SIGTERM');
  await server.program.exited;
});

type Step = { readonly cmd: string; readonly args: readonly string[] };

const frame = (id: number, { cmd, args }: Step): Buffer =>
  encodeFrame(JSON.stringify({ t: 'req', id, cmd, args }));
const HELLO = encodeFrame(JSON.stringify({ t: 'hello', v: 1 }));

/** What a step was answered, comparable across runs: `ok` with its data, or the error code. */
function answer(m: ServerMessage | undefined): string {
  if (!m) return 'no answer (connection closed)';
  if (m.t !== 'res') return JSON.stringify(m);
  return m.ok ? `ok ${JSON.stringify(m.data ?? null)}` : m.error.code;
}

const responseTo = (raw: RawClient, id: number): ServerMessage | undefined =>
  raw.received.find((m) => m.t === 'res' && m.id === id);

/** Waits until request `id` is answered or the server has closed the connection. */
async function answered(raw: RawClient, id: number): Promise<void> {
  await raw
    .waitFor((m) => m.t === 'res' && m.id === id)
    .catch((e: unknown) => {
      if (!raw.closed) throw e;
    });
}

async function connect(): Promise<RawClient> {
  const raw = await RawClient.connect(server.port);
  raw.sendBytes(HELLO);
  await raw.waitFor((m) => m.t === 'welcome');
  return raw;
}

/** All steps in one write. */
async function pipelined(steps: readonly Step[]): Promise<string[]> {
  const raw = await connect();
  raw.sendBytes(Buffer.concat(steps.map((s, i) => frame(i + 1, s))));
  for (let id = 1; id <= steps.length; id++) await answered(raw, id);
  const answers = steps.map((_, i) => answer(responseTo(raw, i + 1)));
  await hangUp(raw);
  return answers;
}

/** Each step once the previous one was answered. */
async function oneByOne(steps: readonly Step[]): Promise<string[]> {
  const raw = await connect();
  for (const [i, s] of steps.entries()) {
    if (raw.closed) break;
    raw.sendBytes(frame(i + 1, s));
    await answered(raw, i + 1);
  }
  const answers = steps.map((_, i) => answer(responseTo(raw, i + 1)));
  await hangUp(raw);
  return answers;
}

async function hangUp(raw: RawClient): Promise<void> {
  raw.close();
  await raw.closedPromise;
  await eventually(
    () => !server.userlog().some((l) => l.split('; ')[2] === 'Luke'),
    'Luke to be offline',
  );
}

/** A clean login and logout: resets Luke's failure count between runs. */
async function reset(): Promise<void> {
  const raw = await connect();
  await raw.ask('username', ['Luke']);
  const login = await raw.ask('password', [PASSWORDS.Luke ?? '', '9']);
  assert.equal(
    login.ok ? login.data : login.error,
    { username: 'Luke', invitations: [] },
    'reset login',
  );
  await raw.ask('logout', []);
  await hangUp(raw);
}

test('a wrong then a right password written at once are answered in order, then the command after them runs', async () => {
  const raw = await connect();
  const steps: Step[] = [
    { cmd: 'username', args: ['Yoda'] },
    { cmd: 'password', args: ['not-it', '9'] },
    { cmd: 'password', args: [PASSWORDS.Yoda ?? '', '9'] },
    { cmd: 'activeuser', args: [] },
  ];
  raw.sendBytes(Buffer.concat(steps.map((s, i) => frame(i + 1, s))));
  await raw.response(4);
  const order = raw.received.filter((m) => m.t === 'res').map((m) => (m.t === 'res' ? m.id : 0));
  assert.equal(order, [1, 2, 3, 4], 'answered in the order sent');
  assert.equal(
    steps.map((_, i) => answer(responseTo(raw, i + 1))),
    ['ok null', 'INVALID_PASSWORD', 'ok {"username":"Yoda","invitations":[]}', 'ok {"users":[]}'],
  );
  raw.close();
  await raw.closedPromise;
  await server.program.expect('Yoda logout');
});

test('a logout written with the login logs the user out after the login, and the connection closes', async () => {
  const raw = await connect();
  const steps: Step[] = [
    { cmd: 'username', args: ['Hans'] },
    { cmd: 'password', args: [PASSWORDS.Hans ?? '', '9'] },
    { cmd: 'logout', args: [] },
  ];
  raw.sendBytes(Buffer.concat(steps.map((s, i) => frame(i + 1, s))));
  await raw.closedPromise;
  assert.equal(
    steps.map((_, i) => answer(responseTo(raw, i + 1))),
    ['ok null', 'ok {"username":"Hans","invitations":[]}', 'ok {"username":"Hans"}'],
  );
  await server.program.expect('Hans is online');
  await server.program.expect('Hans logout');
  assert.not.ok(
    server.userlog().some((l) => l.includes('; Hans; ')),
    'Hans is not left logged in',
  );
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ cmd: 'username', args: ['Luke'] }) },
  { weight: 1, arbitrary: fc.constant({ cmd: 'username', args: [''] }) },
  { weight: 4, arbitrary: fc.constant({ cmd: 'password', args: [PASSWORDS.Luke ?? '', '9'] }) },
  { weight: 2, arbitrary: fc.constant({ cmd: 'password', args: ['wrong', '9'] }) },
  { weight: 1, arbitrary: fc.constant({ cmd: 'password', args: ['x', 'port'] }) },
  { weight: 2, arbitrary: fc.constant({ cmd: 'logout', args: [] }) },
  { weight: 2, arbitrary: fc.constant({ cmd: 'activeuser', args: [] }) },
  { weight: 1, arbitrary: fc.constant({ cmd: 'msgto', args: ['Luke'] }) },
  { weight: 1, arbitrary: fc.constant({ cmd: 'nope', args: [] }) },
);
const sequenceArb = fc
  .array(stepArb, { minLength: 1, maxLength: 12 })
  .filter((steps) => steps.filter((s) => s.args[0] === 'wrong').length <= 2);

test('any sequence of login steps written in one chunk gets the answers it gets step by step', async () => {
  await fc.assert(
    fc.asyncProperty(sequenceArb, async (steps) => {
      const stepByStep = await oneByOne(steps);
      await reset();
      const atOnce = await pipelined(steps);
      await reset();
      assert.equal(atOnce, stepByStep, JSON.stringify(steps));
    }),
    { seed: 0x5e55, numRuns: 40, endOnFailure: true },
  );
});

test.run();
