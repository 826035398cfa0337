/**
 * Verdicts across several runs (a sweep or a comparison): does CPU follow the poll interval that
 * was changed? Runs must differ in one param whose values are intervals; repeats are medianed.
 */
import { median as medianOf } from "../stats/summary.js";
import type { RunResult, Verdict } from "../analyze/result-types.js";
import { fmtPct, round } from "./format.js";
import { THRESHOLDS } from "./thresholds.js";
import { verdict } from "./rules/context.js";

/** The poll interval in ms a param value stands for: 100, "100", "fixed:100", "long-poll:100"; null otherwise. */
export function intervalMs(value: string | number | boolean | undefined): number | null {
  if (typeof value === "number") return value > 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^(?:(?:fixed|jitter|notify|long-poll):)?(\d+(?:\.\d+)?)(?:ms)?$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

function params(results: RunResult[]): string[] {
  const keys = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.params)) keys.add(k);
  return [...keys].filter((k) => new Set(results.map((r) => JSON.stringify(r.params[k] ?? null))).size > 1);
}

/** The median, 0 for no values (a condition with no readings contributes nothing). */
function median(xs: number[]): number {
  return xs.length ? medianOf(xs) : 0;
}

export function sweepVerdictRecords(results: RunResult[]): Verdict[] {
  const ok = results.filter((r) => r.status === "ok");
  if (ok.length < 2) return [];
  const out: Verdict[] = [];
  if (new Set(ok.map((r) => r.profiled || "")).size > 1) out.push(verdict(null, "sweep-profiled-mixed", "profiled and unprofiled runs are mixed: their CPU figures are not compared", {}));
  const differing = params(ok);
  if (differing.length !== 1) return out;
  const key = differing[0] as string;
  const byInterval = new Map<number, number[]>();
  for (const r of ok) {
    const ms = intervalMs(r.params[key]);
    if (ms === null) return out;
    const cpu = (r.roles.server?.cpuPercent ?? 0) + (r.roles.worker?.cpuPercent ?? 0);
    byInterval.set(ms, [...(byInterval.get(ms) ?? []), cpu]);
  }
  const intervals = [...byInterval.keys()].sort((a, b) => a - b);
  const lo = intervals[0];
  const hi = intervals[intervals.length - 1];
  if (lo === undefined || hi === undefined || hi / lo < THRESHOLDS.sweepMinIntervalFactor) return out;
  const cpuLo = median(byInterval.get(lo) ?? []);
  const cpuHi = median(byInterval.get(hi) ?? []);
  if (cpuLo < THRESHOLDS.sweepMinCpuPercent) return out;
  const evidence = { param: key, shortestMs: lo, longestMs: hi, cpuAtShortest: round(cpuLo, 2), cpuAtLongest: round(cpuHi, 2) };
  if (cpuHi >= cpuLo * THRESHOLDS.sweepFlatCpuRatio) {
    out.push(verdict(null, "sweep-cpu-flat", `CPU does not follow the poll interval you changed (${fmtPct(cpuLo)} at ${lo} ms, ${fmtPct(cpuHi)} at ${hi} ms; server + workers, ${key}): another loop is burning`, evidence));
  } else {
    out.push(verdict(null, "sweep-cpu-follows", `CPU follows the poll interval (${fmtPct(cpuLo)} at ${lo} ms, ${fmtPct(cpuHi)} at ${hi} ms; server + workers, ${key})`, evidence));
  }
  return out;
}

/** The sweep verdicts in words. */
export function sweepVerdicts(results: RunResult[]): string[] {
  return sweepVerdictRecords(results).map((v) => v.text);
}
