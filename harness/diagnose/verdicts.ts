/**
 * Verdicts in words: pure functions from results to lines, each with the figure that triggered it.
 * Every rule and threshold lives here (README "Verdicts" documents them); tests feed fixture results.
 */
import { median as medianOf } from "../stats/summary.js";
import type { RunResult, WorkerPollFigures } from "../analyze/result-types.js";

export const THRESHOLDS = {
  /**
   * a loop is a tight poll loop when at least this share of its polls came < 1 ms after the previous
   * response (a loop with no sleep has nearly all its gaps in the tens of microseconds; on a busy
   * machine the scheduler stretches some of them past 1 ms, so the bar is well below 100%)
   */
  tightGapShare: 0.3,
  /** ... and it polls at least this often (a loop that polls twice a second is not burning anything) */
  tightMinPollsPerS: 20,
  /** ... and at least this share of its polls came back empty (re-polling at once after real work is right) */
  tightMinEmptyShare: 0.5,
  /** broadcast fan-out: at least this many notifications delivered per enqueued job */
  fanoutMinNotificationsPerJob: 2,
  /** ... and at least this share of the polls they trigger come back empty */
  fanoutMinWastedShare: 0.5,
  /** idle and quiet: every role under this CPU (percent of one core, role total) */
  quietMaxCpuPercent: 2,
  /** ... and fewer polls per second than this */
  quietMaxPollsPerS: 50,
  /** burning while idle: a role at or above this CPU while the queue is idle and no loop is tight */
  burnMinCpuPercent: 10,
  /** the queue counts as idle when at least this share of polls come back empty */
  idleEmptyShare: 0.95,
  /** sweep: the interval changed at least this factor between the shortest and longest setting */
  sweepMinIntervalFactor: 4,
  /** ... yet CPU at the longest interval is still at least this fraction of CPU at the shortest */
  sweepFlatCpuRatio: 0.5,
  /** ... and CPU at the shortest interval is at least this (percent of one core): otherwise nothing burns */
  sweepMinCpuPercent: 5,
} as const;

function fmtNum(x: number, digits = 1): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(digits).replace(/\.0+$/, "");
}

function fmtPct(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return `${x.toFixed(1)}%`;
}

function fmtShare(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  return `${Math.round(x * 100)}%`;
}

function loopLabel(l: WorkerPollFigures, all: WorkerPollFigures[]): string {
  const sameWorker = all.filter((o) => o.worker === l.worker).length;
  return sameWorker > 1 ? `${l.worker} (${l.loop} loop)` : l.worker;
}

/** Loops whose polls mostly arrive under 1 ms after the previous response: the seed-000 bug. */
export function tightLoops(r: RunResult): WorkerPollFigures[] {
  return r.server.perLoop.filter(
    (l) =>
      (l.gapUnder1msShare ?? 0) >= THRESHOLDS.tightGapShare && l.pollsPerS >= THRESHOLDS.tightMinPollsPerS && (l.emptyPollRatio ?? 1) >= THRESHOLDS.tightMinEmptyShare,
  );
}

function tightLoopVerdicts(r: RunResult): string[] {
  return tightLoops(r).map(
    (l) =>
      `${loopLabel(l, r.server.perLoop)}: tight poll loop: ${fmtShare(l.gapUnder1msShare)} of its polls came less than 1 ms after the previous response (polls ${fmtNum(l.pollsPerS)}/s, ${fmtShare(l.emptyPollRatio)} empty)`,
  );
}

/** the fan-out figures of result.server.fanout (read structurally: older results have none) */
interface FanoutLike {
  enqueued: number;
  notificationsPerEnqueue: number;
  pollsTriggeredPerEnqueue: number;
  wastedPollsPerEnqueue: number;
}

