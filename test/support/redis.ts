// Redis for the cluster tests. The project's machines run one at 127.0.0.1:6379: tests use it
// with a key prefix of their own and delete their keys afterwards. Tests that stop and start
// Redis start their own redis-server on a free port. Where neither is possible the cluster
// tests print one `SKIPPED: no Redis` line, and with CI_REQUIRE_REDIS=1 (.ci/run) that is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deleteKeysUnder } from '../../src/server/cluster/delete-keys.js';

/** The machine's Redis; TESSENGER_TEST_REDIS points the tests elsewhere (e.g. to nothing, to see the skip). */
export const MACHINE_REDIS_URL = process.env.TESSENGER_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A client that fails at once instead of retrying: for probing and cleaning up. */
export function probeClient(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
}

export async function answers(url: string): Promise<boolean> {
  const client = probeClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export const uniquePrefix = (label: string): string =>
  `tessenger-test:${label}:${process.pid}-${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, never KEYS: the machine's Redis is shared). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = probeClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    await deleteKeysUnder(client, prefix);
  } finally {
    client.disconnect();
  }
}

export const hasRedisServer = (): boolean =>
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own (keeps nothing on disk), that it can stop and start again. */
export class OwnRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.url))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops it at once (as a crash would) and waits until the port is closed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Where the cluster tests find Redis: the machine's, else their own. Undefined (after the one
 * SKIPPED line) when there is neither.
 */
export async function findRedis(): Promise<{ url: string; own?: OwnRedis } | undefined> {
  if (await answers(MACHINE_REDIS_URL)) return { url: MACHINE_REDIS_URL };
  if (hasRedisServer()) {
    const own = await OwnRedis.start();
    return { url: own.url, own };
  }
  return undefined;
}

/** The one line a skipped cluster test prints; .ci/run (CI_REQUIRE_REDIS=1) makes it a failure. */
export function reportNoRedis(what: string): void {
  console.log(`SKIPPED: no Redis (${what})`);
  if (process.env.CI_REQUIRE_REDIS === '1')
    test(`${what}: Redis is required (CI_REQUIRE_REDIS=1)`, () =>
      assert.unreachable('no Redis answered and no redis-server could be started'));
}

/**
 * A TCP gate between a node and Redis that the test can cut and restore: while cut, every
 * connection through it is closed and new ones are refused, but Redis (and its data) stays up,
 * as in a network outage between one node and Redis.
 */
export class RedisGate {
  private readonly sockets = new Set<import('node:net').Socket>();
  private open = true;

  private constructor(
    private readonly server: import('node:net').Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(target: string): Promise<RedisGate> {
    const { hostname, port } = new URL(target);
    const { connect } = await import('node:net');
    let gate: RedisGate | undefined;
    const server = createServer((client) => {
      if (!gate?.isOpen) return void client.destroy();
      const upstream = connect({ host: hostname, port: Number(port) });
      for (const s of [client, upstream]) {
        gate.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          gate?.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const listening = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    gate = new RedisGate(server, listening);
    return gate;
  }

  get isOpen(): boolean {
    return this.open;
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
