/** Quantiles from the difference of two cumulative Prometheus histograms (the window's own observations). */
export interface Bucket {
  le: number;
  count: number;
}

export function diffBuckets(end: Bucket[], start: Bucket[]): Bucket[] {
  const before = new Map(start.map((b) => [b.le, b.count]));
  return end.map((b) => ({ le: b.le, count: Math.max(0, b.count - (before.get(b.le) ?? 0)) }));
}

/**
 * The q-quantile by linear interpolation inside the bucket, as Prometheus's histogram_quantile does.
 * When it falls in the +Inf bucket, the highest finite bound is returned.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = Number.isFinite(b.le) ? b.le : prevLe;
    prevCount = b.count;
  }
  return prevLe;
}

/** Share of observations at or below `bound` (bound must be a bucket edge for an exact answer). */
export function shareAtOrBelow(bound: number, buckets: Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  let below = 0;
  for (const b of buckets) if (b.le <= bound + 1e-12) below = b.count;
  return below / total;
}
