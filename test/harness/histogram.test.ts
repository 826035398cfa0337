import { describe, expect, it } from "vitest";
import { histogramQuantile, maxBucket, quantileWithBucket, ratioRange } from "../../harness/analyze/histogram.js";
import { approxMs, bucketRangeMs, latencyQuantiles, maxMs, ratioRangeText } from "../../harness/report/format.js";

// cumulative buckets in seconds, like the reference server's pickup histogram (edges 0.002, 0.005, 0.05, 0.075, 0.1, +Inf)
const window = [
  { le: 0.002, count: 0 },
  { le: 0.005, count: 10 },
  { le: 0.05, count: 10 },
  { le: 0.075, count: 20 },
  { le: 0.1, count: 20 },
  { le: Infinity, count: 20 },
];

describe("histogram quantiles carry the bucket they fall in", () => {
  it("gives the estimate and the bucket's edges", () => {
    const p25 = quantileWithBucket(0.25, window)!;
    expect(p25.estimate).toBeCloseTo(0.0035, 6);
    expect(p25.bucket).toEqual({ lo: 0.002, hi: 0.005 });
    const p75 = quantileWithBucket(0.75, window)!;
    expect(p75.bucket).toEqual({ lo: 0.05, hi: 0.075 });
  });

  it("puts a quantile in the +Inf bucket above the top edge, not at it", () => {
    const tail = [
      { le: 0.1, count: 90 },
      { le: 60, count: 90 },
      { le: Infinity, count: 100 },
    ];
    const p99 = quantileWithBucket(0.99, tail)!;
    expect(p99.bucket).toEqual({ lo: 60, hi: Infinity });
    expect(histogramQuantile(0.99, tail)).toBe(60); // the number alone cannot tell "60" from "above 60"
    expect(maxBucket(tail)).toEqual({ lo: 60, hi: Infinity });
    expect(maxBucket(window)).toEqual({ lo: 0.05, hi: 0.075 });
  });

  it("is undefined with no observations", () => expect(quantileWithBucket(0.5, window.map((b) => ({ ...b, count: 0 })))).toBeUndefined());

  it("bounds a ratio of two bucketed figures by the ratios of their edges", () => {
    // seed 002 in the README: p50 58.3 ms in 50–75 ms against 3.1 ms in 2–5 ms is "19x" but only 10x–37.5x is known
    const r = ratioRange({ lo: 50, hi: 75 }, { lo: 2, hi: 5 });
    expect(r.lo).toBeCloseTo(10, 9);
    expect(r.hi).toBeCloseTo(37.5, 9);
    expect(ratioRangeText(r)).toBe("10x–38x"); // rounded outwards: the printed range holds the true one
    expect(ratioRangeText({ lo: 0.02667, hi: 0.1 })).toBe("0.026x–0.1x");
    expect(ratioRangeText({ lo: 1.5, hi: 1.5 })).toBe("1.5x");
    // a first bucket starts at 0: no upper limit on the ratio
    expect(ratioRangeText(ratioRange({ lo: 30, hi: 50 }, { lo: 0, hi: 0.5 }))).toBe("at least 60x");
    // a figure in the +Inf bucket: no upper limit either
    expect(ratioRange({ lo: 60, hi: Infinity }, { lo: 2, hi: 5 }).hi).toBe(Infinity);
  });
});

describe("printing histogram-derived figures", () => {
  it("marks an estimate with ≈ and its bucket", () => {
    expect(approxMs(3.1, { lo: 2.5, hi: 5 })).toBe("≈ 3.1 ms (bucket 2.5–5 ms)");
    expect(approxMs(880, { lo: 750, hi: 1000 })).toBe("≈ 880 ms (bucket 750 ms–1 s)");
    expect(approxMs(3.1)).toBe("≈ 3.1 ms");
  });
  it("prints a quantile in the +Inf bucket as above the top edge", () => {
    expect(approxMs(60_000, { lo: 60_000, hi: null })).toBe("> 60 s");
    expect(bucketRangeMs({ lo: 60_000, hi: null })).toBe("> 60 s");
    expect(maxMs(60_000, { lo: 60_000, hi: null })).toBe("> 60 s");
    expect(maxMs(150, { lo: 100, hi: 150 })).toBe("≤ 150 ms");
  });
  it("prints a latency summary with every quantile's bucket", () => {
    const line = latencyQuantiles({ count: 20, p50: 5, p95: 72.5, p99: 60_000, max: 60_000, p50Bucket: { lo: 2, hi: 5 }, p95Bucket: { lo: 50, hi: 75 }, p99Bucket: { lo: 60_000, hi: null }, maxBucket: { lo: 60_000, hi: null } });
    expect(line).toBe("p50 ≈ 5.0 ms (bucket 2–5 ms), p95 ≈ 72.5 ms (bucket 50–75 ms), p99 > 60 s, max > 60 s");
  });
});
