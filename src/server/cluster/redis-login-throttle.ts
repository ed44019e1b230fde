import type { ResultAsync } from 'neverthrow';
import { addressKey } from '../limits/address-key.js';
import type { BackendError } from '../state/backend-error.js';
import type { LoginThrottle, ThrottleDecision } from '../state/login-throttle.js';
import type { RedisLink } from './redis-link.js';

/**
 * The per-IP login throttle for the whole cluster: the same token bucket as one process's
 * (LoginFailuresByIp: `perMinute` failures, refilled steadily), kept in Redis on Redis's clock,
 * so an address cannot multiply its guesses by the number of nodes.
 */
export class RedisLoginThrottle implements LoginThrottle {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly perMinute: number,
  ) {}

  private run(address: string, op: 'take' | 'give'): ResultAsync<number, BackendError> {
    return this.link.script<number>(
      'tsThrottle',
      this.prefix,
      addressKey(address),
      this.perMinute,
      this.perMinute / 60,
      op,
    );
  }

  tryBegin(address: string): ResultAsync<ThrottleDecision, BackendError> {
    return this.run(address, 'take').map((wait): ThrottleDecision =>
      wait < 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait },
    );
  }

  giveBack(address: string): ResultAsync<void, BackendError> {
    return this.run(address, 'give').map(() => {});
  }
}
