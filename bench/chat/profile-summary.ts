// Summarises V8 CPU profiles (.cpuprofile, as written by `node --cpu-prof`): the functions with
// the most self time, with file:line, aggregated over all nodes of the same function.
//
//   npx tsx bench/chat/profile-summary.ts FILE.cpuprofile [more…] [--top 15] [--callers NAME]
//
// --callers NAME also shows which call paths (up to 4 frames) the self time of NAME comes from.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const argv = process.argv.slice(2);
let top = 15;
let callersOf: string | null = null;
const files: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--top') top = Number(argv[++i]);
  else if (argv[i] === '--callers') callersOf = argv[++i] ?? null;
  else files.push(argv[i]!);
}
if (files.length === 0) {
  console.error('Usage: npx tsx bench/chat/profile-summary.ts FILE.cpuprofile [more…] [--top 15]');
  process.exit(2);
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const where = (frame: CallFrame): string => {
  if (!frame.url) return '(native)';
  const path = frame.url.startsWith('file://')
    ? relative(root, fileURLToPath(frame.url))
    : frame.url;
  return `${path}:${frame.lineNumber + 1}`; // V8 lines are 0-based
};

const callerUs = new Map<string, number>();
const selfUs = new Map<string, { name: string; at: string; us: number }>();
let totalUs = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const perNode = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    // Each sample's time is the delta to the next one (the last sample gets the mean).
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const dt =
        i + 1 < timeDeltas.length
          ? timeDeltas[i + 1]!
          : (profile.endTime - profile.startTime) / samples.length;
      perNode.set(samples[i]!, (perNode.get(samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const interval =
      (profile.endTime - profile.startTime) /
      Math.max(
        1,
        profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0),
      );
    for (const n of profile.nodes) perNode.set(n.id, (n.hitCount ?? 0) * interval);
  }
  for (const [id, us] of perNode) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const name = node.callFrame.functionName || '(anonymous)';
    const at = where(node.callFrame);
    const key = `${name}@${at}`;
    const entry = selfUs.get(key) ?? { name, at, us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
    if (callersOf !== null && name === callersOf) {
      const path: string[] = [];
      for (let at = parentOf.get(id); at !== undefined && path.length < 4; at = parentOf.get(at)) {
        const frame = byId.get(at)!.callFrame;
        path.push(`${frame.functionName || '(anonymous)'} ${where(frame)}`);
      }
      const chain = path.join(' < ');
      callerUs.set(chain, (callerUs.get(chain) ?? 0) + us);
    }
  }
}

const sorted = [...selfUs.values()].sort((a, b) => b.us - a.us);
const idle = sorted.filter((e) => e.name === '(idle)').reduce((a, e) => a + e.us, 0);
console.log(
  `total ${(totalUs / 1e6).toFixed(2)} s sampled, ${((idle / totalUs) * 100).toFixed(1)} % idle; top ${top} by self time:`,
);
const rows = sorted
  .slice(0, top)
  .map((e, i) => [
    String(i + 1),
    `${(e.us / 1000).toFixed(0)} ms`,
    `${((e.us / totalUs) * 100).toFixed(1)} %`,
    e.name,
    e.at,
  ]);
const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]!.length))) ?? [];
for (const r of rows)
  console.log(
    r
      .map((cell, c) => (c < 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );

if (callersOf !== null) {
  console.log(`\nself time of ${callersOf} by caller path:`);
  for (const [chain, us] of [...callerUs].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${chain}`);
  }
}
