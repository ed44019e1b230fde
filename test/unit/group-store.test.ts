import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupStore } from '../../src/server/storage/group-store.js';
import { encodeRecordLine } from '../../src/server/storage/record-file.js';
import { DEFAULT_STORAGE } from '../../src/server/storage/storage-fs.js';
import { LocalGroups } from '../../src/server/state/groups.js';
import { tempDir } from '../support/processes.js';

const openStore = async (file: string) =>
  (await GroupStore.open(file, DEFAULT_STORAGE))._unsafeUnwrap();

async function groupsFrom(
  file: string,
): Promise<{ groups: LocalGroups; store: GroupStore; damaged: number; tornTail: boolean }> {
  const opened = await openStore(file);
  return {
    groups: new LocalGroups(opened.store, opened.groups),
    store: opened.store,
    damaged: opened.damaged,
    tornTail: opened.tornTail,
  };
}

const membersOf = async (groups: LocalGroups, name: string) => [
  ...((await groups.find(name))._unsafeUnwrap()?.members ?? []),
];

test('groups, invitations and joins survive a reopen, in order', async () => {
  const file = join(tempDir('groups'), 'groups.db');
  const first = await groupsFrom(file);
  const reservation = (await first.groups.reserve('G1', 10))._unsafeUnwrap();
  (await reservation.commit('Yoda', ['Obi-wan', 'Luke']))._unsafeUnwrap();
  (await first.groups.join('G1', 'Luke'))._unsafeUnwrap();
  await first.store.close();

  const second = await groupsFrom(file);
  assert.equal(await membersOf(second.groups, 'G1'), [
    ['Yoda', 'joined'],
    ['Obi-wan', 'invited'],
    ['Luke', 'joined'],
  ]);
  assert.equal(
    (await second.groups.invitations('Obi-wan'))._unsafeUnwrap(),
    [{ group: 'G1', by: 'Yoda' }],
    'open invitations are restored too',
  );
  assert.equal((await second.groups.invitations('Luke'))._unsafeUnwrap(), []);
  assert.equal((await second.groups.join('G1', 'Luke'))._unsafeUnwrapErr(), {
    type: 'AlreadyJoined',
  });
  (await second.groups.join('G1', 'Obi-wan'))._unsafeUnwrap();
  assert.equal((await second.groups.reserve('G1', 10))._unsafeUnwrapErr(), { type: 'GroupExists' });
  await second.store.close();
  const third = await groupsFrom(file);
  assert.equal(await membersOf(third.groups, 'G1'), [
    ['Yoda', 'joined'],
    ['Obi-wan', 'joined'],
    ['Luke', 'joined'],
  ]);
  await third.store.close();
});

test('a torn last record (kill -9 mid-write) is dropped, everything before it kept', async () => {
  const file = join(tempDir('groups'), 'groups.db');
  writeFileSync(
    file,
    encodeRecordLine({
      t: 'group',
      group: 'Kept',
      members: [
        ['Yoda', 'joined'],
        ['Luke', 'invited'],
      ],
    }),
  );
  const torn = encodeRecordLine({ t: 'join', group: 'Kept', user: 'Luke' });
  appendFileSync(file, torn.slice(0, torn.length - 7));
  const { groups, store, tornTail, damaged } = await groupsFrom(file);
  assert.ok(tornTail);
  assert.is(damaged, 0);
  assert.equal(
    await membersOf(groups, 'Kept'),
    [
      ['Yoda', 'joined'],
      ['Luke', 'invited'],
    ],
    'the half-written join is not believed',
  );
  // The store was rewritten without the fragment, so the next record starts on a line of its own.
  (await groups.join('Kept', 'Luke'))._unsafeUnwrap();
  await store.close();
  const again = await groupsFrom(file);
  assert.not.ok(again.tornTail);
  assert.equal(await membersOf(again.groups, 'Kept'), [
    ['Yoda', 'joined'],
    ['Luke', 'joined'],
  ]);
  await again.store.close();
});

