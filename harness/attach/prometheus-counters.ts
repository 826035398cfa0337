/**
 * Counters from a Prometheus server's raw samples over a window: the increase between two real
 * scrapes, with every counter reset, scrape gap and missing stretch named, never averaged away.
 *
 * A counter is cumulative, so the increase between the scrape nearest the window's start and the
 * one nearest its end is exact whatever happened between them (a gap loses time resolution, not the
 * total). A reset (the exporter or process restarted: the value went down) is counted as Prometheus
 * increase() does (the post-reset value is the increase since the reset) and reported with its time.
 */
import type { PromSeries } from "./prometheus-source.js";

export interface CounterWindow {
  /** the increase from point `a` to point `z`, resets counted as Prometheus does */
  increase: number;
  /** unix seconds of the two scrapes the increase lies between */
  fromT: number;
  toT: number;
  /** times (unix seconds) a reset was seen between a and z */
  resets: number[];
  /** [from, to] unix seconds of stretches with no sample for longer than twice the resolution */
  gaps: [number, number][];
  /** true when no two samples lay inside the window and the figure covers the scrapes around it */
  widened: boolean;
  /** the reset-adjusted cumulative value at each point (same order as the series' points) */
  adjusted: number[];
}

/** The median time between consecutive samples over every series: the resolution the data allows. */
export function medianSpacing(series: PromSeries[]): number | null {
  const d: number[] = [];
  for (const s of series) for (let i = 1; i < s.points.length; i++) d.push((s.points[i] as [number, number])[0] - (s.points[i - 1] as [number, number])[0]);
  if (d.length === 0) return null;
  d.sort((x, y) => x - y);
  const mid = Math.floor(d.length / 2);
  return d.length % 2 ? (d[mid] as number) : ((d[mid - 1] as number) + (d[mid] as number)) / 2;
}

/** Cumulative values with resets taken out (the value after a drop counts as the increase since it). */
export function adjustedCumulative(points: [number, number][]): { adjusted: number[]; resetsAt: number[] } {
  const adjusted: number[] = [];
  const resetsAt: number[] = [];
  let acc = 0;
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i] as [number, number];
    if (i === 0) acc = v;
    else {
      const prev = (points[i - 1] as [number, number])[1];
      if (v < prev) {
        resetsAt.push(t);
        acc += v;
      } else acc += v - prev;
    }
    adjusted.push(acc);
  }
  return { adjusted, resetsAt };
}

/**
 * The counter's increase over the window [t0, t1] (unix seconds) from its raw samples, given the
 * data's resolution. The start point is the last scrape at or before t0 when it is within two
 * resolutions of it, else the first one inside the window; the end point is the last scrape at or
 * before t1. With fewer than two scrapes inside, it widens to the scrapes around the window (and
 * says so); null when even that is impossible.
 */
export function counterWindow(series: PromSeries, t0: number, t1: number, resolutionS: number): CounterWindow | null {
  const pts = series.points;
  if (pts.length < 2) return null;
  const { adjusted, resetsAt } = adjustedCumulative(pts);
  const near = 2 * resolutionS;
  let a = -1;
  let z = -1;
  for (let i = 0; i < pts.length; i++) {
    const t = (pts[i] as [number, number])[0];
    if (t <= t0 && t0 - t <= near + 1e-9) a = i;
    if (a < 0 && t >= t0 && t <= t1) a = i;
    if (t <= t1 + 1e-9) z = i;
  }
  let widened = false;
  if (a < 0 || z <= a) {
    // fewer than two scrapes inside the window: the scrapes around it, wider than the window
    let before = -1;
    let after = -1;
    for (let i = 0; i < pts.length; i++) {
      const t = (pts[i] as [number, number])[0];
      if (t <= t0) before = i;
      if (t >= t1 && after < 0) after = i;
    }
    if (before < 0 || after < 0 || after <= before) return null;
    a = before;
    z = after;
    widened = true;
  }
  const gaps: [number, number][] = [];
  for (let i = a + 1; i <= z; i++) {
    const p = (pts[i - 1] as [number, number])[0];
    const q = (pts[i] as [number, number])[0];
    if (q - p > near + 1e-9) gaps.push([p, q]);
  }
  const fromT = (pts[a] as [number, number])[0];
  const toT = (pts[z] as [number, number])[0];
  return {
    increase: (adjusted[z] as number) - (adjusted[a] as number),
    fromT,
    toT,
    resets: resetsAt.filter((t) => t > fromT && t <= toT),
    gaps,
    widened,
    adjusted,
  };
}

/** The last gauge value at or before t1 (and not older than `maxAgeS`), or null. */
export function gaugeAt(series: PromSeries, t1: number, maxAgeS: number): number | null {
  let v: number | null = null;
  for (const [t, x] of series.points) if (t <= t1 + 1e-9 && t1 - t <= maxAgeS) v = x;
  return v;
}

/**
 * The counter's rate between the scrapes nearest two times (each within `tolS`), per second; null
 * when either has no scrape near it. Used for the report's CPU-every-interval rows.
 */
export function rateBetween(series: PromSeries, adjusted: number[], from: number, to: number, tolS: number): number | null {
  const nearest = (t: number): number => {
    let best = -1;
    for (let i = 0; i < series.points.length; i++) {
      const d = Math.abs((series.points[i] as [number, number])[0] - t);
      if (d <= tolS + 1e-9 && (best < 0 || d < Math.abs((series.points[best] as [number, number])[0] - t))) best = i;
    }
    return best;
  };
  const i = nearest(from);
  const j = nearest(to);
  if (i < 0 || j <= i) return null;
  const dt = (series.points[j] as [number, number])[0] - (series.points[i] as [number, number])[0];
  return dt > 0 ? ((adjusted[j] as number) - (adjusted[i] as number)) / dt : null;
}
