// Turns a stream of byte counts into throttled progress reports with a smoothed rate. The
// transport calls `update` on every acknowledgement; reports go out at most once per interval,
// which is also how often the transfer machine hears that the peer is alive.

export interface TransferProgress {
  readonly bytes: number;
  readonly total: number;
  readonly bytesPerSecond: number;
}

export type Clock = () => number;

/**
 * Hands a report to the application's progress listener. The listener is the application's code
 * running inside the transport's socket handlers and final-state actions: a throw escaping from
 * it would crash the process (from a socket handler) or leave the transfer's result unsettled
 * (from the final state), so it is caught here and the transfer goes on as if the report had
 * been taken. A broken progress display must not break a transfer.
 */
export function report(
  listener: ((p: TransferProgress) => void) | undefined,
  progress: TransferProgress,
): void {
  try {
    listener?.(progress);
  } catch {
    // deliberately ignored: see above
  }
}

export class ProgressMeter {
  private lastEmitAt: number;
  private lastBytes = 0;
  private rate = 0;
  private bytes = 0;

  constructor(
    private readonly total: number,
    private readonly intervalMs: number,
    private readonly onReport: (p: TransferProgress) => void,
    private readonly now: Clock = () => performance.now(),
  ) {
    this.lastEmitAt = now();
  }

  /** Records `bytes` done so far; returns true when a report was emitted. */
  update(bytes: number): boolean {
    this.bytes = Math.max(this.bytes, bytes);
    const t = this.now();
    const dt = t - this.lastEmitAt;
    if (dt < this.intervalMs) return false;
    const instant = ((this.bytes - this.lastBytes) * 1000) / Math.max(dt, 1);
    // exponential smoothing keeps the ETA from jumping with every burst
    this.rate = this.rate === 0 ? instant : 0.7 * this.rate + 0.3 * instant;
    this.lastEmitAt = t;
    this.lastBytes = this.bytes;
    this.onReport({ bytes: this.bytes, total: this.total, bytesPerSecond: this.rate });
    return true;
  }

  /** One last report with the final count. */
  finish(bytes: number): void {
    this.bytes = Math.max(this.bytes, bytes);
    this.onReport({ bytes: this.bytes, total: this.total, bytesPerSecond: this.rate });
  }
}
