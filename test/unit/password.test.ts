import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  hashPassword,
  isValidSecret,
  makeDecoySecret,
  verifyPassword,
} from '../../src/server/password.js';

test('plain secrets: right and wrong passwords, unknown users never match', async () => {
  assert.ok(await verifyPassword('wise@!manbaby', 'wise@!manbaby', 'decoy'));
  assert.not.ok(await verifyPassword('wise@!manbaby', 'wise@!manbab', 'decoy'));
  assert.not.ok(
    await verifyPassword(undefined, 'decoy', 'decoy'),
    'even the decoy itself does not log an unknown user in',
  );
});

test('scrypt secrets verify, including parameters with a large p', async () => {
  const line = await hashPassword('666sithlord**', { N: 1024, r: 8, p: 1 });
  assert.ok(isValidSecret(line));
  assert.ok(await verifyPassword(line, '666sithlord**', 'x'));
  assert.not.ok(await verifyPassword(line, '666sithlord*', 'x'));
  const wide = await hashPassword('pw', { N: 2, r: 32, p: 16 });
  assert.ok(isValidSecret(wide));
  assert.ok(await verifyPassword(wide, 'pw', 'x'));
});

test('malformed or too costly scrypt lines are invalid', () => {
  assert.not.ok(
    isValidSecret('scrypt$3$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='),
    'N not a power of two',
  );
  assert.not.ok(
    isValidSecret('scrypt$1048576$32$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='),
    'needs 4 GiB',
  );
  assert.not.ok(isValidSecret('scrypt$1024$8$1$c2FsdA==$aGFzaA=='), 'salt and hash too short');
  assert.not.ok(isValidSecret('scrypt$1024$8'));
  assert.ok(isValidSecret('plain-password'));
});

test('the decoy is of the same kind as the stored secrets', async () => {
  assert.not.ok((await makeDecoySecret(['a', 'b'])).startsWith('scrypt$'));
  const hashed = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
  assert.match(await makeDecoySecret(['a', hashed]), /^scrypt\$1024\$8\$1\$/);
});

test.run();
