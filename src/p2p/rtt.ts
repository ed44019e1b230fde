// Round-trip estimate and retransmission timeout, as in RFC 6298 (smoothed RTT + 4 × variance),
// clamped: the floor absorbs event-loop and GC pauses that would otherwise look like loss.
export class RttEstimator {
  private srtt = 0;
  private rttvar = 0;
  private hasSample = false;

  constructor(
    private readonly minRtoMs: number,
    private readonly maxRtoMs: number,
  ) {}

  sample(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    if (!this.hasSample) {
      this.srtt = ms;
      this.rttvar = ms / 2;
      this.hasSample = true;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
    this.srtt = 0.875 * this.srtt + 0.125 * ms;
  }

  /** Before the first sample we assume a slow path (200 ms) rather than a fast one. */
  rto(): number {
    const raw = this.hasSample ? this.srtt + 4 * this.rttvar : 200;
    return Math.max(this.minRtoMs, Math.min(this.maxRtoMs, raw));
  }

  smoothedMs(): number {
    return this.srtt;
  }
}
