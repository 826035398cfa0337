/**
 * Saved results -> a Comparison. Runs of the same scenario with the same params are repeats of one
 * condition; conditions keep the order of their first run. Pure: no files, no clock.
 */
import { sweepVerdictRecords } from "../diagnose/sweep.js";
import { verdictsOf } from "../diagnose/diagnose.js";
import { wakePairs } from "../analyze/wakeup-figures.js";
import type { BucketBoundsMs, RunResult } from "../analyze/result-types.js";
import { summarize } from "../stats/summary.js";
import { COMPARISON_SCHEMA_VERSION, type BucketSpan, type Comparison, type Condition, type ConditionFigures } from "./comparison-types.js";

export interface SavedRun {
  /** where the run's folder is (shown in the report) */
  path: string;
  result: RunResult;
}

type Params = Record<string, string | number | boolean>;

function conditionKey(r: RunResult): string {
  const sorted = Object.fromEntries(Object.entries(r.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${r.scenario.name}\u0000${JSON.stringify(sorted)}`;
}

/** Params whose values are not the same in every group. */
function differingParams(groups: Params[]): string[] {
  const keys = new Set(groups.flatMap((p) => Object.keys(p)));
  return [...keys].filter((k) => new Set(groups.map((p) => JSON.stringify(p[k] ?? null))).size > 1);
}

/** Distinct workers the server saw polling, else the worker processes. */
function workerCount(r: RunResult): number {
  const ids = new Set(r.server.perLoop.map((l) => l.worker));
  return Math.max(1, ids.size || (r.roles.worker?.count ?? 1));
}

/** The per-enqueue fan-out, read loosely: results written before it existed lack it. */
function fanout(r: RunResult): { notificationsPerEnqueue?: number; pollsTriggeredPerEnqueue?: number; wastedWakeupsPerEnqueue?: number } | null | undefined {
  return (r.server as { fanout?: { notificationsPerEnqueue?: number; pollsTriggeredPerEnqueue?: number; wastedWakeupsPerEnqueue?: number } | null }).fanout;
}

/** The busiest TCP connection's round trips/s (both ends see the same connection: the larger reading); undefined without wire evidence. */
function busiestConnection(r: RunResult): number | undefined {
  const rates = r.processes.flatMap((p) => p.wire?.connections.map((c) => c.roundTripsPerS) ?? []);
  return r.processes.some((p) => p.wire?.source) ? Math.max(0, ...rates) : undefined;
}

/** The busiest waker → woken pair between measured processes (summed over causes); undefined without wake-up counts. */
function busiestWakePair(r: RunResult): { label: string; perS: number } | undefined {
  if (!r.processes.some((p) => p.wakeups?.method)) return undefined;
  const byPair = new Map<string, number>();
  for (const p of wakePairs(r.processes)) if (p.kind === "measured") byPair.set(`${p.from} → ${p.to}`, (byPair.get(`${p.from} → ${p.to}`) ?? 0) + p.perS);
  const [label, perS] = [...byPair.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["none", 0];
  return { label, perS };
}

/** The label seen most often over the runs. */
function mostFrequent(labels: (string | undefined)[]): string | null {
  const n = new Map<string, number>();
  for (const l of labels) if (l) n.set(l, (n.get(l) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

export function figuresOf(runs: RunResult[]): ConditionFigures {
  const f = (pick: (r: RunResult) => number | null | undefined) => summarize(runs.map(pick));
  return {
    serverCpu: f((r) => r.roles.server?.cpuPercent),
    workerCpu: f((r) => r.roles.worker?.cpuPercent),
    ...(runs.some((r) => r.roles.database) ? { databaseCpu: f((r) => r.roles.database?.cpuPercent) } : {}),
    // a role whose wake-ups could not be seen (a Prometheus source without context switches) makes the sum unknown
    wakeupsPerS: f((r) => (r.roles.server?.wakeupsPerS === null || r.roles.worker?.wakeupsPerS === null ? null : r.roles.server || r.roles.worker ? (r.roles.server?.wakeupsPerS ?? 0) + (r.roles.worker?.wakeupsPerS ?? 0) : null)),
    serverWakeupsPerS: f((r) => r.roles.server?.wakeupsPerS),
    workerWakeupsPerS: f((r) => r.roles.worker?.wakeupsPerS),
    pollsPerS: f((r) => r.server.pollsPerS),
    emptyPollShare: f((r) => r.server.emptyPollRatio),
    pickupP50Ms: f((r) => r.server.pickupLatencyMs?.p50),
    pickupP99Ms: f((r) => r.server.pickupLatencyMs?.p99),
    ...(runs.some((r) => r.server.pickupLatencyMs?.p50Bucket) ? { pickupP50BucketMs: bucketSpan(runs.map((r) => r.server.pickupLatencyMs?.p50Bucket)), pickupP99BucketMs: bucketSpan(runs.map((r) => r.server.pickupLatencyMs?.p99Bucket)) } : {}),
    requestsPerDayPerWorker: f((r) => (r.server.pollsPerS === null ? null : (r.server.pollsPerS * 86_400) / workerCount(r))),
    notificationsPerS: f((r) => r.server.notificationsPerS),
    notifiedPollsPerS: f((r) => r.server.notifiedPollsPerS),
    notifiedEmptyPollsPerS: f((r) => r.server.notifiedEmptyPollsPerS),
    notificationsPerEnqueue: f((r) => fanout(r)?.notificationsPerEnqueue),
    pollsTriggeredPerEnqueue: f((r) => fanout(r)?.pollsTriggeredPerEnqueue),
    wastedWakeupsPerEnqueue: f((r) => fanout(r)?.wastedWakeupsPerEnqueue),
    busiestConnectionRoundTripsPerS: f(busiestConnection),
    ...(runs.some((r) => busiestWakePair(r)) ? { busiestWakePairPerS: f((r) => busiestWakePair(r)?.perS), busiestWakePair: mostFrequent(runs.map((r) => busiestWakePair(r)?.label)) } : {}),
  };
}

/** The edges a histogram quantile fell in over the runs (lowest lower, highest upper); null when no run recorded them. */
export function bucketSpan(buckets: (BucketBoundsMs | undefined)[]): BucketSpan | null {
  const b = buckets.filter((x): x is BucketBoundsMs => x !== undefined);
  if (!b.length) return null;
  const aboveTop = b.filter((x) => x.hi === null).length;
  return { lo: Math.min(...b.map((x) => x.lo)), hi: aboveTop ? null : Math.max(...b.map((x) => x.hi as number)), aboveTop, n: b.length };
}

function formatParam(v: string | number | boolean | undefined): string {
  return v === undefined ? "(unset)" : String(v);
}

export function buildComparison(saved: SavedRun[]): Comparison {
  const groups = new Map<string, SavedRun[]>();
  for (const s of saved) {
    const k = conditionKey(s.result);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const list = [...groups.values()];
  const firsts = list.map((g) => (g[0] as SavedRun).result);
  const scenarios = new Set(firsts.map((r) => r.scenario.name));
  const diff = differingParams(firsts.map((r) => r.params));
  const sweepKey = list.length > 1 && scenarios.size === 1 && diff.length === 1 ? (diff[0] as string) : null;

  const problems: string[] = [];
  const conditions: Condition[] = list.map((g) => {
    const first = (g[0] as SavedRun).result;
    const ok = g.filter((s) => s.result.status === "ok").map((s) => s.result);
    const notes: string[] = [];
    if (ok.length < g.length) notes.push(ok.length === 0 ? `all ${g.length} runs failed` : `${g.length - ok.length} of ${g.length} runs failed (left out)`);
    if (first.profiled) notes.push("profiled: CPU not comparable");
    let label: string;
    if (sweepKey) label = formatParam(first.params[sweepKey]);
    else {
      const sameName = firsts.filter((r) => r.scenario.name === first.scenario.name).length > 1;
      const own = diff.filter((k) => k in first.params).map((k) => `${k}=${formatParam(first.params[k])}`);
      label = sameName && own.length ? `${first.scenario.name} (${own.join(", ")})` : first.scenario.name;
    }
    return {
      label,
      scenario: first.scenario.name,
      params: first.params,
      sweepValue: sweepKey ? (first.params[sweepKey] ?? null) : null,
      runs: g.map((s) => ({ path: s.path, status: s.result.status, startedAt: s.result.startedAt, command: s.result.command })),
      figures: figuresOf(ok),
      notes,
    };
  });

  const windows = new Set(saved.map((s) => `${s.result.window.warmupS}/${s.result.window.durationS}`));
  const w0 = saved[0]?.result.window;
  if (windows.size > 1) problems.push("the runs used different windows; figures are per-second means, so they still compare, but warm-up effects may differ");
  const profiled = saved.some((s) => s.result.profiled);
  const unprofiled = saved.some((s) => !s.result.profiled);
  if (profiled && unprofiled) problems.push("profiled and unprofiled runs are mixed: a profiler adds CPU, so their CPU figures do not compare");
  const machines = new Set(saved.map((s) => machineLine(s.result)));
  if (machines.size > 1) problems.push("the runs come from different machines");
  // the diagnosis: across the runs (e.g. CPU that does not follow a swept interval), then each run's
  const runs = list.flatMap((g, gi) =>
    g.map((s, i) => ({ label: g.length > 1 ? `${conditions[gi]?.label ?? ""} #${i + 1}` : (conditions[gi]?.label ?? ""), path: s.path, status: s.result.status, verdicts: verdictsOf(s.result) })),
  );
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    sweepKey,
    conditions,
    window: w0 && windows.size === 1 ? { warmupS: w0.warmupS, durationS: w0.durationS } : null,
    machine: machines.size === 1 && saved[0] ? machineLine(saved[0].result) : null,
    problems,
    verdicts: { sweep: sweepVerdictRecords(saved.map((x) => x.result)), runs },
  };
}

function machineLine(r: RunResult): string {
  return `${r.machine.cores} cores, ${r.machine.cpuModel}, Node ${r.machine.node}`;
}
