import type { ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import type { FailureOutcome, Lockouts } from '../state/lockouts.js';
import type { RedisLink } from './redis-link.js';

export interface RedisLockoutOptions {
  maxFailures: number;
  blockMs: number;
  /** How long a count of failures below the limit is remembered (bounds Redis memory). */
  rememberMs: number;
  onUnlocked: (username: string) => void;
}

/**
 * SPEC §3's lockout for the whole cluster: the failure count and the block are Redis keys, so
 * two failures on node A and one on node B block at three, and the block (a key that expires
 * after --block-seconds) holds on every node. The node that locked the account tells its
 * console when the block ends.
 */
export class RedisLockouts implements Lockouts {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly options: RedisLockoutOptions,
  ) {}

  isLocked(username: string): ResultAsync<boolean, BackendError> {
    return this.link
      .call(this.link.commands.exists(`${this.prefix}lock:${username}`))
      .map((n) => n === 1);
  }

  recordFailure(username: string): ResultAsync<FailureOutcome, BackendError> {
    const { maxFailures, blockMs, rememberMs } = this.options;
    return this.link
      .script<FailureOutcome>('tsFail', this.prefix, username, maxFailures, blockMs, rememberMs)
      .map((outcome) => {
        if (outcome === 'lockedNow') this.tellWhenUnlocked(username);
        return outcome;
      });
  }

  recordSuccess(username: string): ResultAsync<void, BackendError> {
    return this.link.call(this.link.commands.del(`${this.prefix}fail:${username}`)).map(() => {});
  }

  private tellWhenUnlocked(username: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.options.onUnlocked(username);
    }, this.options.blockMs);
    timer.unref();
    this.timers.add(timer);
  }

  stopAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
