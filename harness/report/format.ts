/** Number formatting shared by every exporter. */
import type { BucketBoundsMs, LatencySummary } from "../analyze/result-types.js";

export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return `${x.toFixed(digits)}%`;
}

export function num(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (Math.abs(x) >= 10_000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(digits);
}

export function share(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  return `${(x * 100).toFixed(x >= 0.995 || x === 0 ? 0 : 1)}%`;
}

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  return `${x.toFixed(x >= 100 ? 0 : 1)} ms`;
}

/** A table from a header row and rows of already-escaped cells. */
export function table(header: string[], rows: string[][], align?: ("l" | "r")[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---"));
  return [header, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** A bucket edge in ms, as short as it is exact: "2.5 ms", "150 ms", "1 s", "2.5 s". */
function edgeParts(x: number): [string, string] {
  const short = (v: number): string => String(Number(v.toPrecision(3)));
  return x >= 1000 ? [short(x / 1000), "s"] : [short(x), "ms"];
}

export function edgeMs(x: number): string {
  return edgeParts(x).join(" ");
}

/** "2.5–5 ms", "750 ms–1 s", "> 60 s" (the +Inf bucket). */
export function bucketRangeMs(b: BucketBoundsMs): string {
  if (b.hi === null) return `> ${edgeMs(b.lo)}`;
  const [lo, loUnit] = edgeParts(b.lo);
  const [hi, hiUnit] = edgeParts(b.hi);
  return loUnit === hiUnit ? `${lo}–${hi} ${hiUnit}` : `${lo} ${loUnit}–${hi} ${hiUnit}`;
}

/**
 * A histogram-derived figure: "≈ 3.1 ms (bucket 2.5–5 ms)": an estimate inside the bucket, which is
 * what was measured. In the +Inf bucket: "> 60 s" (the top edge is not a value). Without bounds
 * (results written before they were stored): "≈ 3.1 ms".
 */
export function approxMs(x: number | null | undefined, bucket?: BucketBoundsMs): string {
  if (x === null || x === undefined) return "–";
  if (!bucket) return `≈ ${ms(x)}`;
  if (bucket.hi === null) return `> ${edgeMs(bucket.lo)}`;
  return `≈ ${ms(x)} (bucket ${bucketRangeMs(bucket)})`;
}

/** The largest observation of a histogram: "≤ 150 ms" (its bucket's upper edge) or "> 60 s" (the +Inf bucket). */
export function maxMs(max: number, bucket?: BucketBoundsMs): string {
  if (bucket?.hi === null) return `> ${edgeMs(bucket.lo)}`;
  return `≤ ${edgeMs(bucket?.hi ?? max)}`;
}

/** "p50 ≈ 3.1 ms (bucket 2.5–5 ms), p95 …, p99 …, max ≤ 10 ms" */
export function latencyQuantiles(l: LatencySummary, which: ("p50" | "p95" | "p99")[] = ["p50", "p95", "p99"]): string {
  return [...which.map((k) => `${k} ${approxMs(l[k], l[`${k}Bucket`])}`), `max ${maxMs(l.max, l.maxBucket)}`].join(", ");
}

/** A ratio's range from bucket bounds: "10x–38x"; "at least 60x" when unbounded above, "at most 0.1x" when not bounded below; "unknown" when nothing bounds it. */
export function ratioRangeText(r: { lo: number; hi: number }): string {
  // the lower end rounded down and the upper end up, so the printed range still holds the true one
  const x = (v: number, round: (n: number) => number): string => {
    if (v === 0) return "0x";
    const step = v >= 10 ? 1 : 10 ** (Math.floor(Math.log10(v)) - 1);
    return `${Number((round(v / step - (round === Math.floor ? -1e-9 : 1e-9)) * step).toPrecision(3))}x`;
  };
  if (!Number.isFinite(r.hi)) return r.lo > 0 ? `at least ${x(r.lo, Math.floor)}` : "unknown (a bucket starts at 0 or is +Inf)";
  if (r.lo <= 0) return `at most ${x(r.hi, Math.ceil)}`;
  const lo = x(r.lo, Math.floor);
  const hi = x(r.hi, Math.ceil);
  return lo === hi ? lo : `${lo}–${hi}`;
}

/**
 * Whether a process was measured at all: a process started but never read in the window (the run
 * failed or was interrupted before its first reading) has no figures, and shows "–", never 0.
 */
export function wasMeasured(p: { samples: unknown[] }): boolean {
  return p.samples.length > 0;
}

/** A role's mean CPU when at least one of its processes was measured, else undefined ("–"). */
export function measuredRoleCpu(r: { processes: { role: string; samples: unknown[] }[]; roles: Partial<Record<string, { cpuPercent: number }>> }, role: string): number | undefined {
  return r.processes.some((p) => p.role === role && wasMeasured(p)) ? r.roles[role]?.cpuPercent : undefined;
}
