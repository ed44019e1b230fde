import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleLog } from '../../src/server/console-log.js';
import { TessengerServer } from '../../src/server/server.js';
import { PASSWORDS } from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';
import { RecordingFs } from '../support/recording-fs.js';
import { serverConfigIn } from '../support/server-config.js';

// The real server, in this process, writing through a file-system layer that records every sync:
// what `--sync` promises is checked on the acknowledgements a client actually receives.

async function serverWith(sync: string, fs: RecordingFs): Promise<TessengerServer> {
  const config = serverConfigIn('sync', ['--sync', sync]);
  return (
    await TessengerServer.start(config, { storageFs: fs, console: new ConsoleLog(() => {}) })
  )._unsafeUnwrap();
}

test('--sync always: every "message sent" a client receives comes after the fdatasync of its line; groups.db is synced before "created"', async () => {
  const fs = new RecordingFs();
  const server = await serverWith('always', fs);
  const yoda = await RawClient.connect(server.port);
  await yoda.login('Yoda', PASSWORDS.Yoda!);
  const obi = await RawClient.connect(server.port);
  await obi.login('Obi-wan', PASSWORDS['Obi-wan']!);
  const ids = Array.from({ length: 30 }, (_, i) =>
    yoda.request('msgto', ['Obi-wan', `message ${i}`]),
  );
  // When k acknowledgements have arrived, k distinct lines were acknowledged: at least k lines
  // must have been synced by then.
  let acknowledged = 0;
  await Promise.all(
    ids.map(async (id) => {
      const res = await yoda.response(id);
      assert.ok(res.t === 'res' && res.ok, JSON.stringify(res));
      fs.ack(`line ${++acknowledged}`);
    }),
  );
  assert.equal(fs.unsyncedAcks('messagelog.txt'), []);
  assert.ok(
    fs.count('datasync', 'messagelog.txt') < 30,
    'group commit: fewer fdatasyncs than messages',
  );
  const before = fs.count('datasync', 'groups.db');
  const created = await yoda.response(yoda.request('creategroup', ['Jedi', 'Obi-wan']));
  assert.ok(created.t === 'res' && created.ok);
  assert.is(
    fs.count('datasync', 'groups.db'),
    before + 1,
    'the group record was synced before the reply',
  );
  assert.ok(
    fs.count('fsync', 'userlog.txt.tmp') >= 2 && fs.count('syncDirectory') >= 2,
    'userlog rewrites fsync file and directory',
  );
  yoda.close();
  obi.close();
  await server.shutdown();
});

test('--sync off: the same traffic makes no fsync of any kind', async () => {
  const fs = new RecordingFs();
  const server = await serverWith('off', fs);
  const yoda = await RawClient.connect(server.port);
  await yoda.login('Yoda', PASSWORDS.Yoda!);
  const obi = await RawClient.connect(server.port);
  await obi.login('Obi-wan', PASSWORDS['Obi-wan']!);
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      yoda.response(yoda.request('msgto', ['Obi-wan', `message ${i}`])),
    ),
  );
  await yoda.response(yoda.request('creategroup', ['Jedi', 'Obi-wan']));
  assert.is(fs.count('write', 'messagelog.txt') > 0, true);
  assert.is(fs.count('datasync') + fs.count('fsync') + fs.count('syncDirectory'), 0);
  yoda.close();
  obi.close();
  await server.shutdown();
});

test.run();
