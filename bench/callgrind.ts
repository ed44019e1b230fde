// Server work per message in CPU instructions, which do not depend on what else the machine runs
// (timings on a shared 2-core machine do). Runs the built server under
// `valgrind --tool=callgrind`, logs in two users, sends --messages private messages from one to
// the other with --window requests outstanding, waits until all are acknowledged and delivered,
// stops the server and prints the instructions it executed (every thread: JIT, GC, I/O).
// Run it with two message counts and take the difference: start-up, login and shutdown cancel out.
//
//   npx tsx bench/callgrind.ts --server-js DIR/dist/src/cli/server.js --messages 2000
//   npx tsx bench/callgrind.ts --server-js DIR/dist/src/cli/server.js --messages 12000
//   → instructions per message = (I₂ − I₁) / 10,000
// --keep FILE keeps callgrind's output there (for `callgrind_annotate FILE`: where they went).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import arg from 'arg';
import { BenchConnection } from './chat/wire.js';

const args = arg({
  '--server-js': String,
  '--messages': Number,
  '--window': Number,
  '--no-valgrind': Boolean,
  '--keep': String,
});
const serverJs = resolve(args['--server-js'] ?? 'dist/src/cli/server.js');
const messages = args['--messages'] ?? 2000;
const window = args['--window'] ?? 32;
const dir = mkdtempSync(join(tmpdir(), 'tessenger-callgrind-'));
writeFileSync(join(dir, 'credentials.txt'), 'alice pw1\nbob pw2\n');
const outFile = join(dir, 'callgrind.out');

const serverArgs = [
  serverJs,
  '0',
  '3',
  '--credentials',
  join(dir, 'credentials.txt'),
  '--data-dir',
  join(dir, 'data'),
  '--host',
  '127.0.0.1',
  '--plaintext',
  '--sync',
  'off',
  '--rate-burst',
  '10000000',
  '--rate-per-second',
  '10000000',
  '--max-throttled',
  '10000000',
];
const command = args['--no-valgrind']
  ? [process.execPath, ...serverArgs]
  : [
      'valgrind',
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      ...serverArgs,
    ];
const server = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const port = await new Promise<number>((resolvePort, reject) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const match = /listening on [\d.]+:(\d+)/.exec(out);
    if (match) resolvePort(Number(match[1]));
  });
  server.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
});

const alice = await BenchConnection.open(port);
const bob = await BenchConnection.open(port);
await alice.login('alice', 'pw1', 9);
await bob.login('bob', 'pw2', 9);

const started = performance.now();
await new Promise<void>((done) => {
  let sent = 0;
  let acked = 0;
  let delivered = 0;
  const finishIfDone = () => {
    if (acked === messages && delivered === messages) done();
  };
  const send = () => {
    while (sent < messages && sent - acked < window) {
      sent += 1;
      alice.sendJson(
        JSON.stringify({ t: 'req', id: sent, cmd: 'msgto', args: ['bob', `message ${sent}`] }),
      );
    }
  };
  alice.onResponse = (response) => {
    if (!response.ok) throw new Error(`refused: ${JSON.stringify(response)}`);
    acked += 1;
    send();
    finishIfDone();
  };
  bob.onEvent = (event) => {
    if (event.ev === 'private') delivered += 1;
    finishIfDone();
  };
  send();
});
const seconds = (performance.now() - started) / 1000;
alice.destroy();
bob.destroy();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));

const collected = /Collected : (\d+)/.exec(stderr);
console.log(
  JSON.stringify({
    serverJs,
    messages,
    window,
    seconds: Number(seconds.toFixed(2)),
    instructions: collected ? Number(collected[1]) : null,
  }),
);
if (!args['--no-valgrind'] && !collected) console.error(stderr.slice(-2000));
if (args['--keep'] && collected) copyFileSync(outFile, args['--keep']);
rmSync(dir, { recursive: true, force: true });
