// What a login costs the session machine alone (no I/O: the checks it invokes answer at once,
// its actions are no-ops): N session actors, children of one parent as in the server, each taken
// from hello through username and password to `open.active`, all N started before any check
// answers (a storm). Prints µs per login with the parent's system indexed as the server does
// (src/server/indexed-scheduler.ts) and, with --plain, as XState leaves it. With --alloc, the last
// round also samples what is allocated (V8's sampling heap profiler, collected objects included)
// and prints it per login, by the function that allocated it.
//   npx tsx bench/xstate-login-cost.ts [N] [--plain] [--alloc]
import type { HeapProfiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { createActor, fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import {
  sessionMachine,
  type LoginCheck,
  type SessionEvent,
  type VerifyCredentialsInput,
} from '../machines/session.machine.js';
import { indexScheduledEvents } from '../src/server/indexed-scheduler.js';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2000);
const plain = process.argv.includes('--plain');
const sampleAllocations = process.argv.includes('--alloc');
const ROUNDS = 5;
// The machine's own placeholders answer at once: the lockout lets everyone in and going online
// names no invitations. Only the password check must accept (its placeholder refuses).
const logic = sessionMachine.provide({
  actors: {
    verifyCredentials: fromPromise<LoginCheck, VerifyCredentialsInput>(async () => ({
      verdict: 'accepted',
    })),
  },
});
const limits = { protocolVersion: 1, maxBadMessages: 10, maxUnauthenticatedMessages: 20 };
const parent = createActor(fromCallback(() => {})).start();
if (!plain) indexScheduledEvents(parent.system);

const login = (i: number): SessionEvent => ({
  type: 'FRAMES',
  frames: [
    { type: 'REQUEST', step: 'username', requestId: 1, username: `u${i}` },
    { type: 'REQUEST', step: 'password', requestId: 2, password: 'p', udpPort: 9 },
  ],
});

let next = 0;
for (let round = 0; round < ROUNDS; round++) {
  const sampling = sampleAllocations && round === ROUNDS - 1 ? await startSampling() : undefined;
  const started = process.hrtime.bigint();
  const actors: AnyActorRef[] = [];
  for (let i = 0; i < N; i++, next++) {
    const actor = createActor(logic, {
      id: String(next),
      input: { connectionId: next, limits },
      parent,
    }).start();
    actor.send({ type: 'HELLO', version: 1 });
    actor.send(login(next));
    actors.push(actor);
  }
  // The checks answer in microtasks: let them all run.
  await new Promise((resolve) => setImmediate(resolve));
  const µs = Number(process.hrtime.bigint() - started) / 1e3 / N;
  const active = actors.filter((a) => a.getSnapshot().matches({ open: 'active' })).length;
  if (active !== N) throw new Error(`${N - active} sessions did not reach open.active`);
  console.log(
    `round ${round}: ${µs.toFixed(0)} µs per login (${N} at once, ${plain ? "XState's own scheduler" : 'indexed scheduler'})` +
      (sampling ? ' (sampling allocations: not a timing)' : ''),
  );
  if (sampling) printAllocations(await sampling.stop());
}

async function startSampling(): Promise<{ stop(): Promise<HeapProfiler.SamplingHeapProfile> }> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    stop: async () => {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      return profile;
    },
  };
}

/** KiB allocated per login in all, and by the functions that allocated the most of it. */
function printAllocations(profile: HeapProfiler.SamplingHeapProfile): void {
  const byFunction = new Map<string, number>();
  const visit = (node: HeapProfiler.SamplingHeapProfileNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.replace(/.*\//, '')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(profile.head);
  const kib = (bytes: number) => (bytes / 1024 / N).toFixed(1).padStart(6);
  const total = [...byFunction.values()].reduce((sum, bytes) => sum + bytes, 0);
  console.log(`allocated per login: ${kib(total)} KiB (sampled), by function:`);
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${kib(bytes)} KiB  ${name}`);
}
