import { randomBytes, createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DATA_HEADER_BYTES, MAX_DATAGRAM_BYTES, TAG_BYTES } from '../../src/p2p/datagram.js';
import {
  beforeAll,
  clientDir,
  eventually,
  loggedIn,
  PASSWORDS,
  PROMPT,
  startClient,
  startServer,
  type ServerHandle,
} from '../support/processes.js';
import { RawClient } from '../support/raw-client.js';

/** One chunk on loopback: the largest UDP payload minus the data header. */
const CHUNK = MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES - TAG_BYTES;
const QUICK = ['--transfer-timeout', '2'];
const SLOW = [...QUICK, '--datagram-bytes', '1200'];

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer();
});
test.after(async () => {
  await server.stop();
});

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= 1 << 20) out.write(randomBytes(Math.min(left, 1 << 20)));
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

for (const [label, size] of [
  ['0 bytes', 0],
  ['1 byte', 1],
  ['exactly one chunk', CHUNK],
  ['one chunk + 1 byte', CHUNK + 1],
  ['5 MiB', 5 * 1024 * 1024],
] as const) {
  test(`Yoda sends Obi-wan a ${label} file: it arrives byte-identical as Yoda_<FILE>`, async () => {
    const yoda = await loggedIn(server, 'Yoda', { args: QUICK });
    const obi = await loggedIn(server, 'Obi-wan', { args: QUICK });
    const file = `clip-${size}.mp4`;
    await writeRandomFile(join(clientDir(yoda), file), size);
    yoda.type(`/p2pvideo Obi-wan ${file}`);
    await yoda.expect(`${file} has been uploaded`);
    await obi.expect(`Received ${file} from Yoda`);
    const saved = join(clientDir(obi), `Yoda_${file}`);
    assert.ok(existsSync(saved));
    assert.is(readFileSync(saved).length, size);
    assert.is(sha(saved), sha(join(clientDir(yoda), file)));
    assert.equal(
      readdirSync(clientDir(obi)).filter((n) => n.includes('.part')),
      [],
      'no temp file left',
    );
    await yoda.expect(PROMPT);
    await server.program.expect(`Yoda is sending ${file} (${size} bytes) to Obi-wan over UDP`);
    yoda.type('/logout');
    obi.type('/logout');
    await Promise.all([yoda.exited, obi.exited]);
  });
}

test('a 100 MiB file arrives intact into --download-dir, and an existing file is not overwritten', async () => {
  const yoda = await loggedIn(server, 'Yoda', { args: QUICK });
  const obiDir = join(clientDir(yoda), '..', `obi-${Date.now()}`);
  mkdirSync(obiDir);
  const obi = await loggedIn(server, 'Obi-wan', {
    args: [...QUICK, '--download-dir', 'downloads'],
    dir: obiDir,
  });
  mkdirSync(join(obiDir, 'downloads'), { recursive: true });
  writeFileSync(join(obiDir, 'downloads', 'Yoda_big.bin'), 'precious');
  await writeRandomFile(join(clientDir(yoda), 'big.bin'), 100 * 1024 * 1024);
  yoda.type('/p2pvideo Obi-wan big.bin');
  await yoda.expect('big.bin has been uploaded', 120_000);
  await obi.expect('Received big.bin from Yoda');
  await obi.expect('Saved as downloads/Yoda_big (1).bin');
  assert.is(
    readFileSync(join(obiDir, 'downloads', 'Yoda_big.bin'), 'utf8'),
    'precious',
    'the old file is untouched',
  );
  assert.is(
    sha(join(obiDir, 'downloads', 'Yoda_big (1).bin')),
    sha(join(clientDir(yoda), 'big.bin')),
  );
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
});

test('a file name with spaces, quoted or escaped, is sent; the audience is told where it was saved', async () => {
  const yoda = await loggedIn(server, 'Yoda', { args: QUICK });
  const obi = await loggedIn(server, 'Obi-wan', { args: QUICK });
  writeFileSync(join(clientDir(yoda), 'my file.bin'), 'hello');
  yoda.type('/p2pvideo Obi-wan "my file.bin"');
  await yoda.expect('my file.bin has been uploaded');
  await obi.expect('Received my file.bin from Yoda');
  await obi.expect('Saved as Yoda_my file.bin');
  yoda.type('/p2pvideo Obi-wan my\\ file.bin');
  await obi.expect('Received my file.bin from Yoda');
  await obi.expect('Saved as Yoda_my file (1).bin');
  assert.is(readFileSync(join(clientDir(obi), 'Yoda_my file (1).bin'), 'utf8'), 'hello');
  yoda.type('/p2pvideo Obi-wan "my file.bin');
  await yoda.expect('Unclosed quote');
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
});

