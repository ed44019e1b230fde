import { okAsync, type ResultAsync } from 'neverthrow';
import type { LoginFailuresByIp } from '../limits/login-failures-by-ip.js';
import type { BackendError } from './backend-error.js';

/** Whether a password attempt from an address may be checked; if not, when it may again. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * The per-IP login throttle as shared state: in one process a token bucket per address
 * (LoginFailuresByIp); in a cluster a counter in Redis, so an address cannot multiply its
 * guesses by the number of nodes. ResultAsync like the rest of the shared state.
 */
export interface LoginThrottle {
  /** Counts an attempt that is about to be checked, as a failure until given back. */
  tryBegin(address: string): ResultAsync<ThrottleDecision, BackendError>;
  /** The attempt begun with tryBegin did not fail: it no longer counts. */
  giveBack(address: string): ResultAsync<void, BackendError>;
}

export class LocalLoginThrottle implements LoginThrottle {
  constructor(private readonly byIp: LoginFailuresByIp) {}

  tryBegin(address: string): ResultAsync<ThrottleDecision, BackendError> {
    return okAsync(
      this.byIp.tryBegin(address)
        ? { allowed: true }
        : { allowed: false, retryAfterSeconds: this.byIp.retryAfterSeconds(address) },
    );
  }

  giveBack(address: string): ResultAsync<void, BackendError> {
    this.byIp.giveBack(address);
    return okAsync(undefined);
  }
}
