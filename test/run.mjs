#!/usr/bin/env node
// Runs every test file in its own Node process (uvu + tsx), a few at a time, and prints one
// closing line "N passed, N failed" that CI reads. One process per file keeps e2e suites
// (which start real servers and clients) isolated from each other and from the unit tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2] ?? '';
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism()));
// A file that outlives this is stuck (e.g. a failed test left a child process alive): kill it and fail it.
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 180_000);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = findTests(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => f.includes(filter))
  .sort();

// Every test process (and every server and client it starts) gets this run's own TMPDIR, which
// is removed at the end: the suite writes hundreds of MiB of test files and must not leave them.
const runTmp = mkdtempSync(join(tmpdir(), 'tessenger-test-run-'));
const removeRunTmp = () => rmSync(runTmp, { recursive: true, force: true });
process.on('exit', removeRunTmp);

let passed = 0;
let failed = 0;
const failures = [];

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', TMPDIR: runTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      out += `\n[run.mjs] ${file} still running after ${FILE_TIMEOUT_MS} ms: killed\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = /Total:\s+(\d+)/.exec(out);
      const ok = /Passed:\s+(\d+)/.exec(out);
      const t = total ? Number(total[1]) : 0;
      const p = ok ? Number(ok[1]) : 0;
      // A file that crashed before reporting counts as one failure so it cannot hide.
      const fileFailed = code !== 0 ? Math.max(1, t - p) : t - p;
      passed += p;
      failed += fileFailed;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`${fileFailed === 0 ? 'ok  ' : 'FAIL'} ${file} (${p}/${t}, ${seconds}s)`);
      // Model-based suites report how many transitions of each machine they exercised.
      for (const line of out.match(/^\S.*: \d+\/\d+ transitions$/gm) ?? [])
        console.log(`     ${line.replace(/^[•✘\s]+/, '')}`);
      // A suite that could not run (e.g. the cluster tests without Redis) says so in one line.
      for (const line of out.match(/^SKIPPED: .*$/gm) ?? []) console.log(`     ${line}`);
      if (fileFailed > 0) failures.push({ file, out });
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    while (queue.length > 0) await runFile(queue.shift());
  }),
);

for (const { file, out } of failures) {
  console.log(`\n==== ${file} ====\n${out}`);
}
if (files.length === 0) {
  console.log('no test files matched');
  process.exit(1);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
