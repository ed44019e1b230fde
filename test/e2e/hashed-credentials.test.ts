import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  loggedIn,
  PASSWORDS,
  SERVER_BIN,
  startClient,
  startServer,
  tempDir,
} from '../support/processes.js';

function hashWithCli(password: string): string {
  const r = spawnSync(process.execPath, [SERVER_BIN, 'hash-password'], {
    input: `${password}\n`,
    encoding: 'utf8',
    cwd: tempDir('hash'),
    timeout: 20_000,
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('hash-password prints a self-describing scrypt line and never the password', () => {
  const line = hashWithCli(PASSWORDS.Yoda!);
  assert.match(line, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.not.ok(line.includes(PASSWORDS.Yoda!));
  assert.is.not(hashWithCli(PASSWORDS.Yoda!), line, 'a fresh salt each time');
});

test('hashed and plain credentials both log in; a wrong password against a hashed entry is refused', async () => {
  const hashed = hashWithCli(PASSWORDS.Yoda!);
  const credentials = `Yoda ${hashed}\nObi-wan ${PASSWORDS['Obi-wan']}\n`;
  const server = await startServer({ credentials });
  const yoda = await loggedIn(server, 'Yoda');
  const obi = await loggedIn(server, 'Obi-wan');
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);

  const wrong = startClient(server, 'wrong');
  await wrong.expect('Username:');
  wrong.type('Yoda');
  await wrong.expect('Password:');
  wrong.type(hashed); // the stored line itself is not a password
  await wrong.expect('Invalid Password. Please try again');
  wrong.closeInput();
  await wrong.exited;
  assert.not.ok(server.program.output.includes(hashed), 'no hash on the console');
  assert.not.ok(server.program.output.includes(PASSWORDS.Yoda!), 'no password on the console');
  await server.stop();
});

test('a malformed scrypt line stops the server naming the line', () => {
  const dir = tempDir('badhash');
  const r = spawnSync(process.execPath, [SERVER_BIN, '0', '3'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10_000,
    input: '',
  });
  assert.is(r.status, 1);
  writeFileSync(`${dir}/credentials.txt`, 'Yoda scrypt$3$8$1$abc$def\n');
  const bad = spawnSync(process.execPath, [SERVER_BIN, '0', '3'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /credentials\.txt:1: .*scrypt/);
});

test.run();
