import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { loggedIn, spawnServer, startServer, tempDir } from '../support/processes.js';

test('SIGTERM: every client is told, the server exits 0 and userlog.txt ends empty', async () => {
  const server = await startServer();
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  yoda.type('/msgto Obi-wan before the end');
  await yoda.expect('message sent at');
  assert.is(await server.stop(), 0);
  await yoda.expect('The server is shutting down. Goodbye.');
  await obi.expect('The server is shutting down. Goodbye.');
  assert.is(await yoda.exitCode(), 1);
  assert.is(await obi.exitCode(), 1);
  assert.equal(server.userlog(), []);
  assert.is(server.messagelog().length, 1, 'the acknowledged message is on disk');
  await server.program.expect('Server stopped');
});

test('SIGINT shuts down the same way', async () => {
  const server = await startServer();
  const hans = await loggedIn(server, 'Hans');
  server.program.kill('SIGINT');
  assert.is(await server.program.exitCode(), 0);
  await hans.expect('The server is shutting down. Goodbye.');
  assert.is(await hans.exitCode(), 1);
});

test('a server that dies hard leaves its clients with a one-line message and a non-zero exit', async () => {
  const server = await startServer();
  const hans = await loggedIn(server, 'Hans');
  server.program.kill('SIGKILL');
  await hans.expect('Lost connection to the server.');
  assert.is(await hans.exitCode(), 1);
});

test('SIGTERM as soon as the server prints its first line: a graceful stop, exit 0', async () => {
  const { program: server } = spawnServer();
  await server.expect('\n');
  server.kill('SIGTERM');
  assert.is(await server.exitCode(), 0);
  await server.expect('Server stopped');
});

test('SIGTERM during start-up: the server starts, then stops gracefully with exit 0', async () => {
  const dir = tempDir('server');
  const data = join(dir, 'data');
  mkdirSync(data);
  // A torn last line makes start-up print its first line before groups.db is opened; groups.db
  // is a FIFO, so start-up waits there, for this test, until after the signal was sent.
  writeFileSync(join(data, 'messagelog.txt'), '1; 30 Nov 2026 14:00:00; Yoda; a torn li');
  const groups = join(data, 'groups.db');
  execFileSync('mkfifo', [groups]);
  const { program: server } = spawnServer({ dir });
  await server.expect('Recovered');
  server.kill('SIGTERM');
  // Let start-up go on: open the FIFO's other end (and close it: groups.db reads as empty).
  const writer = open(groups, 'w');
  const first = await Promise.race([
    writer.then(() => 'opened' as const),
    server.exited.then(() => 'exited' as const),
  ]);
  // The server died without ever reading the FIFO: a reader of our own releases our writer.
  const reader =
    first === 'exited' ? openSync(groups, constants.O_RDONLY | constants.O_NONBLOCK) : -1;
  await (await writer).close();
  if (reader >= 0) closeSync(reader);
  assert.equal(await server.exited, { code: 0, signal: null });
  await server.expect('listening on');
  await server.expect('Server shutting down: telling every client');
  await server.expect('Server stopped');
});

test.run();
