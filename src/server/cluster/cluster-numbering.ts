import type { NumberedLog } from '../storage/append-log.js';
import type { RedisLink } from './redis-link.js';

/**
 * A node's log whose lines take their numbers from a counter the whole cluster shares
 * (`INCR <prefix>seq:<log>`), so a number names one message in the cluster: each node's
 * messagelog.txt holds the messages its users sent, in increasing order with gaps where other
 * nodes' messages went, and the cluster's log is every node's lines merged by number
 * (docs/CLUSTER.md). A number taken for a line whose write then failed is a gap, never reused.
 */
export function clusterNumbered(
  link: RedisLink,
  prefix: string,
  name: string,
  log: NumberedLog,
): NumberedLog {
  const counter = `${prefix}seq:${name}`;
  return {
    append: (build) =>
      link
        .call(link.commands.incr(counter))
        .mapErr((e) => ({ type: 'StorageFailed' as const, file: counter, reason: e.reason }))
        .andThen((n) => log.append((_, ts) => build(n, ts)).map((line) => ({ ...line, n }))),
    close: () => log.close(),
  };
}
