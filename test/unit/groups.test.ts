import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryGroups, type Groups } from '../../src/server/state/groups.js';

/** Reserve then commit, as /creategroup does; false when the name is taken. */
async function create(
  groups: Groups,
  name: string,
  creator: string,
  invitees: string[],
): Promise<boolean> {
  const reserved = await groups.reserve(name, 100);
  if (reserved.isErr()) return false;
  (await reserved.value.commit(creator, invitees))._unsafeUnwrap();
  return true;
}

test('invitations: open ones per user with the creator, gone once joined, never for the creator', async () => {
  const groups = new InMemoryGroups();
  await create(groups, 'Jedi', 'Yoda', ['Obi-wan', 'Luke']);
  await create(groups, 'Rebels', 'Leia', ['Luke']);
  assert.equal((await groups.invitations('Luke'))._unsafeUnwrap(), [
    { group: 'Jedi', by: 'Yoda' },
    { group: 'Rebels', by: 'Leia' },
  ]);
  assert.equal((await groups.invitations('Yoda'))._unsafeUnwrap(), []);
  (await groups.join('Jedi', 'Luke'))._unsafeUnwrap();
  assert.equal((await groups.invitations('Luke'))._unsafeUnwrap(), [
    { group: 'Rebels', by: 'Leia' },
  ]);
  (await groups.join('Rebels', 'Luke'))._unsafeUnwrap();
  assert.equal((await groups.invitations('Luke'))._unsafeUnwrap(), []);
  assert.equal((await groups.invitations('Obi-wan'))._unsafeUnwrap(), [
    { group: 'Jedi', by: 'Yoda' },
  ]);
  assert.is(await create(groups, 'Jedi', 'Vader', ['Luke']), false);
  assert.equal(
    (await groups.invitations('Luke'))._unsafeUnwrap(),
    [],
    'a refused create invites nobody',
  );
});

test.run();
