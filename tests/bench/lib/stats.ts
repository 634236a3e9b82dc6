/** Order statistics for latency samples. */

/** The q-quantile (0..1) by nearest rank on a sorted copy; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);
export const p99 = (samples: readonly number[]): number => quantile(samples, 0.99);

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

/**
 * A latency histogram with 0.1 ms buckets up to 60 s: millions of samples (10,000 clients
 * × 1,000 events) fit in a fixed array and still give exact-enough percentiles.
 */
export class Histogram {
  static readonly BUCKET_MS = 0.1;
  readonly counts: Uint32Array;
  count = 0;
  max = 0;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(600_000);
    for (const c of this.counts) this.count += c;
  }

  record(ms: number): void {
    const i = Math.min(this.counts.length - 1, Math.max(0, Math.floor(ms / Histogram.BUCKET_MS)));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  /** Upper edge of the bucket holding the q-quantile. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (i + 1) * Histogram.BUCKET_MS;
    }
    return this.counts.length * Histogram.BUCKET_MS;
  }

  /** Non-empty buckets only, so it crosses IPC cheaply. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((c, i) => {
      if (c > 0) out.push([i, c]);
    });
    return out;
  }

  static fromSparse(sparse: [number, number][], max: number): Histogram {
    const h = new Histogram();
    for (const [i, c] of sparse) h.counts[i] = c;
    h.count = sparse.reduce((a, [, c]) => a + c, 0);
    h.max = max;
    return h;
  }
}
