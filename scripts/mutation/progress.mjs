#!/usr/bin/env node
// Progress of the mutation runs in progress (or stopped), per mutated file, from
// reports/mutation/runs.log (one line per mutant as it finishes) and the sandboxes' instrumented
// sources (how many mutants each file has). Stryker's own report only comes at the end of a run;
// this is what a run stopped early has measured.
// Usage: node scripts/mutation/progress.mjs [--since 2026-11-30T16:24]
// `--since`: only the lines logged from then on (the log keeps every run; mutant ids are only
// meaningful within one run of one config, so a file's earlier runs must not be mixed in).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOG = 'reports/mutation/runs.log';
const sinceAt = process.argv.indexOf('--since');
const since = sinceAt < 0 ? '' : (process.argv[sinceAt + 1] ?? '');
const SANDBOXES = '.stryker-tmp';
const ID = /stryMutAct_9fa48\("(\d+)"\)/g;

/** Mutant ids per file, in the sandboxes that exist now. */
const totals = new Map();
if (existsSync(SANDBOXES))
  for (const sandbox of readdirSync(SANDBOXES)) {
    const walk = (dir) => {
      for (const entry of readdirSync(join(SANDBOXES, sandbox, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(join(SANDBOXES, sandbox, path), 'utf8');
          const ids = new Set([...text.matchAll(ID)].map((m) => m[1]));
          if (ids.size > 0) totals.set(path, ids.size);
        }
      }
    };
    for (const dir of ['machines', 'src/server'])
      if (existsSync(join(SANDBOXES, sandbox, dir))) walk(dir);
  }

/** The last outcome per (file, mutant id). */
const outcomes = new Map();
if (existsSync(LOG))
  for (const line of readFileSync(LOG, 'utf8').split('\n')) {
    const m = /^(\S+) mutant (\S+) (\S+) (killed-by|SURVIVED)/.exec(line);
    // ISO timestamps compare as strings
    if (m && m[1] >= since)
      outcomes.set(`${m[3]} ${m[2]}`, m[4] === 'SURVIVED' ? 'survived' : 'killed');
  }
const perFile = new Map();
for (const [key, outcome] of outcomes) {
  const file = key.split(' ')[0];
  const f = perFile.get(file) ?? { killed: 0, survived: 0 };
  f[outcome]++;
  perFile.set(file, f);
}
const files = [...new Set([...totals.keys(), ...perFile.keys()])].sort();
console.log('file | mutants | tested | killed | survived | killed of tested');
for (const file of files) {
  const { killed = 0, survived = 0 } = perFile.get(file) ?? {};
  const tested = killed + survived;
  const score = tested === 0 ? '—' : `${((100 * killed) / tested).toFixed(1)} %`;
  console.log(
    `${file} | ${totals.get(file) ?? '?'} | ${tested} | ${killed} | ${survived} | ${score}`,
  );
}
