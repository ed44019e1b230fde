// Tessenger chat load generator. Starts the built server (dist/) as a child process with a
// temporary data directory and generated credentials, spreads its client connections over
// several worker processes (worker.ts), logs them in, drives load for a bounded time and prints
// one summary table.
//
//   npx tsx bench/chat/main.ts [all|private|group|idle|logins] [options]
//
// Scenarios (all = every one of them, private both at full speed and at --rate):
//   private  --clients logged-in clients, --senders of them send msgto to random others, pipelined
//            (--window outstanding requests each) or at a fixed total --rate; zero loss is checked
//            per message (sender + sequence number in the text), latency from the send time in it
//   group    one group of --members (as large as the server allows), --group-senders send groupmsg
//   idle     --idle logged-in idle sessions; server RSS before/after, per session
//   logins   a storm of --storm simultaneous logins; logins/s, event-loop delay (--stats-file)
//
// Options: --short (about a minute for all), --duration S, --clients N, --senders N, --rate N,
//   --window N, --members N, --group-senders N, --idle N, --storm N, --workers N, --drain S,
//   --json FILE, --profile DIR (server runs with --cpu-prof into DIR), --server-js FILE, --keep,
//   --nodes N --redis URL (a cluster of N servers on one Redis: user i on node i % N; private
//   messages always go to a user on another node)
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import arg from 'arg';
import { Redis } from 'ioredis';
import { Histogram } from './histogram.js';
import { deleteKeysUnder } from '../../src/server/cluster/delete-keys.js';
import {
  BENCH_GROUP,
  userName,
  userPassword,
  type LoadKind,
  type LoginDone,
  type ParentToWorker,
  type Progress,
  type Report,
  type WorkerToParent,
} from './ipc.js';
import { formatTable, int, ms, num, pct, verdict, type Row } from './report.js';
import { SeqBits } from './seq-bits.js';
import { BenchConnection } from './wire.js';
import {
  cpuSeconds,
  mallocHeapBytes,
  ServerProcess,
  spawnNode,
  supportedOptions,
  type ServerStats,
} from './server-process.js';

const root = new URL('../..', import.meta.url).pathname;

const USAGE = `Usage: npx tsx bench/chat/main.ts [all|private|group|idle|logins] [options]
  --short             short run of all scenarios (~1 min): 5 s load phases, idle 2,000
  --duration S        seconds per load phase (default 20; 5 with --short)
  --clients N         logged-in clients in the private scenario (default 1000)
  --senders N         private senders (default 100)
  --rate N            fixed total msgto rate; private alone runs only this mode, all runs both
                      full speed and --rate (default 20000)
  --window N          outstanding requests per sender (default 32)
  --members N         group size wanted (default 500; capped by the server's creategroup limit)
  --group-senders N   group senders (default 4)
  --idle N            idle sessions (default 10000; 2000 with --short)
  --idle-late S       idle: also read the RSS S seconds after the 3 s reading (V8 gives memory
                      back on its own some 10-60 s after activity stops)
  --storm N           clients in the login storm (default 1000)
  --waiting N         logins: N more connections say hello and wait, never logging in, during the
                      storm (as when clients reconnect after a restart faster than they log in)
  --workers N         load worker processes (default 2)
  --drain S           longest wait for outstanding responses and deliveries after sending stops (default 30)
  --json FILE         also write the results as JSON
  --profile DIR       run the server with --cpu-prof --cpu-prof-dir DIR
  --node-args ARGS    more node/V8 flags for the server, space-separated (e.g. "--max-semi-space-size=4")
  --sync MODE         the server's --sync policy, always or off (default: the server's default, always);
                      run once with each to measure what acknowledging only after fdatasync costs
  --server-js FILE    server entry point (default dist/src/cli/server.js)
  --keep              keep the temporary data directory and server log
  --tls               run over TLS (the server's default); without it the server runs --plaintext
  --nodes N           servers in a cluster (default 1); user i logs in on node i % N, and a private
                      message always goes to a user on another node (needs --redis when N > 1)
  --redis URL         the cluster's Redis (each run uses a key prefix of its own, deleted after)`;

