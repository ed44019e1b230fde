import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, loggedIn, startServer, tempDir, type Program } from '../support/processes.js';

test('after a restart old lines stay and numbering continues, in messagelog and group logs, even past a torn line', async () => {
  const dir = tempDir('restart');
  const first = await startServer({ dir });
  let yoda = await loggedIn(first, 'Yoda');
  let obi = await loggedIn(first, 'Obi-wan');
  yoda.type('/msgto Obi-wan one');
  await yoda.expect('message sent at');
  yoda.type('/msgto Obi-wan two');
  await yoda.expect('message sent at');
  yoda.type('/creategroup Order Obi-wan');
  await yoda.expect('Group chat room has been created');
  yoda.type('/groupmsg Order first');
  await yoda.expect('Group chat message sent.');
  assert.is(await first.stop(), 0);
  await Promise.all([yoda.exited, obi.exited]);
  // A crash mid-write leaves half a line behind.
  appendFileSync(join(first.dataDir, 'messagelog.txt'), '3; 01 Jun 2023 15:0');

  const second = await startServer({ dir });
  assert.match(second.program.output, /Recovered .*messagelog\.txt: its last line was incomplete/);
  yoda = await loggedIn(second, 'Yoda');
  obi = await loggedIn(second, 'Obi-wan');
  yoda.type('/msgto Obi-wan three');
  await yoda.expect('message sent at');
  const log = second.messagelog();
  assert.is(log.length, 4);
  assert.match(log[0] ?? '', /^1; .*; Obi-wan; one$/);
  assert.match(log[1] ?? '', /^2; .*; Obi-wan; two$/);
  assert.is(log[2], '3; 01 Jun 2023 15:0', 'the torn line is kept, sealed');
  assert.match(log[3] ?? '', /^4; .*; Obi-wan; three$/);
  // The group itself survived the restart (groups.db); its log file continues.
  yoda.type('/creategroup Order Obi-wan');
  await yoda.expect('a group chat (Name: Order) already exists');
  yoda.type('/groupmsg Order second');
  await yoda.expect('Group chat message sent.');
  const group = second.groupLog('Order');
  assert.match(group[0] ?? '', /^1; .*; Yoda; first$/);
  assert.match(group[1] ?? '', /^2; .*; Yoda; second$/);
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
  await second.stop();
});

test('20 clients × 50 messages sent concurrently: messagelog numbered 1…1000, no gaps or duplicates, each delivered exactly once', async () => {
  const users = Array.from({ length: 20 }, (_, i) => `user${String(i).padStart(2, '0')}`);
  const credentials = users.map((u) => `${u} pw-${u}`).join('\n');
  const server = await startServer({ credentials });
  const PASS: Record<string, string> = Object.fromEntries(users.map((u) => [u, `pw-${u}`]));
  const { PASSWORDS } = await import('../support/processes.js');
  Object.assign(PASSWORDS, PASS);
  const clients: Program[] = [];
  for (const user of users) clients.push(await loggedIn(server, user));
  // Each client pastes 50 lines at once to the next one; all 20 paste at the same moment.
  clients.forEach((client, i) => {
    const to = users[(i + 1) % users.length]!;
    const lines = Array.from({ length: 50 }, (_, k) => `/msgto ${to} m-${users[i]}-${k}`).join(
      '\n',
    );
    client.type(lines);
  });
  for (const client of clients) {
    for (let k = 0; k < 50; k++) await client.expect('message sent at');
  }
  // Every receiver shows each of its 50 messages; then a round trip proves nothing more is coming.
  for (const [i, client] of clients.entries()) {
    const from = users[(i + users.length - 1) % users.length]!;
    // (the transcript cursor is past some of them already, so look at the whole output)
    for (let k = 0; k < 50; k++)
      await eventually(
        () => client.output.includes(`${from}: m-${from}-${k}\n`),
        `${users[i]} to show message ${k}`,
      );
    client.type('/activeuser');
    await client.expect(/active since/);
  }
  clients.forEach((client, i) => {
    const from = users[(i + users.length - 1) % users.length]!;
    for (let k = 0; k < 50; k++) {
      const count = client.output.split(`${from}: m-${from}-${k}\n`).length - 1;
      assert.is(count, 1, `${users[i]} got ${from}'s message ${k} ${count} times`);
    }
  });
  const log = server.messagelog();
  assert.is(log.length, 1000);
  assert.equal(
    log.map((l) => Number(l.split(';')[0])),
    Array.from({ length: 1000 }, (_, i) => i + 1),
  );
  const bodies = new Set(log.map((l) => l.split('; ').slice(3).join('; ')));
  assert.is(bodies.size, 1000, 'every message logged once');
  for (const c of clients) c.type('/logout');
  await Promise.all(clients.map((c) => c.exited));
  await server.stop();
});

test.run();
