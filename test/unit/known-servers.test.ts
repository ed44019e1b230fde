// The known-servers file: where it lives by default, how lines are read (a malformed line is an
// error naming the file and line, never skipped), and that first contacts are appended privately.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultKnownServersFile,
  KnownServers,
  parseKnownServers,
  serverKey,
} from '../../src/client/trust/known-servers.js';
import { fingerprintOfDer } from '../../src/shared/certificate-fingerprint.js';

const A = fingerprintOfDer(Buffer.from('certificate A'));
const B = fingerprintOfDer(Buffer.from('certificate B'));

test('default location: XDG_CONFIG_HOME, else ~/.config, else %APPDATA% on Windows', () => {
  assert.is(
    defaultKnownServersFile({ XDG_CONFIG_HOME: '/x' }, '/home/u', 'linux'),
    '/x/tessenger/known_servers',
  );
  assert.is(
    defaultKnownServersFile({}, '/home/u', 'linux'),
    '/home/u/.config/tessenger/known_servers',
  );
  assert.is(
    defaultKnownServersFile({ APPDATA: 'C:/AppData' }, 'C:/Users/u', 'win32'),
    join('C:/AppData', 'tessenger', 'known_servers'),
  );
});

test('server keys: host:port, IPv6 in brackets', () => {
  assert.is(serverKey('127.0.0.1', 5000), '127.0.0.1:5000');
  assert.is(serverKey('::1', 5000), '[::1]:5000');
});

test('parsing: comments and blank lines skipped, CRLF tolerated, the first pin of a server wins', () => {
  const pins = parseKnownServers(
    `# comment\r\n\r\n127.0.0.1:5000 ${A}\r\n[::1]:6000 ${B}\n127.0.0.1:5000 ${B}\n`,
    'ks',
  )._unsafeUnwrap();
  assert.is(pins.get('127.0.0.1:5000'), A);
  assert.is(pins.get('[::1]:6000'), B);
});

test('parsing: a malformed line is an error naming the file and the line', () => {
  for (const bad of [
    `127.0.0.1 ${A}`,
    '127.0.0.1:5000 SHA256:nope',
    `127.0.0.1:5000 ${A} extra`,
    `:5000 ${A}`,
  ]) {
    const e = parseKnownServers(`# ok\n${bad}\n`, '/cfg/ks')._unsafeUnwrapErr();
    assert.match(e.message, /^Malformed known-servers file \/cfg\/ks:2: /, bad);
  }
});

test('remember appends with a header to a new private file; load reads it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessenger-ks-'));
  const file = join(dir, 'sub', 'known_servers');
  const store = (await KnownServers.load(file))._unsafeUnwrap();
  assert.is(store.pinned('127.0.0.1', 5000), undefined);
  (await store.remember('127.0.0.1', 5000, A))._unsafeUnwrap();
  (await store.remember('::1', 5001, B))._unsafeUnwrap();
  assert.is(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.is(text.match(/^# /gm)?.length, 2, 'the header is written once');
  const again = (await KnownServers.load(file))._unsafeUnwrap();
  assert.is(again.pinned('127.0.0.1', 5000), A);
  assert.is(again.pinned('::1', 5001), B);
});

test('an unreadable known-servers file is an error value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessenger-ks-'));
  writeFileSync(join(dir, 'f'), '');
  const e = (await KnownServers.load(join(dir, 'f', 'not-a-dir')))._unsafeUnwrapErr();
  assert.match(e.message, /Cannot read the known-servers file .*: ENOTDIR/);
});

test.run();
