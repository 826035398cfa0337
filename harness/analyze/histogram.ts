/**
 * Quantiles from the difference of two cumulative Prometheus histograms (the window's own
 * observations). A histogram only says how many observations fell between two bucket edges, so a
 * quantile is an estimate (linear interpolation inside its bucket, as `histogram_quantile` does)
 * and the bucket's edges are what was actually measured: both are returned.
 */
export interface Bucket {
  le: number;
  count: number;
}

/** The edges of the bucket a quantile falls in, in the histogram's unit. `hi` is Infinity for the +Inf bucket. */
export interface QuantileBucket {
  lo: number;
  hi: number;
}

export interface QuantileEstimate {
  /** interpolated inside the bucket; for the +Inf bucket, the top finite edge (the value is only known to be above it) */
  estimate: number;
  bucket: QuantileBucket;
}

export function diffBuckets(end: Bucket[], start: Bucket[]): Bucket[] {
  const before = new Map(start.map((b) => [b.le, b.count]));
  return end.map((b) => ({ le: b.le, count: Math.max(0, b.count - (before.get(b.le) ?? 0)) }));
}

/**
 * The q-quantile with the bucket it falls in. The estimate interpolates linearly inside the bucket,
 * as Prometheus's histogram_quantile does (the first bucket's lower edge is 0). In the +Inf bucket
 * the estimate is the highest finite edge and `bucket.hi` is Infinity: the quantile is above it.
 */
export function quantileWithBucket(q: number, buckets: Bucket[]): QuantileEstimate | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    // the first bucket whose cumulative count reaches the rank and that holds observations
    if (b.count >= rank && b.count > prevCount) {
      if (!Number.isFinite(b.le)) return { estimate: prevLe, bucket: { lo: prevLe, hi: Infinity } };
      const estimate = prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount);
      return { estimate, bucket: { lo: prevLe, hi: b.le } };
    }
    if (Number.isFinite(b.le)) prevLe = b.le;
    prevCount = Math.max(prevCount, b.count);
  }
  return { estimate: prevLe, bucket: { lo: prevLe, hi: Infinity } };
}

/**
 * The q-quantile by linear interpolation inside the bucket, as Prometheus's histogram_quantile does.
 * When it falls in the +Inf bucket, the highest finite bound is returned (use quantileWithBucket to
 * tell that case apart).
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number | undefined {
  return quantileWithBucket(q, buckets)?.estimate;
}

/** The bucket holding the largest observation: the maximum is somewhere in it (hi Infinity: above the top edge). */
export function maxBucket(buckets: Bucket[]): QuantileBucket | undefined {
  let prevLe = 0;
  let prevCount = 0;
  let found: QuantileBucket | undefined;
  for (const b of buckets) {
    if (b.count > prevCount) found = { lo: prevLe, hi: b.le };
    if (Number.isFinite(b.le)) prevLe = b.le;
    prevCount = Math.max(prevCount, b.count);
  }
  return found;
}

/** Share of observations at or below `bound` (bound must be a bucket edge for an exact answer). */
export function shareAtOrBelow(bound: number, buckets: Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  let below = 0;
  for (const b of buckets) if (b.le <= bound + 1e-12) below = b.count;
  return below / total;
}

/**
 * The range a ratio a / b of two bucketed figures can take: from a's lower edge over b's upper edge
 * to a's upper edge over b's lower edge. `hi` is Infinity when a is in the +Inf bucket or b's bucket
 * starts at 0; `lo` is 0 when b is in the +Inf bucket.
 */
export function ratioRange(a: QuantileBucket, b: QuantileBucket): { lo: number; hi: number } {
  const lo = Number.isFinite(b.hi) && b.hi > 0 ? a.lo / b.hi : 0;
  const hi = Number.isFinite(a.hi) && b.lo > 0 ? a.hi / b.lo : Infinity;
  return { lo, hi };
}
