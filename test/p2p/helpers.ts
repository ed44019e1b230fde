// Shared fixtures for the p2p tests: temp dirs, deterministic file contents, and a one-call
// transfer between two endpoints on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { P2PEndpoint } from '../../src/p2p/endpoint.js';
import type { TransportConfig } from '../../src/p2p/config.js';
import { seededRandom } from './lossy-relay.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tessenger-p2p-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** `size` bytes from a seeded generator: the same seed always gives the same file. */
export function seededBytes(size: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const buf = Buffer.allocUnsafe(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) buf.writeUInt32LE(Math.floor(next() * 4294967296), i);
  for (; i < size; i++) buf[i] = Math.floor(next() * 256);
  return buf;
}

export async function writeSeededFile(
  dir: string,
  name: string,
  size: number,
  seed: number,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, seededBytes(size, seed));
  return path;
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** A fresh transfer key, as the server draws it (64 hex characters = 256 bits). */
export function newKey(): string {
  return randomBytes(32).toString('hex');
}

export async function listen(config?: Partial<TransportConfig>): Promise<P2PEndpoint> {
  const r = await P2PEndpoint.listen({ port: 0, host: '127.0.0.1', config });
  if (r.isErr()) throw new Error(`listen failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

let transferCounter = 0;

export interface Introductions {
  readonly transferId: string;
  readonly key: string;
}

export function introductions(): Introductions {
  transferCounter++;
  return { transferId: `t${process.pid}-${transferCounter}`, key: newKey() };
}

/** The offer the server's `p2p-incoming` would carry for a file Yoda sends from 127.0.0.1. */
export function offerFrom(introduction: Introductions, fileName: string, size: number) {
  return { ...introduction, presenter: 'Yoda', presenterAddress: '127.0.0.1', fileName, size };
}

/** Files in `dir` (hidden temp files included), sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Endpoints and directories made for one test, closed and removed however the test ends. */
export interface Scratch {
  listen(config?: Partial<TransportConfig>): Promise<P2PEndpoint>;
  dir(): Promise<string>;
  /** Anything else the test opened (a raw socket, say), undone at the end. */
  onCleanup(undo: () => unknown): void;
}

export async function withScratch(body: (scratch: Scratch) => Promise<void>): Promise<void> {
  const endpoints: P2PEndpoint[] = [];
  const dirs: string[] = [];
  const undos: Array<() => unknown> = [];
  const scratch: Scratch = {
    listen: async (config) => {
      const endpoint = await listen(config);
      endpoints.push(endpoint);
      return endpoint;
    },
    dir: async () => {
      const dir = await tempDir();
      dirs.push(dir);
      return dir;
    },
    onCleanup: (undo) => undos.push(undo),
  };
  try {
    await body(scratch);
  } finally {
    await Promise.all(undos.map((undo) => undo()));
    await Promise.all(endpoints.map((e) => e.close()));
    await Promise.all(dirs.map(removeDir));
  }
}
