// A preload for the server that records its long event-loop turns and what they held: the
// garbage collections inside each (by their start and duration, so a collection is counted in
// the turn it paused, not the later one its report arrives in) and the connections it accepted.
// It shows what the event-loop delay of a scenario is made of, where the server's figure
// (`--stats-file`, event-loop delay p99) only says how long.
//
//   npm run build
//   npx tsx bench/chat/main.ts logins --node-args="--import=$PWD/dist/bench/turn-trace.js"
//   node dist/bench/turn-trace.js --summary /tmp/turn-trace.json [--profile DIR]
//
// With --profile DIR (bench/chat's --profile: the server's CPU profile is there), each long turn
// also lists where its CPU samples fell, by their outermost calls. A turn with few samples for
// its length is one the server was not running in: the machine's other processes had the CPU.
//
// env: TURN_TRACE_FILE (default /tmp/turn-trace.json), TURN_TRACE_MS (default 12: longer turns
// are kept). Written on SIGUSR2, for the time since the previous one (bench/chat reads the
// server's stats with it, before and after each measured phase), or at exit if never signalled.
// A diagnostic, not a measurement of the targets: it times turns with a `setImmediate` chain, so
// the loop never sleeps in its poll phase while it runs.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server } from 'node:net';
import { PerformanceObserver, performance } from 'node:perf_hooks';

interface LongTurn {
  /** performance.now() at the turn's start and end, ms. */
  start: number;
  end: number;
  accepts: number;
  /** Time inside the server's 'connection' handlers (making the connection and its session). */
  acceptMs: number;
}
interface Collection {
  start: number;
  duration: number;
  /** V8's kind: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks. */
  kind: number;
}
interface TraceFile {
  /**
   * process.hrtime in µs at performance.now() = 0: turns on the clock of a CPU profile
   * (`--cpu-prof` timestamps are monotonic µs too) are (start * 1000 + monotonicOriginUs).
   */
  monotonicOriginUs: number;
  thresholdMs: number;
  turns: number;
  longTurns: LongTurn[];
  collections: Collection[];
}

function trace(): void {
  const file = process.env.TURN_TRACE_FILE ?? '/tmp/turn-trace.json';
  const thresholdMs = Number(process.env.TURN_TRACE_MS ?? 12);
  const longTurns: LongTurn[] = [];
  const collections: Collection[] = [];
  let turns = 0;
  let accepts = 0;
  let acceptMs = 0;
  let turnStart = performance.now();
  let stopped = false;

  // Counted where the server hears of it: every accepted socket is a 'connection' event.
  const emit = Server.prototype.emit as (
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event !== 'connection') return emit.call(this, event, ...args);
    const start = performance.now();
    try {
      return emit.call(this, event, ...args);
    } finally {
      accepts += 1;
      acceptMs += performance.now() - start;
    }
  } as typeof Server.prototype.emit;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      collections.push({ start: e.startTime, duration: e.duration, kind });
    }
  }).observe({ entryTypes: ['gc'] });

  const nextTurn = (): void => {
    const now = performance.now();
    turns += 1;
    if (now - turnStart > thresholdMs)
      longTurns.push({ start: turnStart, end: now, accepts, acceptMs });
    accepts = 0;
    acceptMs = 0;
    turnStart = now;
    if (!stopped) setImmediate(nextTurn);
  };
  setImmediate(nextTurn);

  // Each SIGUSR2 writes the window since the previous one, as the server's stats do: the last
  // one bench/chat sends covers its measured phase.
  let signalled = false;
  const write = (): void => {
    const monotonicOriginUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
    const out: TraceFile = { monotonicOriginUs, thresholdMs, turns, longTurns, collections };
    writeFileSync(file, JSON.stringify(out));
  };
  process.on('SIGUSR2', () => {
    signalled = true;
    write();
    turns = 0;
    longTurns.length = 0;
    collections.length = 0;
  });
  process.on('exit', () => {
    if (!signalled) write();
  });
  // The chain would keep a stopping server's event loop alive. (Listening replaces the default
  // exit on these signals: fine for the server, which handles both itself.)
  process.on('SIGTERM', () => (stopped = true));
  process.on('SIGINT', () => (stopped = true));
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string };
    children?: number[];
  }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a CPU profile's samples between two monotonic times (µs) fell: ms by the path of their
 * outermost calls (garbage collection and the idle poll by name).
 */
