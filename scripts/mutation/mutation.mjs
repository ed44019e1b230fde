#!/usr/bin/env node
// `npm run mutation [stryker options]`: StrykerJS over machines/, the command handlers and the
// session logic (stryker.config.json), reusing what the last run found (incremental file).
//
// Why the wrapper: the command runner gives Stryker one opaque test ("all tests"), so Stryker
// cannot see that the tests changed, and its incremental mode would report a mutant that
// survived last time as surviving again without running it. Before running, this drops every
// result except "Killed" (and "Ignored") from the incremental file: survivors, timeouts and
// errors are tested again with today's tests; kills are kept (a test that killed a mutant keeps
// killing it unless the probes were weakened; `--force` retests everything).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// An optional first argument names another config (e.g. scripts/mutation/transfers.config.json).
const args = process.argv.slice(2);
const configFile = args[0]?.endsWith('.json') ? args[0] : 'stryker.config.json';
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const file = config.incrementalFile;
// MUTATION_KEEP_TIMEOUTS=1 also keeps "Timeout" (a mutant that made the tests hang): a quick
// rerun after new tests then only retests the survivors.
const KEEP = new Set([
  'Killed',
  'Ignored',
  ...(process.env.MUTATION_KEEP_TIMEOUTS === '1' ? ['Timeout'] : []),
]);
if (file && existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  let dropped = 0;
  for (const entry of Object.values(report.files ?? {})) {
    const kept = entry.mutants.filter((m) => KEEP.has(m.status));
    dropped += entry.mutants.length - kept.length;
    entry.mutants = kept;
  }
  writeFileSync(file, JSON.stringify(report));
  if (dropped > 0)
    console.log(`mutation: ${dropped} earlier non-killed result(s) will be tested again`);
}
const run = spawnSync('npx', ['stryker', 'run', ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
