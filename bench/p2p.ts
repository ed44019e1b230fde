// Peer-to-peer transfer benchmark: goodput of a file (1 GiB by default) over the UDP transport
// on 127.0.0.1, lossless and with loss injected by the lossy relay, against a plain TCP copy of
// the same file; retransmitted vs lost bytes; peak RSS of each side (each side is its own
// process, see bench/p2p/worker.ts).
//
//   npx tsx bench/p2p.ts [--size-mib 1024] [--loss 0.05] [--datagram auto|1200..65507]
//                        [--rounds N] [--sealing-only] [--window-mib N] [--burst N]
//
// Sealed vs unsealed (what AES-256-GCM costs) is measured as pairs, lossless and lossy, repeated
// `--rounds` times in alternating order (A B, B A, ...) so that the machine's load drifts over both
// alike; the ratio printed is the median of the per-round ratios. `--sealing-only` skips the TCP
// and relay-only runs. `--window-mib` / `--burst` override TransportConfig for experiments.
// CPU ms per MiB (user + system, each side) is printed beside the goodput: it is what sealing
// adds, and the machine's load disturbs it less than elapsed time. Which AES-256-GCM sealed is
// printed once (the native addon when built; TESSENGER_SEAL=node forces node:crypto).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import arg from 'arg';

const opts = arg({
  '--size-mib': Number,
  '--loss': Number,
  '--datagram': String,
  '--keep': Boolean,
  '--rounds': Number,
  '--sealing-only': Boolean,
  '--window-mib': Number,
  '--burst': Number,
});
const rounds = Math.max(1, opts['--rounds'] ?? 1);
const tuning = JSON.stringify({
  ...(opts['--window-mib'] !== undefined
    ? { windowBytes: opts['--window-mib'] * 1024 * 1024 }
    : {}),
  ...(opts['--burst'] !== undefined ? { burstDatagrams: opts['--burst'] } : {}),
});
const sizeMiB = opts['--size-mib'] ?? 1024;
const loss = opts['--loss'] ?? 0.05;
const datagramBytes = opts['--datagram'] ?? 'auto';
const MiB = 1024 * 1024;
const root = new URL('..', import.meta.url).pathname;

interface Worker {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
}

/**
 * The workers run as one plain-JS bundle (esbuild, which tsx already ships) so that their peak
 * RSS is the transport's and not the TypeScript loader's (~35 MiB); without esbuild, tsx is used.
 */
let workerCommand: string[] = ['--import', 'tsx', join(root, 'bench/p2p/worker.ts')];
let bundleDir: string | null = null;

