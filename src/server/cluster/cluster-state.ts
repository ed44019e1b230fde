import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { SharedState, StateListener } from '../state/shared-state.js';
import { ClusterDelivery, nodeChannel, presenceChannel } from './cluster-delivery.js';
import { clusterNumbered } from './cluster-numbering.js';
import { NodeMembership } from './node-membership.js';
import { RedisGroups } from './redis-groups.js';
import { RedisLink } from './redis-link.js';
import { RedisLockouts } from './redis-lockouts.js';
import { RedisLoginThrottle } from './redis-login-throttle.js';
import { RedisPresence } from './redis-presence.js';
import { RedisTransfers } from './redis-transfers.js';

export interface ClusterOptions {
  url: string;
  prefix: string;
  node: string;
  heartbeatMs: number;
  expiryMs: number;
  timeoutMs: number;
  maxFailures: number;
  blockMs: number;
  maxFailuresPerIpPerMinute: number;
  /** Console lines (Redis lost and back, unlocked accounts). */
  say: (line: string) => void;
}

/** Failure counts below the limit are forgotten after a day without failures. */
const REMEMBER_FAILURES_MS = 24 * 3600 * 1000;

/**
 * The shared state of a node of a cluster (docs/CLUSTER.md): everything in the Redis at `url`
 * under `prefix`. Joins before it resolves: the node is registered, its old entries (a previous
 * run with the same node id) are gone, and it listens on its channels.
 */
export function openClusterState(options: ClusterOptions): ResultAsync<SharedState, string> {
  const { url, prefix, node, say } = options;
  let membership: NodeMembership | undefined;
  return RedisLink.open({
    url,
    timeoutMs: options.timeoutMs,
    onLost: (reason) =>
      say(`Lost the cluster's Redis (${reason}): refusing what needs the cluster until it is back`),
    onBack: () => {
      say(`The cluster's Redis is back: rejoining as node ${node}`);
      void membership?.beat();
    },
  }).andThen((link) => {
    const presence = new RedisPresence(link, prefix, node);
    const delivery = new ClusterDelivery(link, prefix, node, presence);
    membership = new NodeMembership(link, presence, {
      node,
      prefix,
      heartbeatMs: options.heartbeatMs,
      expiryMs: options.expiryMs,
      onRejoined: (users) =>
        say(`Rejoined the cluster as node ${node}: ${users} user(s) of this node back in presence`),
    });
    const lockouts = new RedisLockouts(link, prefix, {
      maxFailures: options.maxFailures,
      blockMs: options.blockMs,
      rememberMs: REMEMBER_FAILURES_MS,
      onUnlocked: (username) => say(`${username} is no longer blocked`),
    });
    let listener: StateListener | undefined;
    const mine = nodeChannel(prefix, node);
    const presenceUpdates = presenceChannel(prefix);
    link.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      if (name === mine) delivery.receive(message);
      else if (name === presenceUpdates && message.toString() !== node) listener?.presenceChanged();
    });
    const joined = membership;
    const state: SharedState = {
      presence,
      lockouts,
      loginThrottle: new RedisLoginThrottle(link, prefix, options.maxFailuresPerIpPerMinute),
      groups: new RedisGroups(link, prefix),
      transfers: new RedisTransfers(link, prefix),
      delivery,
      numbered: (name, log) => clusterNumbered(link, prefix, name, log),
      listen: (l) => {
        listener = l;
        joined.listen(l);
      },
      close: async () => {
        lockouts.stopAll();
        await joined.leave();
        link.disconnect();
      },
    };
    return ResultAsync.fromPromise(link.subscriber.subscribe(mine, presenceUpdates), (e) =>
      String(e),
    )
      .andThen(() => joined.join().mapErr((e) => e.reason))
      .andThen(() => {
        joined.start();
        say(`Joined the cluster at ${url} (prefix ${prefix}) as node ${node}`);
        return okAsync(state);
      })
      .orElse((reason) => {
        link.disconnect();
        return errAsync(`Cannot join the cluster at ${url}: ${reason}`);
      });
  });
}
