import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../src/protocol/frame-codec.js';
import type { IntakeStats } from '../../src/server/intake.js';
import { MAX_IN_FLIGHT_PER_CONNECTION, MAX_IN_FLIGHT_TOTAL } from '../../src/server/intake.js';
import { PASSWORDS, startServer, tempDir, type ServerHandle } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

// Far more requests than the server may hold at once, and well over the reply bytes the loopback's
// socket buffers absorb, so the server must stop reading the flooder while it does not read.
const FLOOD = 100_000;
// What one connection may hold read but not yet served: a read chunk and a partial frame.
const MAX_UNREAD_BYTES = 256 * 1024;

type Stats = IntakeStats & { rssBytes: number };

/** The server's figures, through --stats-file: SIGUSR2 writes them (src/server/stats-reporter.ts). */
async function statsOf(server: ServerHandle, file: string): Promise<Stats> {
  rmSync(file, { force: true });
  server.program.kill('SIGUSR2');
  // the server writes the file asynchronously; bounded, so a broken server fails the test
  for (let tries = 0; tries < 500; tries++) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return JSON.parse(text) as Stats;
    }
    await pause(10);
  }
  throw new Error('the server wrote no stats');
}

/** Resolves once `raw` has received `count` messages (checked as frames arrive, not by polling). */
function receivedAtLeast(raw: RawClient, count: number, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (raw.received.length >= count) {
        clearTimeout(timer);
        raw.socket.off('data', check);
        resolve();
      }
    };
    const timer = setTimeout(
      () => reject(new Error(`only ${raw.received.length} of ${count} messages arrived`)),
      timeoutMs,
    );
    raw.socket.on('data', check);
    check();
  });
}

test('a flood of pipelined requests from a client that does not read: the server stops reading it, holds a bounded amount, and answers every request in order', async () => {
  const dir = tempDir('back-pressure');
  const statsFile = join(dir, 'stats.json');
  const server = await startServer({
    dir,
    args: [
      '--plaintext',
      '--sync',
      'off',
      '--stats-file',
      statsFile,
      // the flood is the point: the per-client rate limits would cut it first
      '--rate-burst',
      '1000000',
      '--rate-per-second',
      '1000000',
      '--max-throttled',
      '1000000',
    ],
  });
  const receiver = await RawClient.connect(server.port, { plaintext: true });
  await receiver.login('Obi-wan', PASSWORDS['Obi-wan']!);
  const flooder = await RawClient.connect(server.port, { plaintext: true });
  await flooder.login('Yoda', PASSWORDS.Yoda!);
  const before = flooder.received.length;
  const receiverBefore = receiver.received.length;
  const start = await statsOf(server, statsFile);

  // Every request written at once; the flooder reads none of its answers for now.
  flooder.socket.pause();
  const frames = Array.from({ length: FLOOD }, (_, i) =>
    encodeFrame(
      JSON.stringify({ t: 'req', id: 1000 + i, cmd: 'msgto', args: ['Obi-wan', `m${i}`] }),
    ),
  );
  flooder.socket.write(Buffer.concat(frames));

  // The server serves what it can answer, then stops reading the flooder: its answers fill the
  // socket buffers. The rest of the flood waits in the kernel and the flooder's socket.
  let previous = start;
  for (let look = 0; ; look++) {
    const seen = await statsOf(server, statsFile);
    const read = seen.requestsRead - start.requestsRead;
    if (read >= FLOOD)
      assert.unreachable(
        `the server read the whole flood without stopping: ${JSON.stringify(seen)}`,
      );
    if (seen.pausedNow >= 1 && seen.requestsRead === previous.requestsRead && read > 0) break;
    if (look > 2000)
      assert.unreachable(`the server never stopped reading: ${JSON.stringify(seen)}`);
    previous = seen;
  }
  const held = await statsOf(server, statsFile);
  assert.ok(
    held.peakInFlightPerConnection <= MAX_IN_FLIGHT_PER_CONNECTION,
    `in flight on one connection: ${held.peakInFlightPerConnection}`,
  );
  assert.ok(held.peakInFlightTotal <= MAX_IN_FLIGHT_TOTAL);
  assert.ok(held.peakUnreadBytes <= MAX_UNREAD_BYTES, `unread bytes: ${held.peakUnreadBytes}`);

  // Now the flooder reads: every request is answered, in the order sent, none refused.
  flooder.socket.resume();
  await receivedAtLeast(flooder, before + FLOOD);
  const answers = flooder.received.slice(before);
  answers.forEach((m, i) => {
    if (m.t !== 'res' || m.id !== 1000 + i || !m.ok)
      assert.unreachable(`answer ${i}: ${JSON.stringify(m)}`);
  });
  await receivedAtLeast(receiver, receiverBefore + FLOOD);
  assert.is(
    receiver.received.filter((m) => m.t === 'ev' && m.ev === 'private').length,
    FLOOD,
    'every acknowledged message was delivered',
  );

  const after = await statsOf(server, statsFile);
  assert.ok(after.peakInFlightPerConnection <= MAX_IN_FLIGHT_PER_CONNECTION);
  assert.ok(after.peakUnreadBytes <= MAX_UNREAD_BYTES);
  assert.ok(after.pauses >= 1);
  assert.is(server.messagelog().length, FLOOD);
  flooder.close();
  receiver.close();
  assert.is(await server.stop(), 0);
});

test.run();
