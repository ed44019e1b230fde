import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryGroups } from '../../src/server/state/groups.js';

test('invitations: open ones per user with the creator, gone once joined, never for the creator', async () => {
  const groups = new InMemoryGroups();
  await groups.create('Jedi', 'Yoda', ['Obi-wan', 'Luke']);
  await groups.create('Rebels', 'Leia', ['Luke']);
  assert.equal(await groups.invitations('Luke'), [
    { group: 'Jedi', by: 'Yoda' },
    { group: 'Rebels', by: 'Leia' },
  ]);
  assert.equal(await groups.invitations('Yoda'), []);
  (await groups.join('Jedi', 'Luke'))._unsafeUnwrap();
  assert.equal(await groups.invitations('Luke'), [{ group: 'Rebels', by: 'Leia' }]);
  (await groups.join('Rebels', 'Luke'))._unsafeUnwrap();
  assert.equal(await groups.invitations('Luke'), []);
  assert.equal(await groups.invitations('Obi-wan'), [{ group: 'Jedi', by: 'Yoda' }]);
  assert.is(await groups.create('Jedi', 'Vader', ['Luke']), false);
  assert.equal(await groups.invitations('Luke'), [], 'a refused create invites nobody');
});

test.run();
