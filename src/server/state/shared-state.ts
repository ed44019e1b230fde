import type { Delivery } from './delivery.js';
import type { Groups } from './groups.js';
import type { Lockouts } from './lockouts.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Presence } from './presence.js';
import type { Transfers } from './transfers.js';
import type { NumberedLog } from '../storage/append-log.js';

/** What the server is told of changes made elsewhere in a cluster. */
export interface StateListener {
  /** Someone logged in or out on another node: userlog.txt is rewritten. */
  presenceChanged(): void;
  /** A node stopped heartbeating and its users left presence (announced by the node that saw it). */
  usersLeft(node: string, usernames: readonly string[]): void;
  /** After an outage, names this node's sessions held had been taken on another node. */
  namesTaken(usernames: readonly string[]): void;
}

/**
 * Everything several server processes must agree on, behind interfaces that report failures as
 * ResultAsync values (backend-error.ts). One process holds it in memory (local-state.ts); a
 * cluster holds it in Redis (src/server/cluster/). The server depends on these interfaces only.
 */
export interface SharedState {
  presence: Presence;
  lockouts: Lockouts;
  loginThrottle: LoginThrottle;
  groups: Groups;
  transfers: Transfers;
  delivery: Delivery;
  /**
   * How a log's lines are numbered (`name`: messagelog, group:G): by the file in one process; in
   * a cluster from a counter every node shares, so numbers are unique across the cluster.
   */
  numbered(name: string, log: NumberedLog): NumberedLog;
  /** From now on, changes made elsewhere (other nodes) are told to `listener`. */
  listen(listener: StateListener): void;
  /** Releases what the backend holds (timers, connections); after the server stopped serving. */
  close(): Promise<void>;
}
