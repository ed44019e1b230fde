import { LoginFailuresByIp } from '../limits/login-failures-by-ip.js';
import type { GroupRecorder } from './groups.js';
import type { StoredGroup } from '../storage/group-store.js';
import { LocalDelivery } from './delivery.js';
import { LocalGroups } from './groups.js';
import { ActorLockouts, type LockoutOptions } from './lockouts.js';
import { LocalLoginThrottle } from './login-throttle.js';
import { InMemoryPresence } from './presence.js';
import type { SharedState } from './shared-state.js';
import { InMemoryTransfers } from './transfers.js';

export interface LocalStateOptions {
  lockouts: LockoutOptions;
  maxFailuresPerIpPerMinute: number;
  /** Where group changes are stored before they are believed (groups.db). */
  groupRecorder: GroupRecorder;
  restoredGroups: readonly StoredGroup[];
}

/** The shared state of a server that is not part of a cluster: this process's memory. */
export function localSharedState(options: LocalStateOptions): SharedState {
  const lockouts = new ActorLockouts(options.lockouts);
  return {
    presence: new InMemoryPresence(),
    lockouts,
    loginThrottle: new LocalLoginThrottle(new LoginFailuresByIp(options.maxFailuresPerIpPerMinute)),
    groups: new LocalGroups(options.groupRecorder, options.restoredGroups),
    transfers: new InMemoryTransfers(),
    delivery: new LocalDelivery(),
    // One process: the file numbers its lines, and nothing changes elsewhere.
    numbered: (_, log) => log,
    listen: () => {},
    close: async () => lockouts.stopAll(),
  };
}
