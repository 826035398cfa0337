/**
 * Medians and spread across repeated runs, and the "within noise" rule of every comparison:
 * a difference smaller than the repeats' spread (the min–max ranges overlap) is not a win.
 * Hand-written because it is four one-line functions; a statistics library would add a dependency
 * for less code than its import.
 */

export interface Summary {
  /** how many values (runs) the summary is over */
  n: number;
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function min(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("min of no values");
  return Math.min(...values);
}

export function max(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("max of no values");
  return Math.max(...values);
}

/** max − min of the values (0 for one value). */
export function spread(s: Summary): number {
  return s.max - s.min;
}

/** The summary of the finite values, or null when there are none (e.g. a figure no run measured). */
export function summarize(values: readonly (number | null | undefined)[]): Summary | null {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return null;
  return { n: v.length, median: median(v), min: min(v), max: max(v) };
}

/** True when the two min–max ranges share at least one value. */
export function rangesOverlap(a: Summary, b: Summary): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/**
 * Whether the difference between a and b is within the noise of the repeats: true when their
 * ranges overlap, false when they do not, null when either has a single run (no spread to judge by).
 */
export function withinNoise(a: Summary, b: Summary): boolean | null {
  if (a.n < 2 || b.n < 2) return null;
  return rangesOverlap(a, b);
}

/**
 * The reduction from `before` to `after` as a share of `before` (0.98 = 98% less), from the medians,
 * with the range the repeats allow (worst case: before's min against after's max). Null when
 * before is not positive.
 */
export function reduction(before: Summary, after: Summary): { median: number; min: number; max: number } | null {
  if (!(before.median > 0) || !(before.min > 0) || !(before.max > 0)) return null;
  return {
    median: 1 - after.median / before.median,
    min: 1 - after.max / before.min,
    max: 1 - after.min / before.max,
  };
}

/** The ratio a / b of the medians, or null when b's median is not positive. */
export function ratio(a: Summary, b: Summary): number | null {
  return b.median > 0 ? a.median / b.median : null;
}
