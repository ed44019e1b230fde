import type { Delivery } from './delivery.js';
import type { Groups } from './groups.js';
import type { Lockouts } from './lockouts.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Presence } from './presence.js';
import type { Transfers } from './transfers.js';

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
  /** Releases what the backend holds (timers, connections); after the server stopped serving. */
  close(): Promise<void>;
}
