#!/usr/bin/env node
// The test command StrykerJS runs once per mutant (its command runner: uvu has no Stryker
// plugin). A full `npm test` per mutant would take hours, so this runs only the test files that
// can notice a change in the mutated file, fastest and most likely to kill first, and stops at
// the first failure (one failure is all Stryker needs to count the mutant as killed).
//
// Which file is mutated: Stryker puts every mutant into the sandbox's sources at once and switches
// one on with the environment variable __STRYKER_ACTIVE_MUTANT__ (inherited by the servers the
// tests start, so dist/ built from the sandbox runs the mutant too). The mutated file is the
// one whose instrumented code names that mutant id. Without an active mutant (Stryker's dry run,
// or by hand) every listed file runs.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const root = process.cwd();

// Per mutated file (prefix match), the tests that can kill its mutants, in the order run: first
// the behaviour probes of the area against real servers in one process (`probes <area>…`,
// scripts/mutation/probe-suite.ts, about a second), then test files (each in its own process).
// SLOW files (client processes, generated paths: tens of seconds to minutes each on a loaded
// 2-core machine, and they only run for a mutant the faster ones let survive) run only with
// MUTATION_FULL=1: without them the score is a lower bound of what `npm test` catches.
const probes = (...areas) => `scripts/mutation/probe-suite.ts ${areas.join(' ')}`;
const SLOW = new Set([
  'test/model/session.model.test.ts',
  'test/e2e/pipelined-login.test.ts',
  'test/e2e/limits.test.ts',
  'test/e2e/login.test.ts',
  'test/e2e/messaging.test.ts',
  'test/e2e/p2pvideo.test.ts',
  'test/p2p/transfer.test.ts',
  'test/p2p/failures.test.ts',
  'test/model/transfer.model.test.ts',
]);
const TESTS_FOR = [
  [
    'machines/lockout.machine.ts',
    ['test/unit/lockout-machine.test.ts', probes('session'), 'test/model/lockout.model.test.ts'],
  ],
  [
    'machines/session.machine.ts',
    [
      probes('session', 'commands'),
      'test/e2e/pipelined-login.test.ts',
      'test/e2e/limits.test.ts',
      'test/e2e/login.test.ts',
      'test/model/session.model.test.ts',
    ],
  ],
  [
    'machines/transfer-',
    [
      'test/p2p/transfer-probes.test.ts',
      'test/p2p/machines.test.ts',
      'test/p2p/failures.test.ts',
      'test/p2p/transfer.test.ts',
      'test/model/transfer.model.test.ts',
    ],
  ],
  [
    'src/server/session-logic.ts',
    [
      probes('session', 'commands'),
      'test/e2e/pipelined-login.test.ts',
      'test/e2e/limits.test.ts',
      'test/e2e/login.test.ts',
      'test/model/session.model.test.ts',
    ],
  ],
  [
    'src/server/commands/',
    [
      probes('commands', 'session'),
      'test/fuzz/dispatcher.property.test.ts',
      'test/e2e/storage-faults.test.ts',
      'test/e2e/messaging.test.ts',
      'test/e2e/p2pvideo.test.ts',
    ],
  ],
];
const MUTATED = [
  'machines/lockout.machine.ts',
  'machines/session.machine.ts',
  'machines/transfer-sender.machine.ts',
  'machines/transfer-receiver.machine.ts',
  'machines/transfer-ending.ts',
  'src/server/session-logic.ts',
  ...[
    'activeuser',
    'backend',
    'command-error',
    'command-table',
    'creategroup',
    'dispatcher',
    'groupmsg',
    'joingroup',
    'msgto',
    'p2pvideo',
  ].map((n) => `src/server/commands/${n}.ts`),
];

const sourceOf = (file) => {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch {
    return '';
  }
};

/** The file whose instrumented code holds mutant `id`. */
function mutatedFile(id) {
  const marker = `stryMutAct_9fa48("${id}")`;
  return MUTATED.find((file) => sourceOf(file).includes(marker)) ?? null;
}

/** The files Stryker instrumented in this run (the `mutate` patterns that matched). */
const instrumentedFiles = () =>
  MUTATED.filter((file) => sourceOf(file).includes('stryMutAct_9fa48('));

