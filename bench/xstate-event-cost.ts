// How much a request costs the session actor in the active state (no I/O: every action is a
// no-op), sent as one REQUEST event each, and as FRAMES events of BATCH requests (the frames of
// one read: the actor serves such a run in one action). Prints ns per request for both.
//   npx tsx bench/xstate-event-cost.ts [N] [BATCH]
import { createActor } from 'xstate';
import { sessionMachine, type FrameEvent } from '../machines/session.machine.js';

const N = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 23); // bench/chat private: ~23 frames per read
const logic = sessionMachine.provide({
  actors: {},
  guards: {
    commandRateFlooding: () => false,
    commandRateThrottled: () => false,
    commandRateAdmitsAll: () => true,
  },
});
const limits = { protocolVersion: 1, maxBadMessages: 10, maxUnauthenticatedMessages: 20 };
const actor = createActor(logic, { input: { connectionId: 1, limits } });
actor.start();
// Straight to active: the machine's own login path needs the invoked actors; resolve them here.
const snapshot = actor.getSnapshot();
const active = logic.resolveState({ value: { open: 'active' }, context: snapshot.context });
const live = createActor(logic, { snapshot: active, input: { connectionId: 1, limits } });
live.start();
const request = (requestId: number): FrameEvent => ({
  type: 'REQUEST',
  step: 'command',
  requestId,
  command: { name: 'msgto' } as never,
  args: ['a', 'b'],
});
const nsPerRequest = (send: () => void): string => {
  const t = process.hrtime.bigint();
  send();
  return (Number(process.hrtime.bigint() - t) / N).toFixed(0);
};
for (let round = 0; round < 6; round++) {
  const single = nsPerRequest(() => {
    for (let i = 0; i < N; i++) live.send(request(i));
  });
  const batched = nsPerRequest(() => {
    for (let i = 0; i < N; i += BATCH)
      live.send({
        type: 'FRAMES',
        frames: Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => request(i + j)),
      });
  });
  if (!live.getSnapshot().matches({ open: 'active' })) throw new Error('left the active state');
  console.log(
    `round ${round}: ${single} ns per request as REQUEST events, ${batched} ns as FRAMES of ${BATCH}`,
  );
}
