// The server link is TLS by default: the server makes (once) and reuses a self-signed certificate;
// the client trusts a new server on first use and pins it, refuses a changed certificate, checks
// --ca and --fingerprint; plaintext and TLS ends that meet get a clear error, not a hang; and an
// eavesdropper on the path sees no password, message or file key.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clientDir,
  loggedIn,
  PASSWORDS,
  PROMPT,
  startClient,
  startServer,
  tempDir,
  type Program,
  type ServerHandle,
} from '../support/processes.js';
import { RecordingRelay } from '../support/recording-relay.js';
import { makeCa } from '../support/test-certificates.js';

/** The fingerprint the server printed at start (before its "listening" line). */
const fingerprintOf = (server: ServerHandle): string => {
  const match = /TLS certificate (SHA256:\S+)/.exec(server.program.output);
  if (!match?.[1]) throw new Error(`no fingerprint line in ${server.program.output}`);
  return match[1];
};

/** Waits for the client to exit and returns what it printed. */
async function refused(client: Program): Promise<string> {
  assert.is(await client.exitCode(), 1, client.output);
  return client.output;
}

test('first start creates a self-signed ECDSA P-256 certificate, key mode 0600, one console line; a restart reuses it', async () => {
  const dir = tempDir('tls-server');
  const first = await startServer({ dir });
  assert.match(
    first.program.output,
    /TLS certificate SHA256:[A-Za-z0-9+/]{43} \(self-signed, created now in .*tls\/cert\.pem\)/,
  );
  const fingerprint = fingerprintOf(first);
  const tls = join(first.dataDir, 'tls');
  assert.is(
    statSync(join(tls, 'key.pem')).mode & 0o777,
    0o600,
    'the private key is readable by its owner only',
  );
  const cert = new X509Certificate(readFileSync(join(tls, 'cert.pem')));
  assert.is(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(cert.subject === cert.issuer && cert.verify(cert.publicKey), 'self-signed');
  assert.not.ok(first.program.output.includes('PRIVATE KEY'));
  assert.is(await first.stop(), 0);

  const again = await startServer({ dir });
  assert.match(
    again.program.output,
    new RegExp(
      `TLS certificate ${fingerprint.replace(/[+/]/g, '\\$&')} \\(self-signed, from .*tls/cert\\.pem\\)`,
    ),
  );
  await again.stop();
});

test('first contact trusts the server and pins it; the next run trusts it silently', async () => {
  const server = await startServer();
  const fingerprint = fingerprintOf(server);
  const dir = tempDir('client-tofu');
  const yoda = startClient(server, 'Yoda', { dir });
  await yoda.expect(`Trusting new server 127.0.0.1:${server.port}, fingerprint ${fingerprint}`);
  await yoda.expect('Please login');
  yoda.closeInput();
  assert.is(await yoda.exitCode(), 0);
  assert.match(
    readFileSync(join(dir, 'known_servers'), 'utf8'),
    new RegExp(`^127\\.0\\.0\\.1:${server.port} ${fingerprint.replace(/[+/]/g, '\\$&')}$`, 'm'),
  );

  const again = await loggedIn(server, 'Yoda', { dir });
  assert.not.ok(again.output.includes('Trusting'), 'a pinned server is not announced again');
  again.type('/logout');
  assert.is(await again.exitCode(), 0);
  await server.stop();
});

test('a different certificate on a pinned host:port is refused with what changed and how to fix it (status 1)', async () => {
  const original = await startServer();
  const pinned = fingerprintOf(original);
  const impostor = await startServer(); // its own, different, self-signed certificate
  const actual = fingerprintOf(impostor);
  const dir = tempDir('client-pinned');
  // This client trusted `original` at the address where `impostor` now answers.
  writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${impostor.port} ${pinned}\n`);
  const out = await refused(startClient(impostor, 'victim', { dir }));
  assert.match(
    out,
    `Refusing to connect to 127.0.0.1:${impostor.port}: its certificate has CHANGED since it was first trusted.`,
  );
  assert.match(out, `pinned:    ${pinned}`);
  assert.match(out, `presented: ${actual}`);
  assert.match(
    out,
    `delete the line for 127.0.0.1:${impostor.port} from ${join(dir, 'known_servers')}`,
  );
  assert.not.ok(out.includes('Please login'), 'nothing is asked, so no password can be typed');
  assert.is(
    readFileSync(join(dir, 'known_servers'), 'utf8'),
    `127.0.0.1:${impostor.port} ${pinned}\n`,
    'the pin is left alone',
  );
  await Promise.all([original.stop(), impostor.stop()]);
});

test('--fingerprint: the right one connects, another is refused', async () => {
  const server = await startServer();
  const fingerprint = fingerprintOf(server);
  const yoda = await loggedIn(server, 'Yoda', { args: ['--fingerprint', fingerprint] });
  assert.not.ok(yoda.output.includes('Trusting'));
  assert.not.ok(
    existsSync(join(clientDir(yoda), 'known_servers')),
    '--fingerprint does not touch the known-servers file',
  );
  yoda.type('/logout');
  assert.is(await yoda.exitCode(), 0);
  const wrong = 'SHA256:' + 'A'.repeat(43);
  const out = await refused(startClient(server, 'wrong', { args: ['--fingerprint', wrong] }));
  assert.match(
    out,
    `Refusing to connect to 127.0.0.1:${server.port}: its certificate is ${fingerprint}, not the ${wrong} given with --fingerprint.`,
  );
  await server.stop();
});

test('--tls-cert/--tls-key and --ca: the issuing CA connects; another CA, or a certificate for another address, is refused', async () => {
  const dir = tempDir('ca');
  const ca = await makeCa(dir, 'test-ca');
  const otherCa = await makeCa(dir, 'other-ca');
  const good = await ca.issue('tessenger-local', ['127.0.0.1']);
  const elsewhere = await ca.issue('tessenger-elsewhere', ['10.9.9.9']);
  const server = await startServer({
    args: ['--tls-cert', good.certFile, '--tls-key', good.keyFile],
  });
  assert.match(server.program.output, `(from ${good.certFile})`);
  const yoda = await loggedIn(server, 'Yoda', { args: ['--ca', ca.certFile] });
  yoda.type('/logout');
  assert.is(await yoda.exitCode(), 0);
  const out = await refused(startClient(server, 'other-ca', { args: ['--ca', otherCa.certFile] }));
  assert.match(
    out,
    `Refusing to connect to 127.0.0.1:${server.port}: its certificate could not be verified with the CA in ${otherCa.certFile}`,
  );
  const wrongHost = await startServer({
    args: ['--tls-cert', elsewhere.certFile, '--tls-key', elsewhere.keyFile],
  });
  const hostOut = await refused(
    startClient(wrongHost, 'wrong-host', { args: ['--ca', ca.certFile] }),
  );
  assert.match(
    hostOut,
    /could not be verified with the CA in .*127\.0\.0\.1 is not in the cert's list/,
  );
  const missing = await refused(
    startClient(server, 'no-ca', { args: ['--ca', join(dir, 'missing.pem')] }),
  );
  assert.match(missing, `Cannot read the CA certificate ${join(dir, 'missing.pem')} (ENOENT).`);
  await Promise.all([server.stop(), wrongHost.stop()]);
});

test('a plaintext client meeting a TLS server, and a TLS client meeting a plaintext server, get a clear error at once', async () => {
  const tlsServer = await startServer();
  const plainClient = await refused(startClient(tlsServer, 'plain', { args: ['--plaintext'] }));
  assert.match(
    plainClient,
    `Cannot connect to the server at 127.0.0.1:${tlsServer.port}: it requires TLS and this client was started with --plaintext. Connect without --plaintext.`,
  );
  await tlsServer.program.expect(
    'Refusing a plaintext connection from 127.0.0.1: this server requires TLS',
  );

  const plainServer = await startServer({ args: ['--plaintext'] });
  assert.match(
    plainServer.program.output,
    'Plaintext mode (--plaintext): the link is NOT encrypted',
  );
  const tlsClient = await refused(startClient(plainServer, 'tls'));
  assert.match(
    tlsClient,
    `Cannot connect to the server at 127.0.0.1:${plainServer.port}: it does not speak TLS (is it running with --plaintext?). To connect without encryption, add --plaintext.`,
  );
  await plainServer.program.expect(
    'Refusing a TLS connection from 127.0.0.1: this server runs with --plaintext',
  );
  // and two plaintext ends still talk
  const yoda = await loggedIn(plainServer, 'Yoda', { args: ['--plaintext'] });
  yoda.type('/logout');
  assert.is(await yoda.exitCode(), 0);
  await Promise.all([tlsServer.stop(), plainServer.stop()]);
});

/** Yoda and Obi-wan log in through `relay`, chat, and Yoda sends a file; returns when it arrived. */
async function conversation(
  relay: RecordingRelay,
  extra: string[],
  text: string,
  fileContent: string,
): Promise<void> {
  const yoda = await loggedIn({ port: relay.port }, 'Yoda', { args: extra });
  const obi = await loggedIn({ port: relay.port }, 'Obi-wan', { args: extra });
  yoda.type(`/msgto Obi-wan ${text}`);
  await obi.expect(`Yoda: ${text}`);
  const file = join(clientDir(yoda), 'plans.txt');
  writeFileSync(file, fileContent);
  yoda.type('/p2pvideo Obi-wan plans.txt');
  await yoda.expect('plans.txt has been uploaded');
  await obi.expect('Received plans.txt from Yoda');
  assert.is(readFileSync(join(clientDir(obi), 'Yoda_plans.txt'), 'utf8'), fileContent);
  for (const c of [yoda, obi]) {
    c.type('/logout');
    assert.is(await c.exitCode(), 0);
  }
}

test('an eavesdropper on the TCP path sees no password, message text, file name or transfer key (and does with --plaintext)', async () => {
  const text = 'the rebel base is on Dantooine';
  const content = 'Death Star plans, exhaust port section'.repeat(100);
  const server = await startServer();
  const relay = await RecordingRelay.start(server.port);
  await conversation(relay, [], text, content);
  for (const secret of [
    PASSWORDS.Yoda!,
    PASSWORDS['Obi-wan']!,
    text,
    'plans.txt',
    'p2p-incoming',
    '"key"',
    'Death Star',
  ]) {
    assert.not.ok(relay.saw(secret), `"${secret}" crossed the TLS link in clear`);
  }
  assert.ok(relay.recorded().length > 1000, 'the relay did carry the session');
  await relay.close();
  await server.stop();

  // The same conversation over --plaintext: the recorder does see everything (so the test above can fail).
  const plain = await startServer({ args: ['--plaintext'] });
  const tap = await RecordingRelay.start(plain.port);
  await conversation(tap, ['--plaintext'], text, content);
  for (const visible of [PASSWORDS.Yoda!, text, 'p2p-incoming', '"key"'])
    assert.ok(tap.saw(visible), `"${visible}" should be visible without TLS`);
  assert.not.ok(tap.saw('Death Star'), 'file contents never travel over the server link at all');
  await tap.close();
  await plain.stop();
});

test('the prompt still comes right after the trust line (quick start: the first run just trusts)', async () => {
  const server = await startServer();
  const yoda = startClient(server, 'Yoda');
  await yoda.expect('Trusting new server');
  await yoda.expect('Please login');
  await yoda.expect('Username:');
  yoda.type('Yoda');
  await yoda.expect('Password:');
  yoda.type(PASSWORDS.Yoda!);
  await yoda.expect(PROMPT);
  yoda.type('/logout');
  assert.is(await yoda.exitCode(), 0);
  await server.stop();
});

test.run();
