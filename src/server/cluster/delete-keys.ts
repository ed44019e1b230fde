import type { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix` through a connected client: a cluster's keys (another
 * prefix is another Tessenger). SCAN in steps, never KEYS, which would block a shared Redis.
 */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
