/**
 * comparison.json: the source of every comparison table. Built from saved results only
 * (build-comparison.ts), so `harness compare` rebuilds exactly what `harness run a b` wrote.
 */
import type { Summary } from "../stats/summary.js";
import type { Verdict } from "../analyze/result-types.js";

export const COMPARISON_SCHEMA_VERSION = 1;

/** The histogram bucket edges (ms) a quantile fell in over a condition's runs: the lowest lower edge and the highest upper edge. */
export interface BucketSpan {
  lo: number;
  /** null when some run's quantile fell in the +Inf bucket (only known to be above its lower edge) */
  hi: number | null;
  /** runs whose quantile fell in the +Inf bucket */
  aboveTop: number;
  /** runs with an edge recorded */
  n: number;
}

/** The figures compared, each summarised over a condition's runs (median, min, max). */
export interface ConditionFigures {
  /** server role CPU, percent of one core */
  serverCpu: Summary | null;
  /** worker role CPU (all worker processes), percent of one core */
  workerCpu: Summary | null;
  /** database role CPU (the Postgres cluster: postmaster and backends), when the runs had one */
  databaseCpu?: Summary | null;
  /** context switches per second, server + workers */
  wakeupsPerS: Summary | null;
  serverWakeupsPerS: Summary | null;
  workerWakeupsPerS: Summary | null;
  pollsPerS: Summary | null;
  /** share of polls that came back empty, 0..1 */
  emptyPollShare: Summary | null;
  /** histogram estimates (ms): see pickupP50BucketMs for the bucket edges they fall in */
  pickupP50Ms: Summary | null;
  pickupP99Ms: Summary | null;
  /** the bucket edges the runs' pickup p50 / p99 fell in (absent for results written before the edges were stored) */
  pickupP50BucketMs?: BucketSpan | null;
  pickupP99BucketMs?: BucketSpan | null;
  /** polls per second per worker (distinct worker ids the server saw) x 86,400 */
  requestsPerDayPerWorker: Summary | null;
  notificationsPerS: Summary | null;
  notifiedPollsPerS: Summary | null;
  /** polls triggered by a notification that found nothing: wasted wake-ups */
  notifiedEmptyPollsPerS: Summary | null;
  /** fan-out per enqueued job (seed 003), when the result has it */
  notificationsPerEnqueue?: Summary | null;
  pollsTriggeredPerEnqueue?: Summary | null;
  /** notifications that did not end in a claim, per enqueued job */
  wastedWakeupsPerEnqueue?: Summary | null;
  /** round trips/s of the run's busiest TCP connection (wire evidence), when the results have it */
  busiestConnectionRoundTripsPerS?: Summary | null;
  /** wake-ups/s of the run's busiest pair of measured processes (waker → woken, the scheduler's count), when the results have them */
  busiestWakePairPerS?: Summary | null;
  /** that pair, "server → worker" (the most frequent over the runs) */
  busiestWakePair?: string | null;
}

export type FigureName = keyof ConditionFigures;

export interface ComparisonRun {
  /** the run folder, as given or relative to the comparison folder */
  path: string;
  status: "ok" | "failed" | "interrupted";
  startedAt: string;
  command: string;
}

export interface Condition {
  /** short label shown in tables: the scenario name, or the swept value */
  label: string;
  scenario: string;
  params: Record<string, string | number | boolean>;
  /** value of the swept param, when the comparison is a sweep */
  sweepValue: string | number | boolean | null;
  runs: ComparisonRun[];
  /** runs that did not end "ok" are listed but left out of the figures */
  figures: ConditionFigures;
  notes: string[];
}

export interface Comparison {
  schemaVersion: number;
  /** the param that differs between conditions, when they are one scenario swept over one param */
  sweepKey: string | null;
  conditions: Condition[];
  /** the window of the runs (seconds), when all runs share it; else null */
  window: { warmupS: number; durationS: number } | null;
  machine: string | null;
  problems: string[];
  /** the diagnosis: across the runs (sweep), then each run's own (absent in comparisons written before verdicts) */
  verdicts?: ComparisonVerdicts;
}

export interface ComparisonVerdicts {
  /** verdicts across the runs, e.g. CPU that does not follow a swept interval */
  sweep: Verdict[];
  /** each run's verdicts (result.verdicts, or diagnosed from an older result) */
  runs: { label: string; path: string; status: "ok" | "failed" | "interrupted"; verdicts: Verdict[] }[];
}