function samplesWithin(profile: CpuProfile): (fromUs: number, toUs: number) => Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const pathOf = (id: number): string => {
    const frames = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at))
      frames.push(nodes.get(at)!.callFrame);
    const leaf = frames[0]!.functionName;
    if (['(garbage collector)', '(idle)', '(program)'].includes(leaf)) return leaf;
    const outer = frames.slice(-5, -1).reverse(); // below (root), outermost first
    return outer
      .map((f) => {
        const name = f.functionName || '(anonymous)';
        return f.url.includes('/src/') ? `${name}@${f.url.replace(/.*\//, '')}` : name;
      })
      .join(' > ');
  };
  const at: number[] = [];
  let time = profile.startTime;
  for (const delta of profile.timeDeltas) at.push((time += delta));
  return (fromUs, toUs) => {
    const ms = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      if (at[i]! < fromUs || at[i]! > toUs) return;
      const path = pathOf(id);
      ms.set(path, (ms.get(path) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
    });
    return ms;
  };
}

/** The long turns and the collections inside them, one line each, then the totals. */
function summarize(file: string, profileDir: string | undefined): void {
  const t = JSON.parse(readFileSync(file, 'utf8')) as TraceFile;
  const profileFile = profileDir && readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  const within =
    profileDir && profileFile
      ? samplesWithin(JSON.parse(readFileSync(join(profileDir, profileFile), 'utf8')) as CpuProfile)
      : undefined;
  const kinds: Record<number, string> = {
    1: 'scavenge',
    2: 'mark-compact',
    4: 'marking',
    8: 'weak',
  };
  let gcInLong = 0;
  let longMs = 0;
  for (const turn of t.longTurns) {
    const inside = t.collections.filter(
      (c) => c.start < turn.end && c.start + c.duration > turn.start,
    );
    const gc = inside.reduce((sum, c) => sum + c.duration, 0);
    gcInLong += gc;
    longMs += turn.end - turn.start;
    const what = inside
      .map((c) => `${kinds[c.kind] ?? c.kind} ${c.duration.toFixed(1)}`)
      .join(', ');
    console.log(
      `at ${(turn.start / 1000).toFixed(3)} s: ${(turn.end - turn.start).toFixed(1)} ms` +
        ` · GC ${gc.toFixed(1)} ms${what ? ` (${what})` : ''}` +
        ` · ${turn.accepts} accepted in ${turn.acceptMs.toFixed(1)} ms`,
    );
    if (!within) continue;
    const toUs = (ms: number) => ms * 1000 + t.monotonicOriginUs;
    const samples = [...within(toUs(turn.start), toUs(turn.end))].sort((a, b) => b[1] - a[1]);
    const sampled = samples.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`    CPU samples ${sampled.toFixed(1)} ms:`);
    for (const [path, ms] of samples.slice(0, 5))
      console.log(`    ${ms.toFixed(1).padStart(5)} ms  ${path}`);
  }
  console.log(
    `${t.longTurns.length} of ${t.turns} turns longer than ${t.thresholdMs} ms, ` +
      `${longMs.toFixed(0)} ms in all, ${gcInLong.toFixed(0)} ms of it garbage collection`,
  );
}

const argAfter = (flag: string): string | undefined => {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
if (process.argv.includes('--summary'))
  summarize(argAfter('--summary') ?? '/tmp/turn-trace.json', argAfter('--profile'));
else trace();
