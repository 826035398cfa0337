/**
 * The figures the gate judges, taken from one run's result.json. Each has a kind that decides how
 * strictly it is compared: CPU loosely (percentage points), counts tightly (percent of baseline).
 */
import type { RunResult } from "../analyze/result-types.js";

export const FIGURE_NAMES = ["serverCpuPercent", "workerCpuPercent", "pollsPerSPerWorker", "wakeupsPerS"] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** Groups used by --max-increase: cpu=1pp applies to both CPU figures. */
export type FigureKind = "cpu" | "polls" | "wakeups";

export interface FigureInfo {
  name: FigureName;
  kind: FigureKind;
  label: string;
  unit: string;
  /** decimals shown in the summary */
  digits: number;
}

export const FIGURES: Record<FigureName, FigureInfo> = {
  serverCpuPercent: { name: "serverCpuPercent", kind: "cpu", label: "Server CPU", unit: "%", digits: 2 },
  workerCpuPercent: { name: "workerCpuPercent", kind: "cpu", label: "Worker CPU (busiest process)", unit: "%", digits: 2 },
  pollsPerSPerWorker: { name: "pollsPerSPerWorker", kind: "polls", label: "Polls/s per worker (busiest)", unit: "/s", digits: 2 },
  wakeupsPerS: { name: "wakeupsPerS", kind: "wakeups", label: "Wake-ups/s (server + workers)", unit: "/s", digits: 1 },
};

/** One run's figures; null when the run could not measure it (no metrics endpoint, no server). */
export type RunFigures = Record<FigureName, number | null>;

/**
 * - serverCpuPercent: the server role's CPU, percent of one core, over the window;
 * - workerCpuPercent: the highest CPU of any one worker process (thresholds are per process);
 * - pollsPerSPerWorker: the busiest worker's polls per second, summed over its loops, from the
 *   server's per-loop counters; without them, the server's polls/s divided by worker processes;
 * - wakeupsPerS: context switches per second summed over the server and every worker process.
 */
export function extractFigures(r: RunResult): RunFigures {
  const workers = r.processes.filter((p) => p.role === "worker");
  const measured = r.processes.filter((p) => p.role === "server" || p.role === "worker");
  let polls: number | null = null;
  if (r.server.scraped && r.server.perLoop.length > 0) {
    const byWorker = new Map<string, number>();
    for (const l of r.server.perLoop) byWorker.set(l.worker, (byWorker.get(l.worker) ?? 0) + l.pollsPerS);
    polls = Math.max(...byWorker.values());
  } else if (r.server.pollsPerS !== null && workers.length > 0) {
    polls = r.server.pollsPerS / workers.length;
  }
  return {
    serverCpuPercent: r.roles.server ? r.roles.server.cpuPercent : null,
    workerCpuPercent: workers.length ? Math.max(...workers.map((p) => p.cpuPercent)) : null,
    pollsPerSPerWorker: polls,
    wakeupsPerS: measured.length ? measured.reduce((s, p) => s + p.wakeupsPerS, 0) : null,
  };
}

/** Format a figure's value with its digits. */
export function formatValue(name: FigureName, v: number): string {
  return v.toFixed(FIGURES[name].digits);
}