test('two transfers at once, in both directions, plus a third peer', async () => {
  const yoda = await loggedIn(server, 'Yoda', { args: QUICK });
  const obi = await loggedIn(server, 'Obi-wan', { args: QUICK });
  const hans = await loggedIn(server, 'Hans', { args: QUICK });
  await writeRandomFile(join(clientDir(yoda), 'y.bin'), 3 * 1024 * 1024);
  await writeRandomFile(join(clientDir(obi), 'o.bin'), 3 * 1024 * 1024);
  await writeRandomFile(join(clientDir(hans), 'h.bin'), 3 * 1024 * 1024);
  yoda.type('/p2pvideo Obi-wan y.bin');
  obi.type('/p2pvideo Yoda o.bin');
  hans.type('/p2pvideo Obi-wan h.bin');
  await yoda.expect('y.bin has been uploaded');
  await obi.expect('o.bin has been uploaded');
  await hans.expect('h.bin has been uploaded');
  assert.is(sha(join(clientDir(obi), 'Yoda_y.bin')), sha(join(clientDir(yoda), 'y.bin')));
  assert.is(sha(join(clientDir(yoda), 'Obi-wan_o.bin')), sha(join(clientDir(obi), 'o.bin')));
  assert.is(sha(join(clientDir(obi), 'Hans_h.bin')), sha(join(clientDir(hans), 'h.bin')));
  for (const c of [yoda, obi, hans]) c.type('/logout');
  await Promise.all([yoda.exited, obi.exited, hans.exited]);
});

test('errors: offline audience, unknown user, yourself, missing file, a directory, bad names', async () => {
  const yoda = await loggedIn(server, 'Yoda', { args: QUICK });
  writeFileSync(join(clientDir(yoda), 'a.mp4'), 'x');
  mkdirSync(join(clientDir(yoda), 'folder'));
  yoda.type('/p2pvideo Hans a.mp4');
  await yoda.expect('Hans is offline');
  yoda.type('/p2pvideo Jabba a.mp4');
  await yoda.expect('Jabba is not a registered user.');
  yoda.type('/p2pvideo Yoda a.mp4');
  await yoda.expect('You cannot send a file to yourself.');
  yoda.type('/p2pvideo Hans missing.mp4');
  await yoda.expect('Cannot send missing.mp4: no such file.');
  yoda.type('/p2pvideo Hans folder');
  await yoda.expect('Cannot send folder: not a regular file.');
  yoda.type('/p2pvideo Hans ..');
  await yoda.expect(
    'Invalid file name: use a plain file name without /, \\, .. or control characters.',
  );
  yoda.type('/logout');
  await yoda.exited;
});

test('the server refuses bad names and sizes itself (it never trusts a client)', async () => {
  const obi = await loggedIn(server, 'Obi-wan');
  const raw = await RawClient.connect(server.port);
  await raw.login('Yoda', 'wise@!manbaby');
  for (const name of ['../etc/passwd', 'a/b', 'a\\b', '', 'bell\u0007.mp4', '..']) {
    const res = await raw.response(raw.request('p2pvideo', ['Obi-wan', name, '10']));
    assert.equal(
      (res as { error: { code: string } }).error.code,
      'FILE_NAME_INVALID',
      JSON.stringify(name),
    );
  }
  for (const size of ['-1', 'abc', '1.5', '']) {
    const res = await raw.response(raw.request('p2pvideo', ['Obi-wan', 'ok.mp4', size]));
    assert.equal((res as { error: { code: string } }).error.code, 'FILE_SIZE_INVALID', size);
  }
  obi.type('/activeuser');
  await obi.expect('active since');
  assert.not.ok(obi.output.includes('Received'));
  raw.close();
  obi.type('/logout');
  await obi.exited;
});

test('a flood of announcements cannot exhaust the audience: beyond 8 downloads at once they are refused', async () => {
  const obi = await loggedIn(server, 'Obi-wan');
  const raw = await RawClient.connect(server.port);
  await raw.login('Yoda', 'wise@!manbaby');
  for (let i = 0; i < 9; i++) {
    const res = await raw.response(raw.request('p2pvideo', ['Obi-wan', `spam${i}.mp4`, '1000']));
    assert.ok((res as { ok: boolean }).ok);
  }
  await obi.expect('Refused spam8.mp4 from Yoda: already receiving 8 files.');
  raw.close();
  obi.type('/logout');
  await obi.expect('Bye, Obi-wan!');
  assert.is(await obi.exitCode(), 0);
});

// A presenter whose stall timeout could never end the test: only the server's notice can.
const PATIENT = ['--transfer-timeout', '600', '--datagram-bytes', '1200'];

