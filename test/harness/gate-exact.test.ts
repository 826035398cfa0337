/** The exact tests behind the gate, on small cases whose answers are known by hand (and from R's wilcox.test / binom.test). */
import { describe, expect, it } from "vitest";
import { binomial, clopperPearson, holmRejects, rankSumTest, repeatsToReach, signRepeatsToReach, signTest, smallestRankSumP } from "../../harness/stats/exact.js";
import { interleavedOrder } from "../../harness/cli/check-command.js";

describe("one-sided exact Mann–Whitney test", () => {
  it("complete separation gives the smallest reachable p, 1/C(n+m, m)", () => {
    expect(rankSumTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(1 / 252, 12);
    expect(rankSumTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).minP).toBeCloseTo(0.003968, 6);
    expect(rankSumTest([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.05, 12);
    expect(rankSumTest([1, 2, 3], [4, 5, 6]).u).toBe(9);
    // the other direction: the current runs are all lower, so "greater" gets p = 1
    expect(rankSumTest([6, 7, 8], [1, 2, 3]).p).toBe(1);
    expect(rankSumTest([6, 7, 8], [1, 2, 3], "less").p).toBeCloseTo(0.05, 12);
  });

  it("counts the permutation tail exactly (wilcox.test(c(3,5,6), c(1,2,4), alternative='greater') gives 0.1)", () => {
    const t = rankSumTest([1, 2, 4], [3, 5, 6]);
    expect(t.u).toBe(8);
    expect(t.p).toBeCloseTo(0.1, 12);
    expect(t.method).toBe("exact");
  });

  it("keeps ties exact with midranks: identical runs give p = 1, a tie at the edge is half a win", () => {
    expect(rankSumTest([1, 1, 1], [1, 1, 1]).p).toBe(1);
    // pooled ranks 1, 2.5, 2.5, 4: y = {2.5, 4}; sums >= 6.5 of 2 ranks: {2.5,4} twice, {4, 2.5}: 2 of 6
    const t = rankSumTest([1, 2], [2, 3]);
    expect(t.u).toBe(3.5);
    expect(t.p).toBeCloseTo(2 / 6, 12);
  });

  it("falls back to the normal approximation only for very many runs", () => {
    const x = Array.from({ length: 70 }, (_, i) => i);
    const t = rankSumTest(x, x.map((v) => v + 0.5));
    expect(t.method).toBe("normal approximation");
    expect(t.p).toBeGreaterThan(0.3);
    expect(t.p).toBeLessThan(0.6);
  });
});

describe("smallest reachable p and the runs needed", () => {
  it("1/C(10,5) = 0.004 for 5 vs 5; 0.05 for 3 vs 3", () => {
    expect(smallestRankSumP(5, 5)).toBeCloseTo(0.00397, 5);
    expect(smallestRankSumP(3, 3)).toBe(0.05);
    expect(binomial(10, 5)).toBe(252);
  });
  it("repeatsToReach: both sides grow in an interleaved check; a saved baseline's size is fixed", () => {
    expect(repeatsToReach(0.05)).toBe(3);
    expect(repeatsToReach(0.05 / 8)).toBe(5); // 1/C(8,4) = 0.014 is not enough, 1/C(10,5) = 0.004 is
    expect(repeatsToReach(0.05 / 8, 3)).toBe(8); // 1/C(11,3) = 0.006
    expect(repeatsToReach(1e-12, 1, 50)).toBe(Infinity);
  });
  it("sign test: 0.5^n is the smallest p; runs needed for a level", () => {
    expect(signTest([3, 4, 5, 6, 7], 2)).toEqual({ above: 5, n: 5, p: 1 / 32, minP: 1 / 32 });
    expect(signTest([1, 4, 5, 6, 7], 2).p).toBeCloseTo(6 / 32, 12);
    expect(signTest([2, 2, 3], 2).n).toBe(1); // ties with the limit are left out
    expect(signRepeatsToReach(0.05)).toBe(5);
    expect(signRepeatsToReach(0.05 / 3)).toBe(6);
    expect(signRepeatsToReach(0.5)).toBe(1);
  });
});

describe("Holm and Clopper–Pearson", () => {
  it("Holm steps down from alpha/m and stops at the first failure", () => {
    expect(holmRejects([0.01, 0.04, 0.03], 0.05)).toEqual([true, false, false]);
    expect(holmRejects([0.01, 0.02, 0.04], 0.05)).toEqual([true, true, true]);
    expect(holmRejects([0.02, 0.004], 0.05)).toEqual([true, true]);
    expect(holmRejects([], 0.05)).toEqual([]);
  });
  it("matches binom.test's exact intervals", () => {
    const zero = clopperPearson(0, 20);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.1684, 3);
    const most = clopperPearson(18, 20);
    expect(most.low).toBeCloseTo(0.683, 3);
    expect(most.high).toBeCloseTo(0.9877, 3);
    expect(clopperPearson(20, 20).high).toBe(1);
  });
});

describe("interleaved order", () => {
  it("alternates pairs A B, B A so each side goes first half the time", () => {
    expect(interleavedOrder(1)).toEqual(["base", "head"]);
    expect(interleavedOrder(4)).toEqual(["base", "head", "head", "base", "base", "head", "head", "base"]);
    const o = interleavedOrder(5);
    expect(o.filter((s) => s === "base")).toHaveLength(5);
    // a linear drift: the mean position of each side differs by at most one step
    const pos = (side: string): number => o.reduce((s, x, i) => s + (x === side ? i : 0), 0) / 5;
    expect(Math.abs(pos("base") - pos("head"))).toBeLessThanOrEqual(0.2);
  });
});