function fanoutVerdict(r: RunResult): string | null {
  const s = r.server;
  const fanout = (s as { fanout?: FanoutLike | null }).fanout;
  let perJob: number | null = null;
  let wasted: number | null = null;
  if (fanout && fanout.enqueued > 0) {
    perJob = fanout.notificationsPerEnqueue;
    wasted = fanout.pollsTriggeredPerEnqueue > 0 ? fanout.wastedPollsPerEnqueue / fanout.pollsTriggeredPerEnqueue : null;
  } else if (s.notificationsPerS && s.enqueuedPerS) {
    perJob = s.notificationsPerS / s.enqueuedPerS;
    wasted = s.notifiedPollsPerS ? (s.notifiedEmptyPollsPerS ?? 0) / s.notifiedPollsPerS : null;
  }
  if (perJob === null || wasted === null) return null;
  if (perJob < THRESHOLDS.fanoutMinNotificationsPerJob || wasted < THRESHOLDS.fanoutMinWastedShare) return null;
  return `broadcast notifications: ${fmtNum(perJob)} delivered per job, ${fmtShare(wasted)} of the polls they trigger come back empty`;
}

function roleCpu(r: RunResult, role: "server" | "worker"): number | null {
  return r.roles[role]?.cpuPercent ?? null;
}

function cpuWords(r: RunResult): string {
  const parts: string[] = [];
  const s = roleCpu(r, "server");
  const w = roleCpu(r, "worker");
  const workers = r.roles.worker?.count ?? 0;
  if (s !== null) parts.push(`server ${fmtPct(s)}`);
  if (w !== null) parts.push(`${workers > 1 ? `${workers} workers` : "worker"} ${fmtPct(w)}`);
  return parts.join(", ");
}

/** The verdict lines of one run, most specific first; never empty. */
export function runVerdicts(r: RunResult): string[] {
  const out: string[] = [];
  if (r.status !== "ok") out.push(`run ${r.status}: the figures below cover only what was measured`);
  const tight = tightLoopVerdicts(r);
  out.push(...tight);
  const fanout = fanoutVerdict(r);
  if (fanout) out.push(fanout);
  const polls = r.server.pollsPerS;
  const cpus = [roleCpu(r, "server"), roleCpu(r, "worker")].filter((x): x is number => x !== null);
  const maxCpu = cpus.length ? Math.max(...cpus) : null;
  const idleQueue = (r.server.emptyPollRatio ?? 0) >= THRESHOLDS.idleEmptyShare;
  if (!tight.length && maxCpu !== null && maxCpu >= THRESHOLDS.burnMinCpuPercent && idleQueue) {
    out.push(
      `burning while idle: ${cpuWords(r)} of one core while ${fmtShare(r.server.emptyPollRatio)} of polls come back empty (${fmtNum(polls ?? 0)} polls/s) and no loop polls tightly: the CPU goes somewhere other than polling; profile it (--profile flame)`,
    );
  }
  if (!tight.length && !fanout && maxCpu !== null && maxCpu < THRESHOLDS.quietMaxCpuPercent && (polls === null || polls < THRESHOLDS.quietMaxPollsPerS)) {
    out.push(`idle and quiet: ${cpuWords(r)}${polls !== null ? `, ${fmtNum(polls)} polls/s` : ""}`);
  }
  if (r.profiled) out.push(`profiled with ${r.profiled}: CPU figures include the profiler's cost and are not comparable with unprofiled runs`);
  if (out.length === 0 || (out.length === 1 && r.profiled)) {
    out.unshift(`no idle-CPU pattern recognised: ${cpuWords(r)}${polls !== null ? `, ${fmtNum(polls)} polls/s, ${fmtShare(r.server.emptyPollRatio)} empty` : ""}`);
  }
  return out;
}

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

/**
 * Verdicts across several runs (a sweep or a comparison): does CPU follow the poll interval that
 * was changed? Runs must differ in one param whose values are intervals; repeats are medianed.
 */
export function sweepVerdicts(results: RunResult[]): string[] {
  const ok = results.filter((r) => r.status === "ok");
  if (ok.length < 2) return [];
  const out: string[] = [];
  if (new Set(ok.map((r) => r.profiled || "")).size > 1) out.push("profiled and unprofiled runs are mixed: their CPU figures are not compared");
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
  if (cpuHi >= cpuLo * THRESHOLDS.sweepFlatCpuRatio) {
    out.push(`CPU does not follow the poll interval you changed (${fmtPct(cpuLo)} at ${lo} ms, ${fmtPct(cpuHi)} at ${hi} ms; server + workers, ${key}): another loop is burning`);
  } else {
    out.push(`CPU follows the poll interval (${fmtPct(cpuLo)} at ${lo} ms, ${fmtPct(cpuHi)} at ${hi} ms; server + workers, ${key})`);
  }
  return out;
}
