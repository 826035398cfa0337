/**
 * Exact tests for the gate's small samples (3 to 20 runs a side), where asymptotic formulas and
 * bootstrap intervals are not to be trusted:
 * - a one-sided Mann–Whitney (Wilcoxon rank-sum) test, its p-value from the exact permutation
 *   distribution of the rank sum (ties get midranks and stay exact: the distribution is counted
 *   over the pooled values as they are);
 * - a one-sided exact sign test of a median against a fixed limit;
 * - the smallest p-value a design can reach, and the repeats needed to reach a level;
 * - Holm's step-down correction over several figures, and Clopper–Pearson bounds of a rate.
 * Hand-written because no statistics library is installed and each is a few lines to read.
 */

/** C(n, k) as a floating-point number (exact up to 2^53, a close approximation beyond). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= kk; i++) c = (c * (n - kk + i)) / i;
  return c < 2 ** 53 ? Math.round(c) : c;
}

/** Midranks (1-based) of `values` within the sorted pool, doubled so they are whole numbers. */
function doubledMidranks(pool: readonly number[]): number[] {
  const order = pool.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(pool.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as { v: number }).v === (order[i] as { v: number }).v) j++;
    // positions i..j (0-based) share the midrank ((i+1)+(j+1))/2; doubled: i+j+2
    for (let k = i; k <= j; k++) ranks[(order[k] as { i: number }).i] = i + j + 2;
    i = j + 1;
  }
  return ranks;
}

export interface RankSumTest {
  /** Mann–Whitney U of the second sample (pairs where it is larger, ties counting one half) */
  u: number;
  /** one-sided p-value, exact over the permutations of the pooled values */
  p: number;
  /** the smallest p-value this design (sizes) can give: 1 / C(n + m, m) */
  minP: number;
  method: "exact" | "normal approximation";
}

/** Above this many pooled values the exact count gets slow; the normal approximation is used instead. */
export const EXACT_LIMIT = 120;

/**
 * One-sided test that `y` tends to be larger ("greater") or smaller ("less") than `x`.
 * For the gate: x = baseline, y = current − allowance, alternative "greater": a small p says the
 * current runs exceed the baseline by more than the allowance.
 */
export function rankSumTest(x: readonly number[], y: readonly number[], alternative: "greater" | "less" = "greater"): RankSumTest {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new RangeError("a rank-sum test needs values on both sides");
  const pool = [...x, ...y];
  const ranks = doubledMidranks(pool);
  let observed = 0;
  for (let k = n; k < n + m; k++) observed += ranks[k] as number;
  const u = observed / 2 - (m * (m + 1)) / 2;
  const minP = 1 / binomial(n + m, m);
  if (n + m > EXACT_LIMIT) {
    // normal approximation with the tie correction (only for unusually many repeats)
    const N = n + m;
    const counts = new Map<number, number>();
    for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
    let tie = 0;
    for (const t of counts.values()) tie += t ** 3 - t;
    const sd = Math.sqrt(((n * m) / 12) * (N + 1 - tie / (N * (N - 1))));
    const z = sd > 0 ? (u - (n * m) / 2) / sd : 0;
    const p = alternative === "greater" ? 1 - normalCdf(z) : normalCdf(z);
    return { u, p, minP, method: "normal approximation" };
  }
  // ways[k][s]: subsets of k pooled values whose doubled ranks sum to s
  const total = ranks.reduce((a, b) => a + b, 0);
  let ways: Float64Array[] = Array.from({ length: m + 1 }, () => new Float64Array(total + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (const r of ranks) {
    const next = ways.map((row) => row.slice());
    for (let k = 1; k <= m; k++) {
      const from = ways[k - 1] as Float64Array;
      const to = next[k] as Float64Array;
      for (let s = r; s <= total; s++) to[s] = (to[s] as number) + (from[s - r] as number);
    }
    ways = next;
  }
  const dist = ways[m] as Float64Array;
  let all = 0;
  let tail = 0;
  for (let s = 0; s <= total; s++) {
    const w = dist[s] as number;
    all += w;
    if (alternative === "greater" ? s >= observed : s <= observed) tail += w;
  }
  return { u, p: tail / all, minP, method: "exact" };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; error below 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface SignTest {
  /** runs strictly above the limit, and runs not equal to it (ties are left out) */
  above: number;
  n: number;
  /** one-sided p-value that the median is above the limit */
  p: number;
  /** the smallest p this many runs can give: 0.5^runs */
  minP: number;
}

/** Exact one-sided sign test: is the median of `values` above `limit`? */
export function signTest(values: readonly number[], limit: number): SignTest {
  const above = values.filter((v) => v > limit).length;
  const n = values.filter((v) => v !== limit).length;
  let tail = 0;
  for (let k = above; k <= n; k++) tail += binomial(n, k);
  return { above, n, p: n === 0 ? 1 : tail / 2 ** n, minP: 0.5 ** values.length };
}

/** The smallest p a rank-sum test of n against m values can reach (complete separation). */
export function smallestRankSumP(n: number, m: number): number {
  return 1 / binomial(n + m, m);
}

/**
 * The fewest current runs (and baseline runs too, when `baselineRuns` is undefined: an interleaved
 * check runs both sides) for which the smallest reachable p is at or below `level`. Infinity when
 * no number up to `max` gets there.
 */
export function repeatsToReach(level: number, baselineRuns?: number, max = 1000): number {
  for (let n = 1; n <= max; n++) {
    const b = baselineRuns ?? n;
    if (smallestRankSumP(b, n) <= level) return n;
  }
  return Infinity;
}

/** The fewest runs for which a sign test can reach a p at or below `level`. */
export function signRepeatsToReach(level: number): number {
  return Math.max(1, Math.ceil(Math.log2(1 / level) - 1e-9));
}

/**
 * Holm's step-down correction: which hypotheses are rejected at family-wise level `alpha`.
 * The p-values are compared, smallest first, with alpha/m, alpha/(m-1), ...; the first one that
 * fails stops the rejections.
 */
export function holmRejects(pValues: readonly number[], alpha: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    const { p, i } = order[k] as { p: number; i: number };
    if (p <= alpha / (m - k)) out[i] = true;
    else break;
  }
  return out;
}

function binomialCdf(k: number, n: number, p: number): number {
  // P(X <= k), X ~ Bin(n, p), summed in log space for stability
  if (k < 0) return 0;
  if (k >= n) return 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logBinomial(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, sum);
}

function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Solve f(p) = target for p in (0, 1), f decreasing in p, by bisection. */
function bisect(f: (p: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Clopper–Pearson (exact binomial) two-sided interval of a rate from k successes in n trials. */
export function clopperPearson(k: number, n: number, confidence = 0.95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const a = (1 - confidence) / 2;
  // low: P(X >= k | p) = a  <=>  1 - P(X <= k-1 | p) = a; high: P(X <= k | p) = a
  const low = k === 0 ? 0 : bisect((p) => binomialCdf(k - 1, n, p), 1 - a);
  const high = k === n ? 1 : bisect((p) => binomialCdf(k, n, p), a);
  return { low, high };
}
