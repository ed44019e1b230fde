import { addressKey } from './address-key.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Failed logins per IP address (IPv6: per /64, see address-key.ts). The per-account lockout (SPEC §3) alone would let one address
 * lock every account quickly by guessing; this throttle lets each address fail at most `perMinute`
 * times a minute (a steady refill, so a burst of `perMinute` is allowed once), after which its
 * password attempts are refused without being checked or counted against any account.
 *
 * An attempt takes its token when it begins, not when its failure is known: checking a password
 * takes time, and many connections from one address must not all pass the check before the
 * first failure is counted. A successful (or not checked) attempt gives its token back.
 */
export class LoginFailuresByIp {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxTracked = 100_000,
  ) {}

  isThrottled(address: string): boolean {
    const bucket = this.buckets.get(addressKey(address));
    return bucket !== undefined && !bucket.hasTokens();
  }

  /** Counts an attempt that is about to be checked, as a failure until told otherwise; false if throttled. */
  tryBegin(address: string): boolean {
    return this.bucketFor(address).take();
  }

  /** The attempt begun with tryBegin did not fail: its token is returned. */
  giveBack(address: string): void {
    this.buckets.get(addressKey(address))?.giveBack();
  }

  /** Seconds until the address may try again. */
  retryAfterSeconds(address: string): number {
    return this.buckets.get(addressKey(address))?.secondsUntilToken() ?? 0;
  }

  recordFailure(address: string): void {
    this.bucketFor(address).take();
  }

  private bucketFor(address: string): TokenBucket {
    const key = addressKey(address);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.forgetRecovered();
      bucket = new TokenBucket(this.perMinute, this.perMinute / 60, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Addresses whose bucket has refilled carry no information; dropping them bounds memory. */
  private forgetRecovered(): void {
    if (this.buckets.size < this.maxTracked) return;
    for (const [address, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(address);
    // Still full of active attackers: forget the oldest rather than grow without bound.
    while (this.buckets.size >= this.maxTracked) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }

  get tracked(): number {
    return this.buckets.size;
  }
}
