import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ledger, failureKey, verify } from '../../bench/soak/ledger.js';
import { encodeRecordLine } from '../../src/server/storage/record-file.js';
import { tempDir } from '../support/processes.js';

// The soak's end check must be able to fail: each kind of loss it promises to catch is caught.

function ledgerFor(): Ledger {
  const ledger = new Ledger();
  ledger.privateMessages.push('soak01; m-soak00-1', 'soak00; m-soak01-1');
  ledger.groups.set('G1', ['soak00', 'soak01']);
  ledger.joins.add('G1/soak01');
  ledger.groupMessage('G1', 'soak00; g-soak00-2');
  return ledger;
}

function writeData(dir: string, messagelog: string, groupLog: string, groups: unknown[]): void {
  writeFileSync(join(dir, 'messagelog.txt'), messagelog);
  writeFileSync(join(dir, 'G1_messagelog.txt'), groupLog);
  writeFileSync(join(dir, 'groups.db'), groups.map(encodeRecordLine).join(''));
}

const TS = '01 Jun 2023 15:00:01';
const goodGroup = {
  t: 'group',
  group: 'G1',
  members: [
    ['soak00', 'joined'],
    ['soak01', 'joined'],
  ],
};

test('a data directory holding exactly what was acknowledged passes', async () => {
  const dir = tempDir('soak');
  writeData(
    dir,
    `1; ${TS}; soak01; m-soak00-1\n2; ${TS}; soak00; m-soak01-1\n3; ${TS}; soak00; unacknowledged but logged\n`,
    `1; ${TS}; soak00; g-soak00-2\n`,
    [goodGroup],
  );
  assert.equal(await verify(ledgerFor(), dir), []);
});

test('a lost message, a duplicated one, a reused number, a lost group and a lost join are all reported', async () => {
  const dir = tempDir('soak');
  writeData(dir, `1; ${TS}; soak01; m-soak00-1\n1; ${TS}; soak01; m-soak00-1\n`, '', [
    {
      t: 'group',
      group: 'G1',
      members: [
        ['soak00', 'joined'],
        ['soak01', 'invited'],
      ],
    },
  ]);
  const problems = await verify(ledgerFor(), dir);
  assert.ok(
    problems.some((p) => p.includes('number 1 after 1')),
    problems.join('\n'),
  );
  assert.ok(problems.some((p) => p.includes('"soak01; m-soak00-1" found 2 times')));
  assert.ok(problems.some((p) => p.includes('"soak00; m-soak01-1" found 0 times')));
  assert.ok(problems.some((p) => p.includes('"soak00; g-soak00-2" found 0 times')));
  assert.ok(problems.some((p) => p.includes('join of soak01 to G1')));
  writeData(dir, '', '', []);
  assert.ok(
    (await verify(ledgerFor(), dir)).some((p) =>
      p.includes('group G1 acknowledged but not restored'),
    ),
  );
});

test('transfer failures are counted by reason on both sides, the sender side also as transfersFailed', () => {
  const ledger = new Ledger();
  ledger.transferFailed('send', { type: 'PeerVanished', side: 'presenter', silentMs: 15_000 });
  ledger.transferFailed('send', { type: 'PeerVanished', side: 'presenter', silentMs: 15_000 });
  ledger.transferFailed('receive', { type: 'PeerAborted', reason: 'Cancelled' });
  ledger.transferFailed('send', { type: 'PeerLeft', user: 'soak03' });
  assert.is(ledger.counts.transfersFailed, 3);
  assert.equal(ledger.failureReport(), [
    '    2  send: PeerVanished (noticed by the presenter) — e.g. "the audience stopped responding (silent for 15 s)"',
    '    1  receive: PeerAborted (Cancelled) — e.g. "the other side aborted the transfer (Cancelled)"',
    '    1  send: PeerLeft — e.g. "soak03 went offline (logged out or disconnected) during the transfer"',
  ]);
  assert.is(
    failureKey('receive', { type: 'DiskError', path: '/x', detail: 'ENOSPC' }),
    'receive: DiskError',
  );
});

test.run();