async function bundleWorker(): Promise<void> {
  try {
    const esbuild = (await import('esbuild' as string)) as {
      build: (o: object) => Promise<unknown>;
    };
    // Beside the sources (not in the temporary directory): the seal finds its native addon
    // relative to its own module, here the bundle (src/p2p/aes-gcm-native.ts).
    const outfile = join(root, '.tmp', `bench-p2p-${process.pid}`, 'worker.mjs');
    bundleDir = dirname(outfile);
    await esbuild.build({
      entryPoints: [join(root, 'bench/p2p/worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'error',
    });
    workerCommand = [outfile];
  } catch {
    console.log('# esbuild not available: workers run under tsx (RSS includes the loader)');
  }
}

const children = new Set<ChildProcess>();
let sealedBy: string | null = null;

function worker(...args: string[]): Worker {
  const child = spawn(process.execPath, [...workerCommand, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function next(w: Worker): Promise<Record<string, unknown>> {
  const line = await w.lines.next();
  if (line.done) throw new Error('worker ended early');
  return JSON.parse(line.value) as Record<string, unknown>;
}

async function makeFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  const block = randomBytes(16 * MiB);
  for (let at = 0; at < bytes; at += block.length)
    await fh.write(block, 0, Math.min(block.length, bytes - at), at);
  await fh.close();
}

/** From the sender's first byte to the receiver having the whole file (process start-up excluded). */
function elapsed(sender: Record<string, unknown>, receiver: Record<string, unknown>): number {
  return ((receiver.at as number) - (sender.startedAt as number)) / 1000;
}

interface Run {
  label: string;
  seconds: number;
  mibPerSecond: number;
  senderRssMiB: number;
  receiverRssMiB: number;
  senderCpuMsPerMiB?: number;
  receiverCpuMsPerMiB?: number;
  retransmittedBytes?: number;
  lostDataBytes?: number;
  timeouts?: number;
}

async function tcpRun(file: string, dir: string, bytes: number): Promise<Run> {
  const out = join(dir, 'tcp-copy.bin');
  const rx = worker('tcp-receive', out);
  const { port } = (await next(rx)) as { port: number };
  const tx = worker('tcp-send', file, String(port));
  const [r, s] = await Promise.all([next(rx), next(tx)]);
  const seconds = elapsed(s, r);
  if ((await stat(out)).size !== bytes) throw new Error('tcp copy incomplete');
  await rm(out);
  return {
    label: 'TCP copy (net.Socket pipe)',
    seconds,
    mibPerSecond: bytes / MiB / seconds,
    senderRssMiB: s.peakRssMiB as number,
    receiverRssMiB: r.peakRssMiB as number,
  };
}

async function udpRun(
  label: string,
  file: string,
  dir: string,
  bytes: number,
  relayLoss: number | null,
  sealing: 'sealed' | 'plain' = 'sealed',
): Promise<Run> {
  const transferId = randomUUID();
  const key = randomBytes(32).toString('hex');
  const rx = worker('receive', dir, transferId, key, String(bytes), datagramBytes, sealing, tuning);
  const { port } = (await next(rx)) as { port: number };
  let relay: Worker | null = null;
  let target = port;
  if (relayLoss !== null) {
    relay = worker('relay', String(port), String(relayLoss), '12345');
    target = ((await next(relay)) as { port: number }).port;
  }
  const tx = worker('send', file, String(target), transferId, key, datagramBytes, sealing, tuning);
  const [r, s] = await Promise.all([next(rx), next(tx)]);
  rx.child.kill('SIGTERM'); // the receiver lingers until the sender has its verdict
  const seconds = elapsed(s, r);
  const rr = r.result as { ok: boolean; path?: string; error?: unknown };
  const sr = s.result as {
    ok: boolean;
    stats?: { retransmittedBytes: number; timeouts: number };
    error?: unknown;
  };
  if (!rr.ok || !sr.ok)
    throw new Error(`${label} failed: ${JSON.stringify(rr)} ${JSON.stringify(sr)}`);
  if (sealing === 'sealed' && s.seal !== sealedBy) {
    sealedBy = s.seal as string;
    console.log(`# sealed by ${sealedBy}`);
  }
  if (rr.path) await rm(rr.path);
  let lostDataBytes: number | undefined;
  if (relay) {
    relay.child.kill('SIGTERM');
    lostDataBytes = ((await next(relay)) as { counters: { droppedDataBytes: number } }).counters
      .droppedDataBytes;
    relay.child.kill('SIGKILL');
  }
  return {
    label,
    seconds,
    mibPerSecond: bytes / MiB / seconds,
    senderRssMiB: s.peakRssMiB as number,
    receiverRssMiB: r.peakRssMiB as number,
    senderCpuMsPerMiB: (s.cpuMs as number) / (bytes / MiB),
    receiverCpuMsPerMiB: (r.cpuMs as number) / (bytes / MiB),
    retransmittedBytes: sr.stats?.retransmittedBytes ?? 0,
    timeouts: sr.stats?.timeouts ?? 0,
    lostDataBytes,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'tessenger-bench-p2p-'));
try {
  const bytes = sizeMiB * MiB;
  const file = join(dir, 'source.bin');
  console.log(
    `# p2p benchmark: ${sizeMiB} MiB, datagram ${datagramBytes}, ${cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`,
  );
  await makeFile(file, bytes);
  await bundleWorker();
  console.log(`# rounds ${rounds}${tuning === '{}' ? '' : `, tuning ${tuning}`}`);
  const runs: Run[] = [];
  let tcp: Run | null = null;
  let lossless: Run | null = null;
  let viaRelay: Run | null = null;
  if (!opts['--sealing-only']) {
    runs.push((tcp = await tcpRun(file, dir, bytes)));
    runs.push((lossless = await udpRun('UDP p2p, lossless', file, dir, bytes, null)));
    runs.push((viaRelay = await udpRun('UDP p2p via relay, 0% loss', file, dir, bytes, 0)));
  }
  // Sealed against unsealed, interleaved: what AES-256-GCM costs (target: sealed ≥ 80 %).
  const ratios: { lossless: number[]; lossy: number[] } = { lossless: [], lossy: [] };
  let lastLossy: Run | null = null;
  for (let round = 1; round <= rounds; round++) {
    const order: ('sealed' | 'plain')[] =
      round % 2 === 1 ? ['sealed', 'plain'] : ['plain', 'sealed'];
    for (const [kind, relayLoss] of [
      ['lossless', null],
      ['lossy', loss],
    ] as const) {
      const pair: Partial<Record<'sealed' | 'plain', Run>> = {};
      for (const sealing of order) {
        const where = relayLoss === null ? 'lossless' : `via relay, ${loss * 100}% loss both ways`;
        const label = `#${round} UDP p2p ${where}, ${sealing === 'sealed' ? 'sealed' : 'unsealed'}`;
        const run = await udpRun(label, file, dir, bytes, relayLoss, sealing);
        pair[sealing] = run;
        runs.push(run);
      }
      ratios[kind].push(pair.sealed!.mibPerSecond / pair.plain!.mibPerSecond);
      if (kind === 'lossless' && lossless === null) lossless = pair.sealed!;
      if (kind === 'lossy') lastLossy = pair.sealed!;
    }
  }
  for (const r of runs) {
    const extra =
      r.retransmittedBytes === undefined
        ? ''
        : `  retransmitted ${(r.retransmittedBytes / MiB).toFixed(1)} MiB` +
          (r.lostDataBytes === undefined
            ? ''
            : ` / lost ${(r.lostDataBytes / MiB).toFixed(1)} MiB = ${r.lostDataBytes > 0 ? `${(r.retransmittedBytes / r.lostDataBytes).toFixed(2)}×` : 'n/a'}`) +
          `, ${r.timeouts ?? 0} RTO`;
    const cpu =
      r.senderCpuMsPerMiB === undefined
        ? ''
        : `  CPU ms/MiB sender ${r.senderCpuMsPerMiB.toFixed(2)}, receiver ${r.receiverCpuMsPerMiB!.toFixed(2)}`;
    console.log(
      `${r.label.padEnd(52)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.mibPerSecond.toFixed(0).padStart(5)} MiB/s  peak RSS sender ${r.senderRssMiB.toFixed(0)} MiB, receiver ${r.receiverRssMiB.toFixed(0)} MiB${cpu}${extra}`,
    );
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  if (tcp && lossless)
    console.log(`lossless / TCP: ${pct(lossless.mibPerSecond / tcp.mibPerSecond)}`);
  console.log(
    `sealed / unsealed (median of ${rounds}): lossless ${pct(median(ratios.lossless))} [${ratios.lossless.map(pct).join(' ')}], ${loss * 100}% loss ${pct(median(ratios.lossy))} [${ratios.lossy.map(pct).join(' ')}]`,
  );
  if (viaRelay && lastLossy && lossless)
    console.log(
      `${loss * 100}% loss / relay lossless: ${pct(lastLossy.mibPerSecond / viaRelay.mibPerSecond)}; / direct lossless: ${pct(lastLossy.mibPerSecond / lossless.mibPerSecond)}`,
    );
} finally {
  for (const child of children) child.kill('SIGKILL');
  if (!opts['--keep']) await rm(dir, { recursive: true, force: true });
  if (bundleDir !== null) await rm(bundleDir, { recursive: true, force: true });
}
