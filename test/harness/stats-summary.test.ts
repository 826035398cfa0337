import { describe, expect, it } from "vitest";
import { median, rangesOverlap, ratio, reduction, spread, summarize, withinNoise } from "../../harness/stats/summary.js";

describe("stats/summary", () => {
  it("takes the median of odd and even counts without reordering the input", () => {
    const v = [3, 1, 2];
    expect(median(v)).toBe(2);
    expect(v).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it("summarises finite values only, and nothing as null", () => {
    expect(summarize([2, null, 5, undefined, Number.NaN, 1])).toEqual({ n: 3, median: 2, min: 1, max: 5 });
    expect(summarize([null, undefined])).toBeNull();
    expect(spread({ n: 3, median: 2, min: 1, max: 5 })).toBe(4);
  });

  it("calls overlapping ranges within noise, and single runs unknown", () => {
    const a = { n: 3, median: 10, min: 9, max: 11 };
    const b = { n: 3, median: 11.5, min: 10.5, max: 12 };
    const c = { n: 3, median: 20, min: 19, max: 21 };
    expect(rangesOverlap(a, b)).toBe(true);
    expect(withinNoise(a, b)).toBe(true);
    expect(withinNoise(a, c)).toBe(false);
    expect(withinNoise({ n: 1, median: 10, min: 10, max: 10 }, c)).toBeNull();
    // touching ranges share a value
    expect(rangesOverlap({ n: 2, median: 1, min: 0, max: 1 }, { n: 2, median: 2, min: 1, max: 3 })).toBe(true);
  });

  it("computes the reduction from the medians with the range the repeats allow", () => {
    const before = { n: 3, median: 24.5, min: 24, max: 25 };
    const after = { n: 3, median: 0.5, min: 0.4, max: 0.6 };
    const r = reduction(before, after)!;
    expect(r.median).toBeCloseTo(0.98, 3);
    expect(r.min).toBeCloseTo(1 - 0.6 / 24, 6);
    expect(r.max).toBeCloseTo(1 - 0.4 / 25, 6);
    expect(reduction({ n: 1, median: 0, min: 0, max: 0 }, after)).toBeNull();
    expect(ratio(before, after)).toBeCloseTo(49, 6);
    expect(ratio(before, { n: 1, median: 0, min: 0, max: 0 })).toBeNull();
  });
});
