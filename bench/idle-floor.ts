// What an idle logged-in session costs at least, part by part, in one Node process: the heap per
// session actor (the session machine started and moved to `open.active`, as after a login) and
// the memory per accepted TCP socket of a bare Node server that only reads (no Tessenger code).
// Prints bytes per session for each part. SHARED=1 makes the actors children of one parent actor
// (one actor system for all, as the server does).
//   node --expose-gc --import tsx bench/idle-floor.ts [N]
import { createServer, connect, type Socket } from 'node:net';
import { createActor, fromCallback } from 'xstate';
import { sessionMachine } from '../machines/session.machine.js';

const N = Number(process.argv[2] ?? 5000);
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
};
const heap = () => process.memoryUsage().heapUsed;
const rss = () => process.memoryUsage.rss();

// SHARED=1: every session actor is a child of one parent actor and shares its actor system.
const parent = process.env.SHARED ? createActor(fromCallback(() => {})) : undefined;
parent?.start();
await settle();
let before = heap();
const actors = [];
const limits = { protocolVersion: 1, maxBadMessages: 10, maxUnauthenticatedMessages: 20 };
for (let i = 0; i < N; i++) {
  const snapshot = sessionMachine.resolveState({
    value: { open: 'active' },
    context: {
      connectionId: i,
      limits,
      username: `user${i}`,
      online: true,
      queue: [],
      current: null,
      badMessages: 0,
      unauthenticatedMessages: 0,
      end: null,
    },
  });
  const actor = createActor(sessionMachine, {
    snapshot,
    input: { connectionId: i, limits },
    ...(parent ? { parent } : {}),
  });
  actor.subscribe({ complete: () => {}, error: () => {} });
  actor.start();
  actors.push(actor);
}
await settle();
console.log(
  `session actor (active, subscribed${parent ? ', one shared actor system' : ''}): ${Math.round((heap() - before) / N)} bytes of heap each`,
);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', () => {});
  socket.on('error', () => {});
  accepted.push(socket);
});
const accepted: Socket[] = [];
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
await settle();
before = heap();
const rssBefore = rss();
const clients: Socket[] = [];
for (let i = 0; i < N; i++) {
  clients.push(
    await new Promise<Socket>((r) => {
      const c = connect(port, '127.0.0.1', () => r(c));
    }),
  );
}
while (accepted.length < N) await new Promise((r) => setTimeout(r, 10));
await settle();
// Both ends live in this process: half of the growth is the server's side.
console.log(
  `accepted TCP socket (server side, half of both ends): ${Math.round((heap() - before) / N / 2)} bytes of heap, ${Math.round((rss() - rssBefore) / N / 2)} bytes of RSS each`,
);
for (const c of clients) c.destroy();
server.close();
void actors;
process.exit(0);