const opts = arg({
  '--short': Boolean,
  '--duration': Number,
  '--clients': Number,
  '--senders': Number,
  '--rate': Number,
  '--window': Number,
  '--members': Number,
  '--group-senders': Number,
  '--idle': Number,
  '--idle-late': Number,
  '--storm': Number,
  '--waiting': Number,
  '--workers': Number,
  '--drain': Number,
  '--json': String,
  '--profile': String,
  '--node-args': String,
  '--server-js': String,
  '--sync': String,
  '--keep': Boolean,
  '--tls': Boolean,
  '--nodes': Number,
  '--redis': String,
  '--help': Boolean,
  '-h': '--help',
});
if (opts['--help']) {
  console.log(USAGE);
  process.exit(0);
}
const scenario = opts._[0] ?? 'all';
if (!['all', 'private', 'group', 'idle', 'logins'].includes(scenario) || opts._.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
const short = opts['--short'] ?? false;
const cfg = {
  durationS: opts['--duration'] ?? (short ? 5 : 20),
  clients: opts['--clients'] ?? 1000,
  senders: opts['--senders'] ?? 100,
  rate: opts['--rate'],
  window: opts['--window'] ?? 32,
  members: opts['--members'] ?? 500,
  groupSenders: opts['--group-senders'] ?? 4,
  idle: opts['--idle'] ?? (short ? 2000 : 10_000),
  idleLateS: opts['--idle-late'] ?? 0,
  storm: opts['--storm'] ?? 1000,
  waiting: opts['--waiting'] ?? 0,
  workers: Math.max(1, opts['--workers'] ?? 2),
  drainS: opts['--drain'] ?? 30,
  serverJs: opts['--server-js'] ?? join(root, 'dist/src/cli/server.js'),
  sync: opts['--sync'] ?? null,
  profileDir: opts['--profile'] ?? null,
  nodeArgs: (opts['--node-args'] ?? '').split(' ').filter(Boolean),
  keep: opts['--keep'] ?? false,
  tls: opts['--tls'] ?? false,
  nodes: Math.max(1, opts['--nodes'] ?? 1),
  redis: opts['--redis'] ?? null,
};
if (cfg.nodes > 1 && !cfg.redis) {
  console.error('--nodes N (more than 1) needs --redis URL');
  process.exit(2);
}
/** This run's key prefix in the cluster's Redis (deleted when a scenario ends). */
const redisPrefix = `tessenger-bench:${process.pid}-${Date.now().toString(36)}:`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

// ---------------------------------------------------------------- workers

class WorkerHandle {
  private readonly inbox: WorkerToParent[] = [];
  private waiter: (() => void) | null = null;
  progress: Progress = {
    type: 'progress',
    sent: 0,
    acked: 0,
    failed: 0,
    delivered: 0,
    outstanding: 0,
  };

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: WorkerToParent) => {
      if (message.type === 'progress') {
        this.progress = message;
        return;
      }
      this.inbox.push(message);
      this.waiter?.();
    });
    child.once('exit', () => this.waiter?.());
  }

  static async start(): Promise<WorkerHandle> {
    const child = spawnNode(['--import', 'tsx', join(root, 'bench/chat/worker.ts')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new WorkerHandle(child);
    await handle.next('ready');
    return handle;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(message: ParentToWorker): void {
    this.child.send(message);
  }

  async next<T extends WorkerToParent['type']>(
    type: T,
  ): Promise<Extract<WorkerToParent, { type: T }>> {
    for (;;) {
      const at = this.inbox.findIndex((m) => m.type === type);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<WorkerToParent, { type: T }>;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`load worker exited while waiting for ${type}`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    this.send({ op: 'close' });
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- bench context

interface Bench {
  dir: string;
  /** The first node (its event-loop figures are the ones reported). */
  server: ServerProcess;
  /** Every node (one without --nodes). */
  servers: ServerProcess[];
  workers: WorkerHandle[];
  /** Which worker holds user `i`. */
  workerOf: (user: number) => WorkerHandle;
}

let supported: Set<string> | null = null;
const liveServers = new Set<ServerProcess>();
process.on('exit', () => {
  for (const s of liveServers) if (s.running) s.child.kill('SIGKILL');
});

async function withBench<T>(
  label: string,
  users: number,
  maxConnections: number,
  fn: (bench: Bench) => Promise<T>,
): Promise<T> {
  supported ??= supportedOptions(cfg.serverJs);
  const dir = await mkdtemp(join(tmpdir(), `tessenger-bench-${label}-`));
  const credentials = join(dir, 'credentials.txt');
  const lines: string[] = [];
  for (let i = 0; i < users; i++) lines.push(`${userName(i)} ${userPassword(i)}`);
  await writeFile(credentials, `${lines.join('\n')}\n`);
  const limit = String(Math.max(1000, maxConnections + 1000));
  const started = await Promise.all(
    range(cfg.nodes).map((node) => startNode(dir, node, credentials, limit, label === 'idle')),
  );
  const servers = started.map((s) => s.server);
  const server = servers[0]!;
  const skipped = started[0]!.skipped;
  for (const s of servers) liveServers.add(s);
  if (skipped.length > 0)
    log(
      `# server does not support ${skipped.join(', ')}: not passed${skipped.includes('--stats-file') ? ' (event-loop delay: n/a)' : ''}`,
    );
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < cfg.workers; i++) workers.push(await WorkerHandle.start());
    return await fn({
      dir,
      server,
      servers,
      workers,
      workerOf: (user) => workers[user % workers.length]!,
    });
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    const codes = await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) liveServers.delete(s);
    if (cfg.redis) await deleteRedisKeys(cfg.redis, redisPrefix);
    const bad = codes.find((code) => code !== 0);
    if (bad !== undefined) log(`# a server exited with ${bad}; logs kept in ${dir}`);
    if (cfg.keep || bad !== undefined) log(`# data directory kept: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** One server (node `node` of the cluster with --nodes/--redis). */
function startNode(
  dir: string,
  node: number,
  credentials: string,
  limit: string,
  exposeGc: boolean,
) {
  const suffix = cfg.nodes > 1 ? `-${node}` : '';
  return ServerProcess.start(
    {
      serverJs: cfg.serverJs,
      dataDir: join(dir, `data${suffix}`),
      credentials,
      logFile: join(dir, `server${suffix}.log`),
      statsFile: join(dir, `stats${suffix}.json`),
      profileDir: cfg.profileDir,
      nodeArgs: cfg.nodeArgs,
      exposeGc,
      options: {
        ...(cfg.redis
          ? {
              '--redis': cfg.redis,
              '--redis-prefix': redisPrefix,
              '--node-id': `bench${node}`,
            }
          : {}),
        '--rate-burst': '10000000',
        '--rate-per-second': '10000000',
        '--max-throttled': '10000000',
        '--max-connections': limit,
        '--max-connections-per-ip': limit,
        '--max-queued-bytes': String(256 * 1024 * 1024),
        '--login-timeout': '600',
        // Every client comes from 127.0.0.1: the per-IP login throttle would refuse the storm.
        '--max-ip-failures': '1000000',
        ...(cfg.sync ? { '--sync': cfg.sync } : {}),
        ...(cfg.tls ? {} : { '--plaintext': '' }),
      },
    },
    (supported ??= supportedOptions(cfg.serverJs)),
  );
}

/** Deletes this run's keys (SCAN, never KEYS: the Redis may be shared). */
async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    await deleteKeysUnder(client, prefix);
  } catch (e) {
    log(`# could not delete the run's Redis keys (${prefix}*): ${String(e)}`);
  } finally {
    client.disconnect();
  }
}

/** Processes' CPU seconds at one instant: server, workers, this process. */
function cpuNow(bench: Bench): { server: number; generator: number; at: number } {
  const own = process.cpuUsage();
  let generator = (own.user + own.system) / 1e6;
  for (const w of bench.workers) generator += cpuSeconds(w.pid);
  // In a cluster, "server" is every node together (Redis itself is not counted).
  const server = bench.servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
  return { server, generator, at: performance.now() };
}

function cpuSince(
  bench: Bench,
  start: ReturnType<typeof cpuNow>,
): { serverPct: number; generatorPct: number } {
  const end = cpuNow(bench);
  const wallS = (end.at - start.at) / 1000;
  return {
    serverPct: ((end.server - start.server) / wallS) * 100,
    generatorPct: ((end.generator - start.generator) / wallS) * 100,
  };
}

interface LoginSummary {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  seconds: number;
  perSecond: number;
  latency: Histogram;
}

async function loginUsers(
  bench: Bench,
  users: number[],
  concurrencyPerWorker: number,
): Promise<LoginSummary> {
  const shares = new Map<WorkerHandle, number[]>(bench.workers.map((w) => [w, []]));
  for (const u of users) shares.get(bench.workerOf(u))!.push(u);
  for (const [w, share] of shares)
    w.send({
      op: 'login',
      ports: bench.servers.map((s) => s.port),
      users: share,
      concurrency: concurrencyPerWorker,
      tls: cfg.tls,
    });
  const done: LoginDone[] = await Promise.all(bench.workers.map((w) => w.next('loginDone')));
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  for (const d of done) {
    ok += d.ok;
    failed += d.failed;
    latency.merge(d.latency);
    for (const [k, v] of Object.entries(d.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  const seconds =
    (Math.max(...done.map((d) => d.endedAt)) - Math.min(...done.map((d) => d.startedAt))) / 1000;
  return { ok, failed, errors, seconds, perSecond: ok / seconds, latency };
}

const describeErrors = (errors: Record<string, number>): string =>
  Object.entries(errors)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');

// ---------------------------------------------------------------- load phase

interface LoadResult {
  sent: number;
  acked: number;
  failed: number;
  errors: Record<string, number>;
  delivered: number;
  expected: number;
  lost: number;
  duplicates: number;
  misdelivered: number;
  deliveredUnacked: number;
  sendSeconds: number;
  deliverySeconds: number;
  drainSeconds: number;
  drainedCleanly: boolean;
  latency: Histogram;
  ackLatency: Histogram;
  serverCpuPct: number;
  generatorCpuPct: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  closedUnexpectedly: number;
  closingCodes: Record<string, number>;
}

async function runLoad(
  bench: Bench,
  label: string,
  kind: LoadKind,
  senders: number[],
  targetCount: number,
  ratePerSender: number,
  /** group: recipients per acknowledged message (members − 1); private: 1. */
  fanOut: number,
  groupMembers: number[],
): Promise<LoadResult> {
  const bySender = new Map<WorkerHandle, number[]>(bench.workers.map((w) => [w, []]));
  for (const s of senders) bySender.get(bench.workerOf(s))!.push(s);
  await bench.server.stats(); // resets the server's event-loop histogram
  const cpu0 = cpuNow(bench);
  const t0 = performance.now();
  for (const [w, mine] of bySender) {
    w.send({
      op: 'load',
      kind,
      senders: mine,
      targetCount,
      group: BENCH_GROUP,
      window: ratePerSender > 0 ? 4096 : cfg.window,
      ratePerSender,
      nodes: cfg.nodes,
    });
  }
  const total = () => {
    const p = { sent: 0, acked: 0, failed: 0, delivered: 0, outstanding: 0 };
    for (const w of bench.workers) {
      p.sent += w.progress.sent;
      p.acked += w.progress.acked;
      p.failed += w.progress.failed;
      p.delivered += w.progress.delivered;
      p.outstanding += w.progress.outstanding;
    }
    return p;
  };
  const show = (phase: string) => {
    const p = total();
    log(
      `  ${label} ${phase} ${((performance.now() - t0) / 1000).toFixed(1)}s  sent ${int(p.sent)}  acked ${int(p.acked)}  failed ${int(p.failed)}  delivered ${int(p.delivered)}  outstanding ${int(p.outstanding)}`,
    );
  };
  const endAt = t0 + cfg.durationS * 1000;
  while (performance.now() < endAt - 5) {
    await sleep(Math.min(1000, endAt - performance.now()));
    show('load ');
  }
  for (const w of bench.workers) w.send({ op: 'stop' });
  const sendSeconds = (performance.now() - t0) / 1000;
  const drainStart = performance.now();
  let drainedCleanly = false;
  await sleep(250); // let the workers' progress catch up with the stop
  while (performance.now() - drainStart < cfg.drainS * 1000) {
    const p = total();
    if (p.outstanding === 0 && p.delivered >= p.acked * fanOut) {
      drainedCleanly = true;
      break;
    }
    await sleep(100);
  }
  await sleep(200); // a late duplicate would still be counted
  show('drain');
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const serverStats = await bench.server.stats();
  const cpu = cpuSince(bench, cpu0);
  for (const w of bench.workers) w.send({ op: 'report' });
  const reports: Report[] = await Promise.all(bench.workers.map((w) => w.next('report')));
  return {
    ...mergeReports(kind, reports, fanOut, groupMembers),
    sendSeconds,
    drainSeconds,
    drainedCleanly,
    serverCpuPct: cpu.serverPct,
    generatorCpuPct: cpu.generatorPct,
    eventLoopDelayP99Ms: serverStats?.eventLoopDelayP99Ms ?? Number.NaN,
    eventLoopDelayMaxMs: serverStats?.eventLoopDelayMaxMs ?? Number.NaN,
  };
}

/** Sums the workers' counters and checks exactly-once delivery of every acknowledged message. */
function mergeReports(kind: LoadKind, reports: Report[], fanOut: number, groupMembers: number[]) {
  const latency = new Histogram();
  const ackLatency = new Histogram();
  const errors: Record<string, number> = {};
  const closingCodes: Record<string, number> = {};
  const acked = new Map<string, SeqBits>();
  const delivered = new Map<string, SeqBits>();
  let duplicates = 0;
  const sum = {
    sent: 0,
    acked: 0,
    failed: 0,
    delivered: 0,
    misdelivered: 0,
    closedUnexpectedly: 0,
  };
  let firstSendAt = Number.POSITIVE_INFINITY;
  let lastDeliveryAt = 0;
  for (const r of reports) {
    sum.sent += r.sent;
    sum.acked += r.acked;
    sum.failed += r.failed;
    sum.delivered += r.delivered;
    sum.misdelivered += r.misdelivered + r.foreign;
    sum.closedUnexpectedly += r.closedUnexpectedly;
    duplicates += r.duplicates;
    if (r.firstSendAt > 0) firstSendAt = Math.min(firstSendAt, r.firstSendAt);
    lastDeliveryAt = Math.max(lastDeliveryAt, r.lastDeliveryAt);
    latency.merge(r.latency);
    ackLatency.merge(r.ackLatency);
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.closingCodes))
      closingCodes[k] = (closingCodes[k] ?? 0) + v;
    for (const [k, b64] of Object.entries(r.ackedBits)) acked.set(k, SeqBits.fromBase64(b64));
    for (const [k, b64] of Object.entries(r.deliveredBits)) {
      const bits = SeqBits.fromBase64(b64);
      const existing = delivered.get(k);
      if (existing) duplicates += existing.mergeCountingOverlap(bits);
      else delivered.set(k, bits);
    }
  }
  const empty = new SeqBits(0);
  let lost = 0;
  let deliveredUnacked = 0;
  for (const [sender, bits] of acked) {
    const receivers =
      kind === 'private'
        ? [sender]
        : groupMembers.filter((m) => String(m) !== sender).map((m) => `${sender}:${m}`);
    for (const key of receivers) {
      const got = delivered.get(key) ?? empty;
      lost += bits.countMissingFrom(got);
      deliveredUnacked += got.countMissingFrom(bits);
    }
  }
  const deliverySeconds = lastDeliveryAt > 0 ? (lastDeliveryAt - firstSendAt) / 1000 : Number.NaN;
  return {
    ...sum,
    errors,
    closingCodes,
    duplicates,
    lost,
    deliveredUnacked,
    expected: sum.acked * fanOut,
    latency,
    ackLatency,
    deliverySeconds,
  };
}

function loadRows(name: string, r: LoadResult, extra: Row[]): Row[] {
  const rows: Row[] = [
    { scenario: name, metric: 'sent', value: int(r.sent) },
    { scenario: name, metric: 'acknowledged', value: int(r.acked) },
    {
      scenario: name,
      metric: 'refused (error responses)',
      value: int(r.failed),
      ...(r.failed > 0 ? { target: describeErrors(r.errors) } : {}),
    },
    {
      scenario: name,
      metric: 'delivered (expected)',
      value: `${int(r.delivered)} (${int(r.expected)})`,
    },
    {
      scenario: name,
      metric: 'lost (acked, not delivered)',
      value: int(r.lost),
      target: '0',
      verdict: verdict(r.lost === 0),
    },
    {
      scenario: name,
      metric: 'duplicates / misdelivered',
      value: `${int(r.duplicates)} / ${int(r.misdelivered)}`,
      target: '0 / 0',
      verdict: verdict(r.duplicates === 0 && r.misdelivered === 0),
    },
    { scenario: name, metric: 'sent msg/s', value: int(r.sent / r.sendSeconds) },
    ...extra,
    {
      scenario: name,
      metric: 'latency p50 / p95',
      value: `${ms(r.latency.percentileMs(50))} / ${ms(r.latency.percentileMs(95))}`,
    },
    {
      scenario: name,
      metric: 'latency p99 / max',
      value: `${ms(r.latency.percentileMs(99))} / ${ms(r.latency.maxMs)}`,
    },
    {
      scenario: name,
      metric: 'ack round trip p50 / p99',
      value: `${ms(r.ackLatency.percentileMs(50))} / ${ms(r.ackLatency.percentileMs(99))}`,
    },
    {
      scenario: name,
      metric: 'duration send + drain',
      value: `${num(r.sendSeconds)} s + ${num(r.drainSeconds)} s`,
      ...(r.drainedCleanly ? {} : { target: 'drain timed out' }),
    },
    {
      scenario: name,
      metric: 'server CPU / generator CPU',
      value: `${pct(r.serverCpuPct)} / ${pct(r.generatorCpuPct)}`,
    },
    {
      scenario: name,
      metric: 'server event-loop delay p99 / max',
      value: Number.isFinite(r.eventLoopDelayP99Ms)
        ? `${ms(r.eventLoopDelayP99Ms)} / ${ms(r.eventLoopDelayMaxMs)}`
        : 'n/a',
    },
  ];
  if (r.closedUnexpectedly > 0 || r.deliveredUnacked > 0) {
    rows.push({
      scenario: name,
      metric: 'connections cut / delivered-unacked',
      value: `${int(r.closedUnexpectedly)} / ${int(r.deliveredUnacked)}`,
      target: describeErrors(r.closingCodes),
    });
  }
  return rows;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

function requireLogins(what: string, s: LoginSummary, wanted: number): void {
  if (s.ok !== wanted)
    throw new Error(
      `${what}: only ${s.ok} of ${wanted} clients logged in (${describeErrors(s.errors)})`,
    );
}

// ---------------------------------------------------------------- scenarios

interface ScenarioResult {
  name: string;
  figures: Record<string, unknown>;
  rows: Row[];
}

const loadFigures = (r: LoadResult) => ({
  sent: r.sent,
  acknowledged: r.acked,
  refused: r.failed,
  refusals: r.errors,
  delivered: r.delivered,
  expected: r.expected,
  lost: r.lost,
  duplicates: r.duplicates,
  misdelivered: r.misdelivered,
  deliveredUnacked: r.deliveredUnacked,
  sentPerSecond: r.sent / r.sendSeconds,
  deliveredPerSecond: r.delivered / r.deliverySeconds,
  latencyMs: {
    p50: r.latency.percentileMs(50),
    p95: r.latency.percentileMs(95),
    p99: r.latency.percentileMs(99),
    max: r.latency.maxMs,
    mean: r.latency.meanMs,
  },
  ackRoundTripMs: {
    p50: r.ackLatency.percentileMs(50),
    p99: r.ackLatency.percentileMs(99),
    max: r.ackLatency.maxMs,
  },
  sendSeconds: r.sendSeconds,
  drainSeconds: r.drainSeconds,
  drainedCleanly: r.drainedCleanly,
  serverCpuPercent: r.serverCpuPct,
  generatorCpuPercent: r.generatorCpuPct,
  eventLoopDelayP99Ms: r.eventLoopDelayP99Ms,
  eventLoopDelayMaxMs: r.eventLoopDelayMaxMs,
  connectionsCut: r.closedUnexpectedly,
  closingCodes: r.closingCodes,
});

async function privateScenario(rate: number): Promise<ScenarioResult> {
  const name = rate > 0 ? `private@${int(rate)}/s` : 'private';
  const clients = Math.max(2, cfg.clients);
  const senders = Math.min(cfg.senders, clients);
  log(
    `# ${name}: ${int(clients)} clients, ${int(senders)} senders, ${rate > 0 ? `${int(rate)} msg/s in total` : `full speed, window ${cfg.window}`}, ${cfg.durationS} s`,
  );
  return withBench('private', clients, clients, async (bench) => {
    const logins = await loginUsers(bench, range(clients), 64);
    requireLogins(name, logins, clients);
    log(`  ${int(clients)} logged in in ${num(logins.seconds, 2)} s`);
    // Senders are spread evenly over the user range (and so over the workers).
    const senderIds = range(senders).map((i) => Math.floor((i * clients) / senders));
    const r = await runLoad(bench, name, 'private', senderIds, clients, rate / senders, 1, []);
    const perSecond = r.delivered / r.deliverySeconds;
    const extra: Row[] =
      rate > 0
        ? [
            {
              scenario: name,
              metric: 'delivered msg/s',
              value: int(perSecond),
              target: `${int(rate)} offered`,
            },
          ]
        : [
            {
              scenario: name,
              metric: 'delivered msg/s',
              value: int(perSecond),
              target: '≥ 100,000',
              verdict: verdict(perSecond >= 100_000 && r.lost === 0),
            },
          ];
    const rows = loadRows(name, r, extra);
    if (rate > 0) {
      const p99 = r.latency.percentileMs(99);
      const at = rows.findIndex((row) => row.metric === 'latency p99 / max');
      rows[at] = { ...rows[at]!, target: 'p99 ≤ 11 ms', verdict: verdict(p99 <= 11) };
    }
    return {
      name,
      figures: {
        clients,
        senders,
        window: cfg.window,
        rate,
        durationS: cfg.durationS,
        ...loadFigures(r),
      },
      rows,
    };
  });
}

async function groupScenario(): Promise<ScenarioResult> {
  const name = 'group';
  // The server takes up to 1,000 invitees in one creategroup (the protocol up to 1,024 args);
  // older servers capped it at 63 or 50, so the bench falls back to those.
  const wanted = Math.max(2, cfg.members);
  const candidates = [
    ...new Set([Math.min(wanted - 1, 1000), Math.min(wanted - 1, 63), Math.min(wanted - 1, 50)]),
  ];
  const loggedIn = 1 + candidates[0]!;
  log(
    `# group: ${int(wanted)} members wanted, ${cfg.groupSenders} senders, full speed, window ${cfg.window}, ${cfg.durationS} s`,
  );
  return withBench('group', loggedIn, loggedIn, async (bench) => {
    const logins = await loginUsers(bench, range(loggedIn), 64);
    requireLogins(name, logins, loggedIn);
    let invitees = 0;
    let refusal = '';
    for (const n of candidates) {
      const creator = bench.workerOf(0);
      creator.send({ op: 'createGroup', group: BENCH_GROUP, creator: 0, invitees: range(n, 1) });
      const created = await creator.next('groupCreated');
      if (created.ok) {
        invitees = n;
        break;
      }
      refusal = created.error ?? 'refused';
      log(`  creategroup with ${n} invitees refused (${refusal})`);
    }
    if (invitees === 0) throw new Error(`creategroup failed: ${refusal}`);
    const members = range(invitees + 1);
    const shares = new Map<WorkerHandle, number[]>(bench.workers.map((w) => [w, []]));
    for (const m of members.slice(1)) shares.get(bench.workerOf(m))!.push(m);
    for (const [w, share] of shares) w.send({ op: 'joinGroup', group: BENCH_GROUP, users: share });
    const joins = await Promise.all(bench.workers.map((w) => w.next('joined')));
    const joined = joins.reduce((a, j) => a + j.ok, 0);
    if (joined !== invitees) throw new Error(`only ${joined} of ${invitees} invitees joined`);
    log(
      `  group of ${members.length} members (creator + ${invitees} invitees, all joined)${members.length < wanted ? `; ${int(wanted)} wanted: creategroup allows at most ${invitees} invitees` : ''}`,
    );
    const senderIds = range(Math.min(cfg.groupSenders, members.length));
    const r = await runLoad(
      bench,
      name,
      'group',
      senderIds,
      members.length,
      0,
      members.length - 1,
      members,
    );
    const perSecond = r.delivered / r.deliverySeconds;
    const rows = loadRows(name, r, [
      {
        scenario: name,
        metric: 'group members',
        value: int(members.length),
        ...(members.length < wanted ? { target: `${int(wanted)} wanted (creategroup cap)` } : {}),
      },
      {
        scenario: name,
        metric: 'deliveries/s',
        value: int(perSecond),
        target: '≥ 500,000',
        verdict: verdict(perSecond >= 500_000 && r.lost === 0),
      },
      { scenario: name, metric: 'groupmsg acknowledged/s', value: int(r.acked / r.sendSeconds) },
    ]);
    return {
      name,
      figures: {
        membersWanted: wanted,
        members: members.length,
        senders: senderIds.length,
        window: cfg.window,
        durationS: cfg.durationS,
        ...loadFigures(r),
      },
      rows,
    };
  });
}

async function idleScenario(): Promise<ScenarioResult> {
  const name = 'idle';
  const n = cfg.idle;
  log(`# idle: ${int(n)} idle sessions`);
  return withBench('idle', n, n, async (bench) => {
    const { pid } = bench.server;
    await sleep(1000);
    const before = bench.server.rssBytes();
    const mallocBefore = mallocHeapBytes(pid);
    const gcBefore = await bench.server.stats();
    const logins = await loginUsers(bench, range(n), 64);
    requireLogins(name, logins, n);
    log(`  ${int(n)} logged in in ${num(logins.seconds, 2)} s; settling 3 s`);
    await sleep(3000);
    const after = bench.server.rssBytes();
    const mallocAfter = mallocHeapBytes(pid);
    const perSessionKiB = (after - before) / n / 1024;
    let latePerSessionKiB: number | null = null;
    if (cfg.idleLateS > 0) {
      await sleep(cfg.idleLateS * 1000);
      latePerSessionKiB = (bench.server.rssBytes() - before) / n / 1024;
    }
    // Live heap (after a full GC in the server): steadier than RSS, which V8 grows in steps.
    const gcAfter = gcBefore === null ? null : await bench.server.stats();
    const perSessionAfterGc = (bytes: (s: ServerStats) => number | null): number | null => {
      const [b, a] = [gcBefore && bytes(gcBefore), gcAfter && bytes(gcAfter)];
      return b === null || a === null ? null : (a - b) / n / 1024;
    };
    const heapPerSessionKiB = perSessionAfterGc((s) => s.heapLiveBytes);
    const rssAfterGcPerSessionKiB = perSessionAfterGc((s) => s.rssAfterGcBytes);
    const heapCommittedPerSessionKiB = perSessionAfterGc((s) => s.heapCommittedBytes);
    const mallocPerSessionKiB = (mallocAfter - mallocBefore) / n / 1024;
    const kib = (value: number | null) => (value === null ? 'n/a' : `${num(value, 2)} KiB`);
    const rows: Row[] = [
      { scenario: name, metric: 'sessions', value: int(n) },
      {
        scenario: name,
        metric: 'server RSS before logins',
        value: `${num(before / 1024 / 1024)} MiB`,
      },
      {
        scenario: name,
        metric: 'server RSS after (3 s idle)',
        value: `${num(after / 1024 / 1024)} MiB`,
      },
      {
        scenario: name,
        metric: 'server memory per session',
        value: `${num(perSessionKiB, 2)} KiB`,
        target: '≤ 8 KiB',
        verdict: verdict(perSessionKiB <= 8),
      },
      {
        scenario: name,
        metric: `  V8 heap committed per session (read ${cfg.idleLateS > 0 ? `${cfg.idleLateS + 3}` : '3'} s after)`,
        value: kib(heapCommittedPerSessionKiB),
      },
      {
        scenario: name,
        metric: "  glibc's main heap per session",
        value: kib(mallocPerSessionKiB),
      },
      ...(latePerSessionKiB === null
        ? []
        : [
            {
              scenario: name,
              metric: `server memory per session ${cfg.idleLateS} s later`,
              value: kib(latePerSessionKiB),
            },
          ]),
      { scenario: name, metric: 'server live heap per session', value: kib(heapPerSessionKiB) },
      {
        scenario: name,
        metric: 'server RSS per session, both after a full GC',
        value: kib(rssAfterGcPerSessionKiB),
      },
      {
        scenario: name,
        metric: 'logins/s (64 in flight per worker)',
        value: int(logins.perSecond),
      },
    ];
    return {
      name,
      figures: {
        sessions: n,
        rssBeforeBytes: before,
        rssAfterBytes: after,
        perSessionKiB,
        heapPerSessionKiB,
        rssAfterGcPerSessionKiB,
        heapCommittedPerSessionKiB,
        mallocPerSessionKiB,
        latePerSessionKiB,
        loginsPerSecond: logins.perSecond,
      },
      rows,
    };
  });
}

/** Connections that said hello and wait without logging in (each holds a login timeout). */
async function openWaiting(port: number, count: number): Promise<BenchConnection[]> {
  const AT_ONCE = 200; // opened in batches: not part of the storm being measured
  const open: BenchConnection[] = [];
  for (let from = 0; from < count; from += AT_ONCE)
    open.push(
      ...(await Promise.all(
        range(Math.min(AT_ONCE, count - from)).map(async () => {
          const connection = await BenchConnection.open(port, '127.0.0.1', cfg.tls);
          await connection.hello();
          return connection;
        }),
      )),
    );
  return open;
}

async function loginScenario(): Promise<ScenarioResult> {
  const name = 'logins';
  const n = cfg.storm;
  log(
    `# logins: storm of ${int(n)} simultaneous logins` +
      (cfg.waiting > 0 ? `, ${int(cfg.waiting)} more connections waiting to log in` : ''),
  );
  return withBench('logins', n, n + cfg.waiting, async (bench) => {
    const waiting = await openWaiting(bench.server.port, cfg.waiting);
    await sleep(500);
    const reset = await bench.server.stats();
    const cpu0 = cpuNow(bench);
    const logins = await loginUsers(bench, range(n), n);
    for (const connection of waiting) connection.destroy();
    const stats = reset ? await bench.server.stats() : null;
    const cpu = cpuSince(bench, cpu0);
    const p99 = stats?.eventLoopDelayP99Ms ?? Number.NaN;
    const rows: Row[] = [
      {
        scenario: name,
        metric: 'logins ok / failed',
        value: `${int(logins.ok)} / ${int(logins.failed)}`,
        ...(logins.failed > 0 ? { target: describeErrors(logins.errors) } : {}),
      },
      {
        scenario: name,
        metric: 'storm duration',
        value: `${num(logins.seconds, 2)} s`,
        target: '≤ 1.5 s',
        verdict: verdict(logins.seconds <= 1.5 && logins.failed === 0),
      },
      {
        scenario: name,
        metric: 'logins/s',
        value: int(logins.perSecond),
        target: '≥ 500',
        verdict: verdict(logins.perSecond >= 500 && logins.failed === 0),
      },
      {
        scenario: name,
        metric: 'login latency p50 / p99 / max',
        value: `${ms(logins.latency.percentileMs(50))} / ${ms(logins.latency.percentileMs(99))} / ${ms(logins.latency.maxMs)}`,
      },
      {
        scenario: name,
        metric: 'server event-loop delay p99',
        value: stats ? ms(p99) : 'n/a',
        target: '≤ 20 ms',
        verdict: stats ? verdict(p99 <= 20) : 'n/a',
      },
      {
        scenario: name,
        metric: 'server event-loop delay max',
        value: stats ? ms(stats.eventLoopDelayMaxMs) : 'n/a',
      },
      {
        scenario: name,
        metric: 'server CPU / generator CPU',
        value: `${pct(cpu.serverPct)} / ${pct(cpu.generatorPct)}`,
      },
    ];
    return {
      name,
      figures: {
        clients: n,
        ok: logins.ok,
        failed: logins.failed,
        errors: logins.errors,
        seconds: logins.seconds,
        loginsPerSecond: logins.perSecond,
        latencyMs: {
          p50: logins.latency.percentileMs(50),
          p99: logins.latency.percentileMs(99),
          max: logins.latency.maxMs,
        },
        eventLoopDelayP99Ms: stats ? p99 : null,
        eventLoopDelayMaxMs: stats?.eventLoopDelayMaxMs ?? null,
        serverCpuPercent: cpu.serverPct,
        generatorCpuPercent: cpu.generatorPct,
      },
      rows,
    };
  });
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  log(
    `# Tessenger chat bench: node ${process.version}, ${cpus().length} CPUs, ${cfg.workers} load workers, server ${cfg.serverJs}, link ${cfg.tls ? 'TLS 1.3' : '--plaintext'}${cfg.redis ? `, cluster of ${cfg.nodes} node(s) on ${cfg.redis}` : ''}`,
  );
  const runs: (() => Promise<ScenarioResult>)[] = [];
  if (scenario === 'all' || scenario === 'private') {
    if (scenario === 'all' || cfg.rate === undefined) runs.push(() => privateScenario(0));
    if (scenario === 'all' || cfg.rate !== undefined)
      runs.push(() => privateScenario(cfg.rate ?? 20_000));
  }
  if (scenario === 'all' || scenario === 'group') runs.push(groupScenario);
  if (scenario === 'all' || scenario === 'idle') runs.push(idleScenario);
  if (scenario === 'all' || scenario === 'logins') runs.push(loginScenario);
  const results: ScenarioResult[] = [];
  for (const run of runs) results.push(await run());
  console.log(formatTable(results.flatMap((r) => r.rows)));
  console.log(
    `\n(total ${num((Date.now() - started) / 1000)} s; ${cfg.workers} load workers; node ${process.version}; ${cpus().length} CPUs; link ${cfg.tls ? 'TLS 1.3' : '--plaintext'}${cfg.redis ? `; ${cfg.nodes} node(s), Redis ${cfg.redis}` : ''})`,
  );
  if (opts['--json']) {
    const json = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      options: cfg,
      scenarios: results.map((r) => ({ name: r.name, ...r.figures })),
    };
    writeFileSync(
      opts['--json'],
      `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    );
  }
  if (cfg.profileDir)
    log(
      `# server CPU profile(s) in ${cfg.profileDir}: npx tsx bench/chat/profile-summary.ts ${cfg.profileDir}/*.cpuprofile`,
    );
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
