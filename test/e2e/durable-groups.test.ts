import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loggedIn, startServer, tempDir } from '../support/processes.js';

// Groups, invitations and joins live in the data directory (groups.db): every group command
// behaves the same after a restart, graceful or kill -9.

for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
  test(`groups, invitations and joins survive a restart (${stop})`, async () => {
    const dir = tempDir('durable');
    const first = await startServer({ dir });
    const yoda = await loggedIn(first, 'Yoda');
    const obi = await loggedIn(first, 'Obi-wan');
    const luke = await loggedIn(first, 'Luke');
    yoda.type('/creategroup Council Obi-wan Luke');
    await yoda.expect(
      'Group chat room has been created, room name: Council, users in this room: Yoda, Obi-wan, Luke',
    );
    obi.type('/joingroup Council');
    await obi.expect('Joined the group chat: Council successfully.');
    yoda.type('/groupmsg Council before the restart');
    await yoda.expect('Group chat message sent.');
    first.program.kill(stop);
    await first.program.exited;
    await Promise.all([yoda.exited, obi.exited, luke.exited]);

    const second = await startServer({ dir });
    assert.ok(
      second.program.output.includes('Restored 1 group chat(s)'),
      'the start says what it restored',
    );
    const yoda2 = await loggedIn(second, 'Yoda');
    const obi2 = await loggedIn(second, 'Obi-wan');
    const luke2 = await loggedIn(second, 'Luke');
    yoda2.type('/creategroup Council Luke');
    await yoda2.expect('a group chat (Name: Council) already exists');
    obi2.type('/joingroup Council');
    await obi2.expect('You have already joined Groupchat Council');
    luke2.type('/groupmsg Council may I speak');
    await luke2.expect('Please join the group before sending messages.');
    luke2.type('/joingroup Council');
    await luke2.expect('Joined the group chat: Council successfully.');
    yoda2.type('/groupmsg Council after the restart');
    await yoda2.expect('Group chat message sent.');
    await obi2.expect(/, Council, Yoda: after the restart/);
    await luke2.expect(/, Council, Yoda: after the restart/);
    assert.equal(
      second.groupLog('Council').map((l) => l.replace(/; .*?; /, '; TS; ')),
      ['1; TS; Yoda; before the restart', '2; TS; Yoda; after the restart'],
    );
    for (const c of [yoda2, obi2, luke2]) c.type('/logout');
    await Promise.all([yoda2.exited, obi2.exited, luke2.exited]);
    assert.is(await second.stop(), 0);
  });
}

test('a torn record at the end of groups.db (kill -9 mid-write) is dropped and reported; the rest is restored', async () => {
  const dir = tempDir('durable');
  const first = await startServer({ dir });
  const yoda = await loggedIn(first, 'Yoda');
  const obi = await loggedIn(first, 'Obi-wan');
  yoda.type('/creategroup Kept Obi-wan');
  await yoda.expect('Group chat room has been created');
  first.program.kill('SIGKILL');
  await first.program.exited;
  await Promise.all([yoda.exited, obi.exited]);
  const store = join(dir, 'data', 'groups.db');
  appendFileSync(store, '0123456789abcdef {"t":"group","group":"Half","memb');
  const second = await startServer({ dir });
  // Printed before the listening line (which startServer waits for).
  assert.ok(
    second.program.output.includes('its last record was incomplete (a crash?) and was dropped'),
  );
  assert.ok(second.program.output.includes('Restored 1 group chat(s)'));
  const yoda2 = await loggedIn(second, 'Yoda');
  yoda2.type('/groupmsg Half hello');
  await yoda2.expect('The group chat does not exist.');
  yoda2.type('/groupmsg Kept hello');
  await yoda2.expect('Group chat message sent.');
  assert.not.ok(
    readFileSync(store, 'utf8').includes('Half'),
    'the fragment is gone after the start',
  );
  yoda2.type('/logout');
  await yoda2.exited;
  assert.is(await second.stop(), 0);
});

test.run();
