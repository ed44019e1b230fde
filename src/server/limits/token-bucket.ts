/**
 * A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. Pure apart from
 * the injected clock, so tests drive it with a fake one. Used for the per-connection command rate
 * (a burst, then a steady rate), for flood strikes, and for failed logins per IP address.
 */
// One shared default clock: a closure per bucket would cost memory on every idle connection.
const monotonicNow = (): number => performance.now();

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((at - this.updatedAt) / 1000) * this.refillPerSecond,
    );
    this.updatedAt = at;
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Returns a token taken for something that turned out not to count. */
  giveBack(): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Whether `count` tokens (one by default) are available, without taking any. */
  hasTokens(count = 1): boolean {
    this.refill();
    return this.tokens >= count;
  }

  /** Whether the bucket is back to full (nothing to remember any more). */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  /** Seconds until one token is available (0 if one is). */
  secondsUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.refillPerSecond);
  }
}
