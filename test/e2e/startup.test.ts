import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_BIN, SERVER_BIN, tempDir } from '../support/processes.js';

const run = (bin: string, args: string[], cwd = tempDir('startup')) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 10_000 });

const ATTEMPTS = (v: string) =>
  `Invalid number of allowed failed consecutive attempts: ${v}. The valid value of argument number is an integer between 1 and 5`;

for (const value of ['0', '6', '1.5', 'abc', '-1']) {
  test(`max_failed_attempts ${value} is refused with the SPEC message and status 2`, () => {
    const r = run(SERVER_BIN, ['5000', value]);
    assert.is(r.status, 2);
    assert.is(r.stderr.trim(), ATTEMPTS(value));
  });
}

test('a missing max_failed_attempts is refused with status 2', () => {
  const r = run(SERVER_BIN, ['5000']);
  assert.is(r.status, 2);
  assert.is(r.stderr.trim(), ATTEMPTS(''));
});

for (const port of ['abc', '70000', '-5', '']) {
  test(`server port "${port}" is refused with status 2`, () => {
    const r = run(SERVER_BIN, [port, '3']);
    assert.is(r.status, 2);
    assert.match(r.stderr, /Invalid port: .*The port must be an integer between 0 and 65535/);
  });
}

test('--help prints usage and exits 0 (server and client)', () => {
  const s = run(SERVER_BIN, ['--help']);
  assert.is(s.status, 0);
  assert.match(s.stdout, /Usage: tessenger-server <port> <max_failed_attempts>/);
  assert.match(s.stdout, /--block-seconds N/);
  const c = run(CLIENT_BIN, ['--help']);
  assert.is(c.status, 0);
  assert.match(c.stdout, /Usage: tessenger-client <server_ip> <server_port> <client_udp_port>/);
});

test('an unknown option is refused with status 2', () => {
  const r = run(SERVER_BIN, ['5000', '3', '--colour']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown or unexpected option: --colour/);
});

test('client argument errors: bad address, bad ports, missing arguments', () => {
  assert.match(
    run(CLIENT_BIN, ['not-an-ip', '5000', '8000']).stderr,
    /Invalid server address: not-an-ip/,
  );
  assert.match(
    run(CLIENT_BIN, ['127.0.0.1', '0', '8000']).stderr,
    /Invalid server port: 0\. The port must be an integer between 1 and 65535/,
  );
  assert.match(run(CLIENT_BIN, ['127.0.0.1', '5000', 'x']).stderr, /Invalid client UDP port: x/);
  const missing = run(CLIENT_BIN, ['127.0.0.1']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /Invalid server port: \(missing\)/);
});

test('a missing credentials file stops the server with status 1 and a clear message', () => {
  const r = run(SERVER_BIN, ['0', '3', '--credentials', 'nope.txt']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /Cannot read credentials file nope\.txt: ENOENT/);
});

test('a malformed credentials line names the file and line', () => {
  const dir = tempDir('badcreds');
  writeFileSync(join(dir, 'credentials.txt'), 'Yoda wise@!manbaby\r\n\r\nObi-wan has two spaces\n');
  const r = run(SERVER_BIN, ['0', '3'], dir);
  assert.is(r.status, 1);
  assert.match(
    r.stderr,
    /Malformed credentials file credentials\.txt:3: expected "username password"/,
  );
});

test('an unwritable data directory stops the server with status 1 and a clear message', () => {
  if (process.getuid?.() === 0) {
    // root ignores permission bits, so use a path under a regular file instead
    const dir = tempDir('rofile');
    writeFileSync(join(dir, 'credentials.txt'), 'Yoda x\n');
    writeFileSync(join(dir, 'afile'), '');
    const r = run(SERVER_BIN, ['0', '3', '--data-dir', 'afile/data'], dir);
    assert.is(r.status, 1);
    assert.match(r.stderr, /Cannot create data directory afile\/data: (ENOTDIR|EEXIST)/);
    return;
  }
  const dir = tempDir('ro');
  writeFileSync(join(dir, 'credentials.txt'), 'Yoda x\n');
  mkdirSync(join(dir, 'data'));
  chmodSync(join(dir, 'data'), 0o500);
  const r = run(SERVER_BIN, ['0', '3', '--data-dir', 'data'], dir);
  assert.is(r.status, 1);
});

test.run();