test('the audience killed mid-transfer: the server tells the presenter at once, no file appears under the final name, the next start removes the .part', async () => {
  // Small datagrams keep the transfer running long enough to be interrupted on any machine.
  const yoda = await loggedIn(server, 'Yoda', { args: PATIENT });
  const obi = await loggedIn(server, 'Obi-wan', { args: QUICK });
  await writeRandomFile(join(clientDir(yoda), 'doomed.bin'), 64 * 1024 * 1024);
  yoda.type('/p2pvideo Obi-wan doomed.bin');
  await server.program.expect('Yoda is sending doomed.bin');
  // Kill the audience as soon as its temporary file exists: the transfer is under way.
  const dir = clientDir(obi);
  await eventually(
    () => readdirSync(dir).some((n) => n.endsWith('.part')),
    'the temporary download file',
  );
  obi.kill('SIGKILL');
  await yoda.expect(
    'Could not send doomed.bin to Obi-wan: Obi-wan went offline (logged out or disconnected) during the transfer.',
  );
  assert.ok(!existsSync(join(dir, 'Yoda_doomed.bin')), 'no file under the final name');
  await yoda.expect(PROMPT);
  yoda.type('/logout');
  await yoda.exited;

  // The killed client left its hidden temp file. The next client started there removes it once
  // it is older than a live transfer could be (its mtime is set back instead of waiting), and
  // leaves alone a fresh one and files of other patterns.
  const [left] = readdirSync(dir).filter((n) => n.endsWith('.part'));
  assert.ok(left, 'the killed client left its .part file');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(join(dir, left), hourAgo, hourAgo);
  writeFileSync(join(dir, '.fresh.bin.0123456789abcdef.part'), 'being written');
  writeFileSync(join(dir, '.notes.part'), 'not ours');
  utimesSync(join(dir, '.notes.part'), hourAgo, hourAgo);
  const again = startClient(server, 'Obi-wan-again', { dir, args: QUICK });
  await again.expect(`Removed 1 unfinished download(s) left in . by an earlier run.`);
  await again.expect('Username:');
  assert.equal(
    readdirSync(dir)
      .filter((n) => n.endsWith('.part'))
      .sort(),
    ['.fresh.bin.0123456789abcdef.part', '.notes.part'],
  );
  again.closeInput();
  await again.exited;
});

test('the audience logs out mid-transfer: the presenter fails at once; the presenter vanishes: the audience stops waiting', async () => {
  // The audience is a protocol-level client with a silent UDP socket: the presenter is left
  // offering, and only the server's notice of the logout can end its transfer (no ABORT comes).
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const audience = await RawClient.connect(server.port);
  await audience.login('Obi-wan', PASSWORDS['Obi-wan']!, silent.address().port);
  const yoda = await loggedIn(server, 'Yoda', { args: PATIENT });
  writeFileSync(join(clientDir(yoda), 'talk.bin'), randomBytes(1024 * 1024));
  yoda.type('/p2pvideo Obi-wan talk.bin');
  await audience.waitFor((m) => m.t === 'ev' && m.ev === 'p2p-incoming');
  await audience.response(audience.request('logout'));
  await yoda.expect(
    'Could not send talk.bin to Obi-wan: Obi-wan went offline (logged out or disconnected) during the transfer.',
  );
  await yoda.expect(PROMPT);
  silent.close();

  // The other way round: a presenter killed (no ABORT can come) is announced to the audience.
  const obi = await loggedIn(server, 'Obi-wan', { args: ['--transfer-timeout', '600'] });
  await writeRandomFile(join(clientDir(yoda), 'long.bin'), 64 * 1024 * 1024);
  yoda.type('/p2pvideo Obi-wan long.bin');
  await eventually(
    () => readdirSync(clientDir(obi)).some((n) => n.endsWith('.part')),
    'the download to start',
  );
  yoda.kill('SIGKILL');
  await obi.expect(
    'Could not receive long.bin from Yoda: Yoda went offline (logged out or disconnected) during the transfer.',
  );
  await eventually(
    () => !readdirSync(clientDir(obi)).some((n) => n.endsWith('.part')),
    'the partial file to be removed',
  );
  obi.type('/logout');
  await obi.exited;
});

test('Ctrl-C during an upload cancels the transfer, not the client; both sides say so', async () => {
  const yoda = await loggedIn(server, 'Yoda', { args: SLOW });
  const obi = await loggedIn(server, 'Obi-wan', { args: QUICK });
  await writeRandomFile(join(clientDir(yoda), 'long.bin'), 64 * 1024 * 1024);
  yoda.type('/p2pvideo Obi-wan long.bin');
  await eventually(
    () => readdirSync(clientDir(obi)).some((n) => n.endsWith('.part')),
    'the download to start',
  );
  yoda.kill('SIGINT');
  await yoda.expect('Could not send long.bin to Obi-wan: the transfer was cancelled.');
  await obi.expect(
    /Could not receive long\.bin from Yoda: the other side aborted the transfer \(Cancelled\)\./,
  );
  assert.ok(!existsSync(join(clientDir(obi), 'Yoda_long.bin')));
  await eventually(
    () => !readdirSync(clientDir(obi)).some((n) => n.endsWith('.part')),
    'the partial file to be removed',
  );
  yoda.type('/activeuser');
  await yoda.expect(/Obi-wan, 127\.0\.0\.1/);
  yoda.type('/logout');
  obi.type('/logout');
  await Promise.all([yoda.exited, obi.exited]);
});

test.run();
