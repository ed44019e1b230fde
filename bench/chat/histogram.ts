// A log-linear latency histogram in microseconds: exact below 256 µs, then 128 linear buckets per
// power of two (< 0.8 % relative error). Fixed size, cheap to record, trivially mergeable, and
// small enough to ship from a worker to the parent over IPC as a sparse list.

const SUB = 128;
const BUCKETS = 64 * SUB;

export interface HistogramSnapshot {
  /** [bucketIndex, count] pairs, only non-empty buckets. */
  buckets: [number, number][];
  count: number;
  maxUs: number;
  sumUs: number;
}

function indexOf(us: number): number {
  const v = us <= 0 ? 0 : Math.floor(us);
  if (v < 2 * SUB) return v;
  const e = 31 - Math.clz32(v) - 7;
  return Math.min(BUCKETS - 1, e * SUB + (v >>> e));
}

/** Upper bound of a bucket, in µs (so percentiles never under-report). */
function upperOf(index: number): number {
  if (index < 2 * SUB) return index;
  const e = Math.floor(index / SUB) - 1;
  const m = index - e * SUB;
  return ((m + 1) << e) - 1;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  maxUs = 0;
  sumUs = 0;

  recordMs(ms: number): void {
    const us = ms * 1000;
    this.counts[indexOf(us)]! += 1;
    this.count += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(snapshot: HistogramSnapshot): void {
    for (const [index, n] of snapshot.buckets) this.counts[index]! += n;
    this.count += snapshot.count;
    this.sumUs += snapshot.sumUs;
    if (snapshot.maxUs > this.maxUs) this.maxUs = snapshot.maxUs;
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, maxUs: this.maxUs, sumUs: this.sumUs };
  }

  /** Percentile in ms (p in 0..100), or NaN when empty. */
  percentileMs(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  get maxMs(): number {
    return this.count === 0 ? Number.NaN : this.maxUs / 1000;
  }

  get meanMs(): number {
    return this.count === 0 ? Number.NaN : this.sumUs / this.count / 1000;
  }
}
