// npm run diagrams        → (re)writes diagrams/*.mmd, *.svg, README.md, index.html from machines/
// npm run diagrams:check  → regenerates in memory, exits 1 listing stale/missing/extra files
import { mkdirSync, writeFileSync, unlinkSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFiles, compareWithDisk, loadMachines } from './build.js';
import { LINKS } from './links.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const machinesDir = join(root, 'machines');
const outDir = join(root, 'diagrams');
const shown = (name: string): string => relative(root, join(outDir, name));

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`usage: generate.ts [--check] (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  const machines = await loadMachines(machinesDir);
  const files = await buildFiles(machines, { links: LINKS, warn: (message) => console.error(message) });
  const diffs = compareWithDisk(files, outDir);
  const count = `${machines.length} machine${machines.length === 1 ? '' : 's'}, ${files.size} files`;

  if (check) {
    if (diffs.length === 0) {
      console.log(`diagrams: up to date (${count})`);
      return 0;
    }
    for (const d of diffs) {
      const what = d.problem === 'extra' ? 'is extra (no machine produces it)' : `is ${d.problem}`;
      console.error(`${shown(d.file)} ${what}: run npm run diagrams`);
    }
    return 1;
  }

  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of files) {
    const path = join(outDir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) writeFileSync(path, content);
  }
  for (const d of diffs) if (d.problem === 'extra') unlinkSync(join(outDir, d.file));
  const changed = diffs.map((d) => `${shown(d.file)} (${d.problem === 'extra' ? 'removed' : d.problem === 'missing' ? 'new' : 'updated'})`);
  console.log(`diagrams: wrote ${count}${changed.length > 0 ? `; ${changed.join(', ')}` : '; nothing changed'}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`diagrams: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
