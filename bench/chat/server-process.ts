// Starting and observing the server under test: a child process running the built server
// (dist/), with a raised descriptor limit, its console going to a log file; CPU time and RSS read
// from /proc/<pid>; event-loop delay through the `--stats-file` / SIGUSR2 contract when the
// server supports it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

const RAISE_FD_LIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n hard 2>/dev/null; exec "$0" "$@"';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep the usual 100 Hz
}

/** Spawns `node args…` through bash so the soft descriptor limit can be raised first. */
export function spawnNode(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return spawn('bash', ['-c', RAISE_FD_LIMIT, process.execPath, ...args], options);
}

/** User + system CPU seconds of a process (all its threads), or NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes (VmRSS), or NaN. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident bytes of glibc's main heap (the `[heap]` mapping): native allocations of the main
 * thread (libuv handles, Node's C++ objects, read buffers) that malloc did not mmap separately.
 */
export function mallocHeapBytes(pid: number): number {
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const at = smaps.indexOf(' [heap]\n');
    if (at < 0) return 0;
    const match = /\nRss:\s+(\d+) kB/.exec(smaps.slice(at));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface ServerStats {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssBytes: number;
  /** What V8 holds for its heap when asked, garbage and empty pages included (null: older server). */
  heapCommittedBytes: number | null;
  /** The server's heap and RSS after a full GC (servers started with `exposeGc` only). */
  heapLiveBytes: number | null;
  rssAfterGcBytes: number | null;
}

/** Options the server's `--help` lists, so the bench passes only what this build understands. */
export function supportedOptions(serverJs: string): Set<string> {
  const help = execFileSync(process.execPath, [serverJs, '--help'], { encoding: 'utf8' });
  return new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StartOptions {
  serverJs: string;
  dataDir: string;
  credentials: string;
  logFile: string;
  /** Option → value; options the server does not support are skipped (and listed). */
  options: Record<string, string>;
  statsFile: string | null;
  profileDir: string | null;
  /** More node/V8 flags (heap sizing experiments). */
  nodeArgs?: string[];
  /** Lets the server collect garbage before it reports its heap (the idle scenario). */
  exposeGc?: boolean;
}

export class ServerProcess {
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly statsFile: string | null,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => (this.exitCode = code));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  static async start(
    o: StartOptions,
    supported: Set<string>,
  ): Promise<{ server: ServerProcess; skipped: string[] }> {
    const skipped: string[] = [];
    const args: string[] = [];
    const options = { ...o.options, ...(o.statsFile ? { '--stats-file': o.statsFile } : {}) };
    for (const [name, value] of Object.entries(options)) {
      if (!supported.has(name)) skipped.push(name);
      else if (value === '')
        args.push(name); // a flag
      else args.push(name, value);
    }
    const nodeArgs = [
      ...(o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : []),
      ...(o.exposeGc ? ['--expose-gc'] : []),
      ...(o.nodeArgs ?? []),
    ];
    const log = openSync(o.logFile, 'w');
    const child = spawnNode(
      [
        ...nodeArgs,
        o.serverJs,
        '0',
        '3',
        '--credentials',
        o.credentials,
        '--data-dir',
        o.dataDir,
        '--host',
        '127.0.0.1',
        ...args,
      ],
      {
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const text = await readFile(o.logFile, 'utf8').catch(() => '');
      const match = /listening on \S+:(\d+)/.exec(text);
      if (match) {
        const statsFile = o.statsFile && supported.has('--stats-file') ? o.statsFile : null;
        return {
          server: new ServerProcess(child, Number(match[1]), statsFile, o.logFile),
          skipped,
        };
      }
      if (exited) throw new Error(`server exited during start-up:\n${text.slice(-2000)}`);
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error('server did not report its port within 20 s');
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  rssBytes(): number {
    return rssBytes(this.pid);
  }

  /**
   * Asks the server for its stats (SIGUSR2 → it writes `statsFile` and resets its event-loop
   * histogram). Null when the server does not support it or the file does not appear within 2 s.
   */
  async stats(): Promise<ServerStats | null> {
    if (!this.statsFile || !this.running) return null;
    await rm(this.statsFile, { force: true });
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      await sleep(20);
      const text = await readFile(this.statsFile, 'utf8').catch(() => '');
      if (!text) continue;
      try {
        const parsed = JSON.parse(text) as Partial<ServerStats>;
        const optional = (value: number | null | undefined) =>
          value === undefined || value === null ? null : Number(value);
        return {
          eventLoopDelayP99Ms: Number(parsed.eventLoopDelayP99Ms),
          eventLoopDelayMaxMs: Number(parsed.eventLoopDelayMaxMs),
          rssBytes: Number(parsed.rssBytes),
          heapCommittedBytes: optional(parsed.heapCommittedBytes),
          heapLiveBytes: optional(parsed.heapLiveBytes),
          rssAfterGcBytes: optional(parsed.rssAfterGcBytes),
        };
      } catch {
        // partially written: try again
      }
    }
    return null;
  }

  /** SIGTERM (graceful: the server flushes its logs, and writes its CPU profile if asked). */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
