import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loggedIn, startServer } from '../support/processes.js';

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

test.run();
