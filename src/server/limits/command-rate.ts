import { TokenBucket } from './token-bucket.js';

export type RateVerdict =
  { type: 'allowed' } | { type: 'throttled'; retryAfterSeconds: number } | { type: 'flooding' };

export interface CommandRateOptions {
  burst: number;
  perSecond: number;
  /** Throttled commands tolerated (refilled at one a second) before the client is cut. */
  maxThrottled: number;
  now?: () => number;
}

/**
 * Per-connection command rate, the way IRC servers' "fakelag" works: a burst passes (pasting a
 * few lines is honest), then commands are refused with a retry time, and a client that keeps
 * pushing through the refusals runs out of strikes and is disconnected.
 */
export class CommandRate {
  private readonly commands: TokenBucket;
  private readonly strikes: TokenBucket;

  constructor(options: CommandRateOptions) {
    this.commands = new TokenBucket(options.burst, options.perSecond, options.now);
    this.strikes = new TokenBucket(options.maxThrottled, 1, options.now);
  }

  check(): RateVerdict {
    if (this.commands.take()) return { type: 'allowed' };
    if (!this.strikes.take()) return { type: 'flooding' };
    return { type: 'throttled', retryAfterSeconds: this.commands.secondsUntilToken() };
  }

  // The same decision in parts, for the session machine: its guards look without taking, then
  // the transition taken charges the command (allowed) or the strike (throttled).

  /** No command token and no strike left: the next command is a flood. */
  isFlooding(): boolean {
    return !this.commands.hasTokens() && !this.strikes.hasTokens();
  }

  /** No command token, but a strike left: the next command is refused with a retry time. */
  isThrottled(): boolean {
    return !this.commands.hasTokens() && this.strikes.hasTokens();
  }

  /** The next `count` commands are all allowed: none is refused or a flood. */
  admits(count: number): boolean {
    return this.commands.hasTokens(count);
  }

  /** Charges an allowed command. */
  chargeCommand(): void {
    this.commands.take();
  }

  /** Charges a strike and says when the client may try again. */
  chargeStrike(): number {
    this.strikes.take();
    return this.commands.secondsUntilToken();
  }
}
