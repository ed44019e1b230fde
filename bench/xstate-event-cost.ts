// How much one REQUEST event costs the session actor in the active state (no I/O: every action is
// a no-op), against a plain function call doing the same guard checks. Prints ns per event.
import { createActor } from 'xstate';
import { sessionMachine } from '../machines/session.machine.js';

const N = Number(process.argv[2] ?? 200_000);
const logic = sessionMachine.provide({
  actors: {},
  guards: { commandRateFlooding: () => false, commandRateThrottled: () => false },
});
const actor = createActor(logic, {
  input: {
    connectionId: 1,
    limits: { protocolVersion: 1, maxBadMessages: 10, maxUnauthenticatedMessages: 20 },
  },
});
actor.start();
// Straight to active: the machine's own login path needs the invoked actors; resolve them here.
const snapshot = actor.getSnapshot();
const active = logic.resolveState({ value: { open: 'active' }, context: snapshot.context });
const live = createActor(logic, {
  snapshot: active,
  input: snapshot.context as never,
});
live.start();
const event = {
  type: 'REQUEST' as const,
  step: 'command' as const,
  requestId: 1,
  command: { name: 'msgto' } as never,
  args: ['a', 'b'],
};
for (let round = 0; round < 6; round++) {
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) live.send({ ...event, requestId: i });
  const perEvent = Number(process.hrtime.bigint() - t) / N;
  console.log(
    `round ${round}: ${perEvent.toFixed(0)} ns per REQUEST event (${N} events), heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
  );
}
