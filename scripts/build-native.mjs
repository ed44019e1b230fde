#!/usr/bin/env node
// Builds the native AES-256-GCM of the p2p seal (native/aes_gcm.c → native/build/Release/aes_gcm.node)
// with the node-gyp that comes with npm, offline: against the headers of the running Node (its
// include/node, OpenSSL's included), never downloading any.
//
// The addon is optional: without it the seal uses node:crypto, the same bytes on the wire, only
// slower. So a machine without a C compiler (or without Node's headers) is not an error here:
// this prints one line saying why, and exits 0. CI requires the addon through a test instead
// (CI_REQUIRE_NATIVE_SEAL=1, test/p2p/seal-native.test.ts), which names the reason printed here.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const native = join(root, 'native');
const addon = join(native, 'build', 'Release', 'aes_gcm.node');
// Why the last build failed, for the wrapper's message at run time (src/p2p/aes-gcm-native.ts).
const reasonFile = join(native, 'build-failed.txt');

function notBuilt(reason) {
  rmSync(join(native, 'build'), { recursive: true, force: true });
  writeFileSync(reasonFile, `${reason}\n`);
  console.log(`native AES-GCM not built (${reason}): sealing uses node:crypto`);
  process.exit(0);
}

const onPath = (cmd) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, cmd)));

// node-gyp: the one npm names to its scripts, else the one beside this Node's npm.
const prefix = resolve(dirname(process.execPath), '..');
const nodeGyp = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath &&
    join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && existsSync(p));
// Headers: the running Node's own (a distribution's node package or the official tarball puts
// them in <prefix>/include/node); npm's nodedir setting otherwise.
const nodedir = [prefix, process.env.npm_config_nodedir].find(
  (d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')),
);

if (!nodeGyp) notBuilt('no node-gyp found beside npm');
if (!nodedir) notBuilt(`no Node headers in ${join(prefix, 'include', 'node')}`);
// gyp's makefiles compile C with $CC and link with $CXX (make's defaults: cc, g++)
const compilers = [process.env.CC ?? 'cc', process.env.CXX ?? 'g++'].map((c) => c.split(' ')[0]);
for (const tool of [...compilers, 'make', 'python3'])
  if (!onPath(tool)) notBuilt(`no ${tool} on PATH`);

const built = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: native,
  encoding: 'utf8',
  // npm's own node-gyp settings (a dist-url, a devdir) would only matter for a download
  env: { ...process.env, npm_config_nodedir: nodedir },
});
if (built.status !== 0) {
  const output = `${built.stdout ?? ''}${built.stderr ?? ''}`;
  const firstError =
    output.split('\n').find((l) => /error/i.test(l) && !l.startsWith('gyp ERR! stack')) ??
    `node-gyp exited with ${built.status ?? built.signal ?? built.error?.message}`;
  notBuilt(firstError.trim().slice(0, 200));
}
// Loading it is the real test: its OpenSSL symbols must resolve in this node binary.
try {
  createRequire(import.meta.url)(addon);
} catch (e) {
  notBuilt(`built but does not load: ${e instanceof Error ? e.message : e}`);
}
rmSync(reasonFile, { force: true });
console.log('native AES-GCM built: native/build/Release/aes_gcm.node (sealing uses it)');
