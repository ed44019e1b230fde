import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loggedIn, startServer, tempDir } from '../support/processes.js';

// /dev/full accepts opens and refuses every write with ENOSPC: a disk that fills up mid-run.
test('a log write that fails is reported to the sender and the message is neither acknowledged nor delivered', async () => {
  const dir = tempDir('full');
  mkdirSync(join(dir, 'data'));
  symlinkSync('/dev/full', join(dir, 'data', 'messagelog.txt'));
  symlinkSync('/dev/full', join(dir, 'data', 'Doomed_messagelog.txt'));
  const server = await startServer({ dir });
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  yoda.type('/msgto Obi-wan this cannot be saved');
  await yoda.expect('The server could not save that; it was not sent. Please try again.');
  yoda.type('/creategroup Doomed Obi-wan');
  await yoda.expect('Group chat room has been created, room name: Doomed');
  obi.type('/joingroup Doomed');
  await obi.expect('Joined the group chat: Doomed successfully.');
  yoda.type('/groupmsg Doomed nor this');
  await yoda.expect('The server could not save that; it was not sent. Please try again.');
  yoda.type('/activeuser');
  await yoda.expect(/Obi-wan, 127\.0\.0\.1/);
  assert.not.ok(obi.output.includes('cannot be saved'), 'nothing unlogged was delivered');
  assert.not.ok(obi.output.includes('nor this'), 'nothing unlogged was delivered');
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
  assert.is(await server.stop(), 0);
});

test.run();