const active = process.env.__STRYKER_ACTIVE_MUTANT__;
const file = active === undefined ? null : mutatedFile(active);
// The dry run (no active mutant) runs the tests of every instrumented file, or of all of them by hand.
const instrumented = instrumentedFiles();
const targets = file !== null ? [file] : instrumented.length > 0 ? instrumented : MUTATED;
const lists = TESTS_FOR.filter(([prefix]) => targets.some((t) => t.startsWith(prefix))).map(
  ([, tests]) => tests,
);
const full = process.env.MUTATION_FULL === '1';
const listed = [...new Set(lists.flat())].filter((t) => full || !SLOW.has(t));
// The dry run (no active mutant) runs every listed test: a test that fails unmutated would
// otherwise "kill" every mutant.
const tests = listed;

// One line per mutant, as it finishes (Stryker's own report only comes at the end of the run).
const inSandbox = basename(dirname(root)) === '.stryker-tmp';
const RUN_LOG = join(root, '..', '..', 'reports', 'mutation', 'runs.log');
function logResult(outcome) {
  if (active === undefined || !inSandbox) return;
  const text = file === null ? '' : sourceOf(file);
  const at = text.indexOf(`stryMutAct_9fa48("${active}")`);
  const snippet = at < 0 ? '' : text.slice(at, at + 200).replace(/\s+/g, ' ');
  try {
    mkdirSync(join(RUN_LOG, '..'), { recursive: true });
    appendFileSync(
      RUN_LOG,
      `${new Date().toISOString()} mutant ${active} ${file} ${outcome} :: ${snippet}\n`,
    );
  } catch {
    // the log is a convenience; Stryker's report is the record
  }
}
if (tests.length === 0) {
  console.error(`no tests listed for mutant ${active} (${file ?? 'file not found'})`);
  process.exit(2);
}

// The tests' temp dirs (servers, clients, files) go into one directory removed at the end.
const PROBES_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;
const runTmp = mkdtempSync(join(tmpdir(), 'tessenger-mutant-'));
process.on('exit', () => rmSync(runTmp, { recursive: true, force: true }));

/**
 * Runs one test command; resolves with its exit status, output and whether it was cut short.
 * uvu runs every test of a file even after one failed: the first failure mark (✘) in its
 * progress line is enough for a kill, so the process is stopped there (bail on first failure).
 */
function runTest(script, args, env, timeoutMs) {
  return new Promise((resolve) => {
    // In the sandbox the build compiled the probe suite with the sources
    // (scripts/mutation/tsconfig.probes.json): plain node, no TypeScript loader to start.
    const compiled = join(root, 'dist', script.replace(/\.ts$/, '.js'));
    const command =
      inSandbox && script.startsWith('scripts/') && existsSync(compiled)
        ? [compiled, ...args]
        : ['--import', 'tsx', script, ...args];
    const child = spawn(process.execPath, command, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let cut = null;
    const stop = (why) => {
      if (cut !== null) return;
      cut = why;
      child.kill('SIGKILL');
    };
    // A mutant can make a machine loop forever (an eventless transition whose guard now always
    // holds): the process spins and no timer inside it can fire. Bounded here, far above a
    // normal run on a loaded machine, so a hang costs a minute, not Stryker's whole timeout.
    const timer = setTimeout(() => stop('hung'), timeoutMs);
    const collect = (chunk) => {
      output += chunk;
      if (output.includes('✘')) stop('failed');
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status: cut === null ? status : 1, output, cut });
    });
  });
}

for (const test of tests) {
  const started = Date.now();
  const [script, ...args] = test.split(' ');
  // The probe suite cleans up after itself and keeps the shared TMPDIR, where tsx caches what it
  // compiled: the sandbox's sources are the same for every mutant, so only the first run compiles.
  const isProbes = script === probes().trim();
  const env = {
    ...process.env,
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...(isProbes ? {} : { TMPDIR: runTmp }),
  };
  const run = await runTest(script, args, env, isProbes ? PROBES_TIMEOUT_MS : TEST_TIMEOUT_MS);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    // Why it failed, in one line for runs.log: a probe's name, uvu's FAIL line, or the hang.
    const why =
      run.cut === 'hung'
        ? `hung, killed after ${seconds}s`
        : (
            /^probe failed: .*$/m.exec(run.output)?.[0] ??
            /FAIL\s+.*$/m.exec(run.output)?.[0] ??
            (run.cut === 'failed' ? 'a test failed (stopped at its ✘)' : '')
          ).slice(0, 160);
    logResult(`killed-by ${test} (${seconds}s) [${why}]`);
    console.log(`killed by ${test} (${seconds}s)\n${run.output.slice(-5000)}`);
    process.exit(1);
  }
  console.log(`survived ${test} (${seconds}s)`);
}
logResult(`SURVIVED ${tests.join(' ')}`);
