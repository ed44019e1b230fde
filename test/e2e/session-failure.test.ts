import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyStateMachine } from 'xstate';
import { ConsoleLog } from '../../src/server/console-log.js';
import type { LiveInspection } from '../../src/server/inspect/live-inspection.js';
import { TessengerServer } from '../../src/server/server.js';
import { eventually } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';
import { serverConfigIn } from '../support/server-config.js';

// A bug in a session's action fails its actor: the server logs it, drops that connection and
// forgets it (the session actors' parent is told, not an observer per actor), and keeps serving.
// The real server, in this process, with a session machine whose welcome throws.

test('a session whose actor fails is logged, dropped and forgotten; the server carries on', async () => {
  const config = serverConfigIn('session-failure', ['--plaintext', '--max-connections', '1']);
  const lines: string[] = [];
  const failing = {
    watch: <T extends AnyStateMachine>(machine: T): T =>
      machine.provide({
        actions: {
          welcomeClient: () => {
            throw new Error('a bug in the welcome');
          },
        },
      }) as T,
    close: async () => {},
  } as unknown as LiveInspection;
  const server = (
    await TessengerServer.start(config, {
      inspection: failing,
      console: new ConsoleLog((text) => lines.push(...text.trimEnd().split('\n'))),
    })
  )._unsafeUnwrap();
  const failed = (n: number) => () =>
    lines.filter(
      (l) => l === 'Internal error in a session from 127.0.0.1: Error: a bug in the welcome',
    ).length === n;
  const clients: RawClient[] = [];
  try {
    await connectTwice(server.port, failed, clients);
    assert.not.ok(
      lines.some((l) => l.startsWith('Refusing connection')),
      lines.join('\n'),
    );
  } finally {
    for (const c of clients) c.socket.destroy(); // a failing run must not hang on them
    await server.shutdown();
  }
});

async function connectTwice(
  port: number,
  failed: (n: number) => () => boolean,
  clients: RawClient[],
): Promise<void> {
  for (const n of [1, 2]) {
    // With --max-connections 1, the second is refused unless the first was forgotten.
    const client = await RawClient.connect(port, { plaintext: true });
    clients.push(client);
    client.hello();
    // bounded, so a socket that is never dropped fails the test instead of hanging it
    const dropped = await Promise.race([
      client.closedPromise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
    ]);
    assert.ok(dropped, 'the failed session is dropped');
    assert.not.ok(
      client.received.some((m) => m.t === 'ev' && m.ev === 'closing'),
      JSON.stringify(client.received),
    );
    await eventually(failed(n), `internal error ${n} logged`);
  }
}

test.run();
