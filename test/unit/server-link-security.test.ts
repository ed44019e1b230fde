// The server's link security at start-up: the self-signed certificate is made once and reused;
// --tls-cert/--tls-key that cannot be used, and a tls/ directory that is broken, are clear errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareLinkSecurity } from '../../src/server/tls/link-security.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'tessenger-tls-'));
const config = (
  dataDir: string,
  extra: Partial<{ tlsCert: string; tlsKey: string; plaintext: boolean }> = {},
) => ({ plaintext: false, tlsCert: undefined, tlsKey: undefined, dataDir, ...extra });

test('self-signed: created at first use (key 0600), the same certificate afterwards', async () => {
  const dir = fresh();
  const first = (await prepareLinkSecurity(config(dir)))._unsafeUnwrap();
  assert.match(
    first.consoleLine,
    /^TLS certificate SHA256:\S{43} \(self-signed, created now in .*cert\.pem\)$/,
  );
  assert.is(statSync(join(dir, 'tls', 'key.pem')).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'tls')).mode & 0o777, 0o700);
  const again = (await prepareLinkSecurity(config(dir)))._unsafeUnwrap();
  assert.match(again.consoleLine, /\(self-signed, from .*cert\.pem\)$/);
  assert.ok(
    first.security.kind === 'tls' &&
      again.security.kind === 'tls' &&
      first.security.fingerprint === again.security.fingerprint,
  );
});

test('--plaintext says so', async () => {
  const r = (await prepareLinkSecurity(config(fresh(), { plaintext: true })))._unsafeUnwrap();
  assert.is(r.security.kind, 'plaintext');
  assert.match(r.consoleLine, /NOT encrypted/);
});

test('unusable certificate files are startup errors naming the files', async () => {
  const dir = fresh();
  const missing = (
    await prepareLinkSecurity(
      config(dir, { tlsCert: join(dir, 'c.pem'), tlsKey: join(dir, 'k.pem') }),
    )
  )._unsafeUnwrapErr();
  assert.match(missing.message, /Cannot read the TLS certificate or key .*c\.pem.*ENOENT/);
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
  const junk = (
    await prepareLinkSecurity(
      config(dir, { tlsCert: join(dir, 'junk.pem'), tlsKey: join(dir, 'junk.pem') }),
    )
  )._unsafeUnwrapErr();
  assert.match(junk.message, /junk\.pem is not a PEM certificate/);
  // a real certificate with someone else's key
  const a = fresh();
  const b = fresh();
  await prepareLinkSecurity(config(a));
  await prepareLinkSecurity(config(b));
  const mismatched = (
    await prepareLinkSecurity(
      config(dir, { tlsCert: join(a, 'tls', 'cert.pem'), tlsKey: join(b, 'tls', 'key.pem') }),
    )
  )._unsafeUnwrapErr();
  assert.match(mismatched.message, /Cannot use the TLS certificate .*cert\.pem/);
});

test('a half-made tls/ directory (key without certificate) is a clear error, never a silent new key', async () => {
  const dir = fresh();
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'tls', 'key.pem'), 'old key');
  const e = (await prepareLinkSecurity(config(dir)))._unsafeUnwrapErr();
  assert.match(
    e.message,
    /Cannot use the TLS certificate in .*tls: EEXIST\. Remove that directory to have a new one created, or pass --tls-cert and --tls-key/,
  );
  assert.is(
    readFileSync(join(dir, 'tls', 'key.pem'), 'utf8'),
    'old key',
    'the old key is left alone',
  );
});

test.run();
