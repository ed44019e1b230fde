// Command-line options that secure the server link, on both programs: defaults, combinations that
// make no sense (refused with status 2), and the fingerprint forms a person may paste.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClientArgs } from '../../src/cli/client-args.js';
import { parseServerArgs } from '../../src/cli/server-args.js';
import type { ClientLinkSecurity } from '../../src/client/trust/link-security.js';
import { fingerprintOfDer, parseFingerprint } from '../../src/shared/certificate-fingerprint.js';

const client = (...extra: string[]) => parseClientArgs(['127.0.0.1', '5000', '8001', ...extra]);
const server = (...extra: string[]) => parseServerArgs(['5000', '3', ...extra]);
const security = (...extra: string[]): ClientLinkSecurity => {
  const parsed = client(...extra)._unsafeUnwrap();
  if (parsed.kind !== 'run') throw new Error('expected a run command');
  return parsed.options.linkSecurity;
};
const refusal = (r: {
  isErr(): boolean;
  _unsafeUnwrapErr(): { message: string; exitCode: number };
}) => {
  assert.ok(r.isErr());
  assert.is(r._unsafeUnwrapErr().exitCode, 2);
  return r._unsafeUnwrapErr().message;
};

test('client: TLS with trust on first use by default, pinned in the given known-servers file', () => {
  assert.equal(security('--known-servers', '/tmp/ks'), {
    kind: 'pinned',
    knownServersFile: '/tmp/ks',
  });
  const byDefault = security();
  assert.ok(
    byDefault.kind === 'pinned' && byDefault.knownServersFile.endsWith('/tessenger/known_servers'),
  );
  assert.equal(security('--plaintext'), { kind: 'plaintext' });
  assert.equal(security('--ca', 'ca.pem'), { kind: 'ca', caFile: 'ca.pem' });
});

test('client: --fingerprint accepts the server-printed form and openssl hex, refuses anything else', () => {
  const print = fingerprintOfDer(Buffer.from('a certificate'));
  assert.equal(security('--fingerprint', print), { kind: 'fingerprint', fingerprint: print });
  const hex = Buffer.from(print.slice('SHA256:'.length), 'base64')
    .toString('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
  assert.equal(security('--fingerprint', `sha256=${hex}`), {
    kind: 'fingerprint',
    fingerprint: print,
  });
  assert.match(
    refusal(client('--fingerprint', 'SHA256:short')),
    /Invalid value for --fingerprint: SHA256:short/,
  );
  assert.match(refusal(client('--fingerprint', 'abc')), /Invalid value for --fingerprint/);
});

test('client: one way to connect at a time', () => {
  assert.match(
    refusal(client('--plaintext', '--ca', 'ca.pem')),
    /--plaintext and --ca cannot be combined/,
  );
  assert.match(
    refusal(client('--ca', 'ca.pem', '--fingerprint', fingerprintOfDer(Buffer.from('x')))),
    /--ca and --fingerprint cannot be combined/,
  );
});

test('server: TLS by default (self-signed), --tls-cert with --tls-key, or --plaintext', () => {
  const plain = server()._unsafeUnwrap();
  assert.ok(
    plain.kind === 'serve' && !plain.config.plaintext && plain.config.tlsCert === undefined,
  );
  const files = server('--tls-cert', 'c.pem', '--tls-key', 'k.pem')._unsafeUnwrap();
  assert.ok(
    files.kind === 'serve' && files.config.tlsCert === 'c.pem' && files.config.tlsKey === 'k.pem',
  );
  const off = server('--plaintext')._unsafeUnwrap();
  assert.ok(off.kind === 'serve' && off.config.plaintext);
  assert.match(refusal(server('--tls-cert', 'c.pem')), /--tls-cert and --tls-key go together/);
  assert.match(refusal(server('--tls-key', 'k.pem')), /--tls-cert and --tls-key go together/);
  assert.match(
    refusal(server('--plaintext', '--tls-cert', 'c.pem', '--tls-key', 'k.pem')),
    /--plaintext serves without TLS/,
  );
});

test('fingerprints: canonical form round trips; bad digests refused', () => {
  const print = fingerprintOfDer(Buffer.from('der'));
  assert.match(print, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.is(parseFingerprint(print)._unsafeUnwrap(), print);
  assert.ok(parseFingerprint('SHA256:' + 'A'.repeat(42)).isErr());
  assert.ok(parseFingerprint('').isErr());
});

test.run();