test('garbled records (zeros after a power cut, a flipped byte, nonsense) are skipped and counted', async () => {
  const file = join(tempDir('groups'), 'groups.db');
  const good = encodeRecordLine({ t: 'group', group: 'G1', members: [['Yoda', 'joined']] });
  const flipped = encodeRecordLine({
    t: 'group',
    group: 'G2',
    members: [['Yoda', 'joined']],
  }).replace('G2', 'G3');
  const wrongShape = encodeRecordLine({ t: 'group', group: 'G4', members: 'everyone' });
  const joinOfNobody = encodeRecordLine({ t: 'join', group: 'G1', user: 'Vader' });
  writeFileSync(file, good + flipped + '\u0000'.repeat(40) + '\n' + wrongShape + joinOfNobody);
  const { groups, store, damaged } = await groupsFrom(file);
  assert.is(damaged, 4);
  assert.ok((await groups.find('G1'))._unsafeUnwrap());
  assert.not.ok((await groups.find('G3'))._unsafeUnwrap());
  assert.not.ok((await groups.find('G4'))._unsafeUnwrap());
  assert.equal(await membersOf(groups, 'G1'), [['Yoda', 'joined']]);
  await store.close();
  assert.is(readFileSync(file, 'utf8'), good, 'rewritten with only what was believed');
});

test('the cap on groups is atomic: twenty concurrent reservations against a cap of five get five', async () => {
  const groups = new LocalGroups();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => groups.reserve(`G${i}`, 5)),
  );
  const held = results.filter((r) => r.isOk());
  assert.is(held.length, 5);
  assert.ok(
    results.filter((r) => r.isErr()).every((r) => r._unsafeUnwrapErr().type === 'TooManyGroups'),
  );
  // A released place can be taken again; a committed one cannot.
  await held[0]!._unsafeUnwrap().release();
  await Promise.all(held.slice(1).map((r) => r._unsafeUnwrap().commit('Yoda', ['Luke'])));
  assert.is((await groups.count())._unsafeUnwrap(), 4);
  assert.ok((await groups.reserve('Another', 5)).isOk());
  assert.equal((await groups.reserve('Onemore', 5))._unsafeUnwrapErr(), { type: 'TooManyGroups' });
});

test('a name being created is taken: a racing creation of the same name is refused', async () => {
  const groups = new LocalGroups();
  const [a, b] = await Promise.all([groups.reserve('Same', 10), groups.reserve('Same', 10)]);
  assert.ok(a!.isOk());
  assert.equal(b!._unsafeUnwrapErr(), { type: 'GroupExists' });
  assert.is(
    (await groups.find('Same'))._unsafeUnwrap(),
    undefined,
    'not visible before it is committed',
  );
});

test('a group whose record cannot be stored is not created and its name is free again', async () => {
  let fail = true;
  const groups = new LocalGroups({
    record: async () => (fail ? Promise.reject(new Error('EIO')) : undefined),
  });
  const reservation = (await groups.reserve('G1', 1))._unsafeUnwrap();
  assert.is((await reservation.commit('Yoda', ['Luke']))._unsafeUnwrapErr().type, 'BackendFailed');
  assert.is((await groups.find('G1'))._unsafeUnwrap(), undefined);
  fail = false;
  (await (await groups.reserve('G1', 1))._unsafeUnwrap().commit('Yoda', ['Luke']))._unsafeUnwrap();
  assert.ok((await groups.find('G1'))._unsafeUnwrap());
});

test('the same member joining twice at once: one join, one AlreadyJoined, one record', async () => {
  const records: unknown[] = [];
  const groups = new LocalGroups({ record: async (r) => void records.push(r) });
  await (await groups.reserve('G1', 10))._unsafeUnwrap().commit('Yoda', ['Luke']);
  const [first, second] = await Promise.all([groups.join('G1', 'Luke'), groups.join('G1', 'Luke')]);
  assert.ok(first!.isOk());
  assert.equal(second!._unsafeUnwrapErr(), { type: 'AlreadyJoined' });
  assert.is(records.filter((r) => (r as { t: string }).t === 'join').length, 1);
});

test.run();
