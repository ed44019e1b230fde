// Soak: clients log in and out, chat, make and join groups and send files while the server is
// killed (SIGKILL) and restarted at random, for --duration seconds. At the end the data
// directory is checked against everything the server acknowledged: every acknowledged message
// is in its log exactly once, every acknowledged group and join was restored, and no log number
// was used twice. Exit status 1 if anything is wrong.
//
//   npm run build && npx tsx bench/soak/main.ts --duration 60
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import arg from 'arg';
import { P2PEndpoint } from '../../src/p2p/endpoint.js';
import { Ledger, verify } from './ledger.js';
import { ServerRunner } from './server-runner.js';
import { VirtualUser } from './virtual-user.js';

const USAGE = `Usage: npx tsx bench/soak/main.ts [options]   (build first: npm run build)
  --duration S        how long the load runs, in seconds (default 600)
  --clients N         virtual users, each logging in and out again and again (default 8)
  --kill-min S        shortest time between two kills of the server (default 2)
  --kill-max S        longest time between two kills of the server (default 10)
  --seed N            seed of the random choices (default: random; printed)
  --sync MODE         the server's --sync policy (always or off; default: the server's default)
  --file-bytes N      size of the file each user sends (default 262144)
  --server-js FILE    server entry point (default dist/src/cli/server.js)
  --keep              keep the data directory`;

const opts = arg({
  '--duration': Number,
  '--clients': Number,
  '--kill-min': Number,
  '--kill-max': Number,
  '--seed': Number,
  '--sync': String,
  '--file-bytes': Number,
  '--server-js': String,
  '--keep': Boolean,
  '--help': Boolean,
  '-h': '--help',
});
if (opts['--help']) {
  console.log(USAGE);
  process.exit(0);
}
const root = new URL('../..', import.meta.url).pathname;
const durationS = opts['--duration'] ?? 600;
const clients = opts['--clients'] ?? 8;
const killMinS = opts['--kill-min'] ?? 2;
const killMaxS = Math.max(killMinS, opts['--kill-max'] ?? 10);
const seed = opts['--seed'] ?? Math.floor(Math.random() * 2 ** 31);
const fileBytes = opts['--file-bytes'] ?? 256 * 1024;
if (!(durationS > 0) || !(clients >= 2) || !(killMinS > 0)) {
  console.error(USAGE);
  process.exit(2);
}

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function seeded(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(seed);
const dir = mkdtempSync(join(tmpdir(), 'tessenger-soak-'));
const dataDir = join(dir, 'data');
const names = Array.from({ length: clients }, (_, i) => `soak${String(i).padStart(2, '0')}`);
writeFileSync(join(dir, 'credentials.txt'), names.map((n) => `${n} pw-${n}`).join('\n') + '\n');

const server = new ServerRunner({
  serverJs: opts['--server-js'] ?? join(root, 'dist/src/cli/server.js'),
  dataDir,
  credentials: join(dir, 'credentials.txt'),
  extraArgs: [
    ...(opts['--sync'] ? ['--sync', opts['--sync']] : []),
    '--rate-burst',
    '100000',
    '--rate-per-second',
    '100000',
  ],
});
const ledger = new Ledger();
const started = Date.now();
const until = started + durationS * 1000;

const endpoints: P2PEndpoint[] = [];
const users: VirtualUser[] = [];
for (const name of names) {
  const home = join(dir, name);
  mkdirSync(join(home, 'downloads'), { recursive: true });
  const content = randomBytes(fileBytes);
  const path = join(home, 'talk.bin');
  writeFileSync(path, content);
  const endpoint = (await P2PEndpoint.listen({ port: 0, host: '127.0.0.1' }))._unsafeUnwrap();
  endpoints.push(endpoint);
  users.push(
    new VirtualUser({
      name,
      password: `pw-${name}`,
      everyone: names,
      server,
      ledger,
      endpoint,
      downloadDir: join(home, 'downloads'),
      file: {
        path,
        name: 'talk.bin',
        size: fileBytes,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
      random,
      until,
      announceGroup: (group, members) =>
        members.forEach((m) => users[names.indexOf(m)]?.invite(group)),
    }),
  );
}

console.log(
  `soak: ${clients} users for ${durationS} s, server killed every ${killMinS}-${killMaxS} s, seed ${seed}, data in ${dataDir}`,
);
await server.start();
let kills = 0;
const killer = (async () => {
  for (;;) {
    const wait = (killMinS + random() * (killMaxS - killMinS)) * 1000;
    if (Date.now() + wait >= until) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
    await server.crashAndRestart();
    kills++;
  }
})();
const progress = setInterval(() => {
  const c = ledger.counts;
  if (Date.now() > until)
    console.log(`  waiting for: ${users.map((u, i) => `${names[i]} ${u.stage}`).join('; ')}`);
  console.log(
    `  ${Math.round((Date.now() - started) / 1000)} s: ${kills} kills, ${c.logins} logins, ${ledger.privateMessages.length} private and ${[...ledger.groupMessages.values()].reduce((n, l) => n + l.length, 0)} group messages acknowledged, ${ledger.groups.size} groups, ${c.transfersOk} transfers`,
  );
}, 10_000);
await Promise.all([killer, ...users.map((u) => u.run())]);
clearInterval(progress);
const exitCode = await server.kill('SIGTERM');
await Promise.all(endpoints.map((e) => e.close()));

const problems = await verify(ledger, dataDir);
if (exitCode !== 0) problems.push(`the final graceful shutdown exited with ${exitCode}`);
if (ledger.counts.transfersCorrupt > 0)
  problems.push(`${ledger.counts.transfersCorrupt} received files differ from the original`);
const c = ledger.counts;
const groupMessages = [...ledger.groupMessages.values()].reduce((n, l) => n + l.length, 0);
console.log(`
soak finished after ${Math.round((Date.now() - started) / 1000)} s (seed ${seed})
  server kills (SIGKILL) and restarts  ${kills}
  logins / logouts                     ${c.logins} / ${c.logouts}
  private messages acknowledged        ${ledger.privateMessages.length}
  group messages acknowledged          ${groupMessages}
  groups created / joins acknowledged  ${ledger.groups.size} / ${ledger.joins.size}
  transfers completed / failed         ${c.transfersOk} / ${c.transfersFailed} (${(c.transferBytes / 1048576).toFixed(1)} MiB verified)
  requests cut by a kill (unanswered)  ${c.unacknowledged}
  requests refused (e.g. user offline) ${c.refused}
  check                                ${problems.length === 0 ? 'every acknowledged message logged exactly once, every group and join restored, no number used twice' : `${problems.length} problem(s)`}`);
if (ledger.transferFailures.size > 0) {
  console.log('  why transfers failed (both sides; count, reason, what the user read):');
  for (const line of ledger.failureReport()) console.log(`  ${line}`);
}
for (const p of problems.slice(0, 30)) console.log(`  ✗ ${p}`);
if (problems.length > 0) console.log(server.console.join('').split('\n').slice(-40).join('\n'));
if (!opts['--keep']) rmSync(dir, { recursive: true, force: true });
process.exit(problems.length === 0 ? 0 : 1);
