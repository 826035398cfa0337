/**
 * Bootstrap intervals for medians of small sets of repeats (3 to 10 runs), the shape a CI gate
 * has. Percentile bootstrap with a seeded generator, so the same data always gives the same
 * interval. Hand-written (about 40 lines) because no statistics library is installed and the
 * method is short enough to read in full.
 */
import { mulberry32, type Random } from "./prng.js";
import { median } from "./summary.js";

export { median };

/** The q-quantile (0..1) of sorted values, linear between order statistics (type 7, as in R). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of an empty list");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

function resampleMedian(values: readonly number[], rnd: Random, scratch: number[]): number {
  for (let i = 0; i < values.length; i++) scratch[i] = values[Math.floor(rnd() * values.length)] as number;
  return median(scratch);
}

export interface BootstrapOptions {
  /** resamples; 2000 is plenty for a 95% percentile interval */
  resamples?: number;
  /** two-sided confidence, e.g. 0.95 */
  confidence?: number;
  seed?: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
}

/** Percentile bootstrap interval of median(values). */
export function bootstrapMedian(values: readonly number[], opts: BootstrapOptions = {}): Interval {
  const { resamples = 2000, confidence = 0.95, seed = 1 } = opts;
  const rnd = mulberry32(seed);
  const scratch = new Array<number>(values.length);
  const stats: number[] = [];
  for (let i = 0; i < resamples; i++) stats.push(resampleMedian(values, rnd, scratch));
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate: median(values), low: quantileSorted(stats, tail), high: quantileSorted(stats, 1 - tail), confidence };
}

/**
 * Percentile bootstrap interval of median(current) - median(baseline): each resample draws both
 * sets with replacement, independently. With 3 runs per side the 95% interval spans roughly
 * [min(current) - max(baseline), max(current) - min(baseline)]: conservative, as it should be.
 */
export function bootstrapMedianDifference(baseline: readonly number[], current: readonly number[], opts: BootstrapOptions = {}): Interval {
  const { resamples = 2000, confidence = 0.95, seed = 1 } = opts;
  const rnd = mulberry32(seed);
  const sb = new Array<number>(baseline.length);
  const sc = new Array<number>(current.length);
  const stats: number[] = [];
  for (let i = 0; i < resamples; i++) stats.push(resampleMedian(current, rnd, sc) - resampleMedian(baseline, rnd, sb));
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate: median(current) - median(baseline), low: quantileSorted(stats, tail), high: quantileSorted(stats, 1 - tail), confidence };
}
