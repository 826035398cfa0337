import { describe, expect, it } from "vitest";
import { bootstrapMedian, bootstrapMedianDifference, median, quantileSorted } from "../../harness/stats/bootstrap.js";
import { mulberry32 } from "../../harness/stats/prng.js";

describe("seeded bootstrap", () => {
  it("computes medians and quantiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(() => median([])).toThrow();
  });

  it("the PRNG is deterministic per seed and uniform-ish", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeGreaterThan(0.45);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeLessThan(0.55);
  });

  it("gives the same interval for the same data and seed", () => {
    const b = [1, 1.2, 0.9, 1.1, 1.0];
    const c = [1.5, 1.7, 1.4, 1.6, 1.9];
    expect(bootstrapMedianDifference(b, c, { seed: 3 })).toEqual(bootstrapMedianDifference(b, c, { seed: 3 }));
  });

  it("brackets the difference of medians, and spans the ranges for 3 runs per side", () => {
    const i = bootstrapMedianDifference([1, 2, 3], [11, 12, 13]);
    expect(i.estimate).toBe(10);
    expect(i.low).toBeCloseTo(11 - 3, 6);
    expect(i.high).toBeCloseTo(13 - 1, 6);
    const m = bootstrapMedian([5, 6, 7, 8, 9]);
    expect(m.estimate).toBe(7);
    expect(m.low).toBeLessThanOrEqual(7);
    expect(m.high).toBeGreaterThanOrEqual(7);
  });

  it("a single run per side gives a point interval", () => {
    const i = bootstrapMedianDifference([2], [3]);
    expect(i).toMatchObject({ estimate: 1, low: 1, high: 1 });
  });
});
