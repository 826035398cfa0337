/**
 * The figures the gate judges, taken from one run's result.json, counted figures first: polls,
 * empty polls, voluntary wake-ups and round trips are counted by the server or the kernel and are
 * steady from run to run; CPU-ms per poll divides measured CPU by counted polls; CPU % comes last,
 * the noisiest (a 3 s window holds a few hundred clock ticks). Each figure has a kind that decides
 * its default allowance and floor (--max-increase, --floor).
 */
import type { ProcessResult, RunResult } from "../analyze/result-types.js";

export const FIGURE_NAMES = [
  "pollsPerSPerWorker",
  "emptyPollsPerS",
  "wakeupsPerS",
  "roundTripsPerS",
  "serverCpuMsPerPoll",
  "workerCpuMsPerPoll",
  "serverCpuPercent",
  "workerCpuPercent",
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** Groups used by --max-increase and --floor: cpu=1pp applies to both CPU figures. */
export type FigureKind = "polls" | "wakeups" | "trips" | "perpoll" | "cpu";
export const KINDS: readonly FigureKind[] = ["polls", "wakeups", "trips", "perpoll", "cpu"];

export interface FigureInfo {
  name: FigureName;
  kind: FigureKind;
  /** counted (polls, wake-ups, round trips, and per-poll ratios of them) or measured CPU time */
  counted: boolean;
  label: string;
  unit: string;
  /** decimals shown in the summary */
  digits: number;
}

export const FIGURES: Record<FigureName, FigureInfo> = {
  pollsPerSPerWorker: { name: "pollsPerSPerWorker", kind: "polls", counted: true, label: "Polls/s per worker (busiest)", unit: "/s", digits: 2 },
  emptyPollsPerS: { name: "emptyPollsPerS", kind: "polls", counted: true, label: "Empty polls/s (server)", unit: "/s", digits: 2 },
  wakeupsPerS: { name: "wakeupsPerS", kind: "wakeups", counted: true, label: "Voluntary wake-ups/s (server + workers)", unit: "/s", digits: 1 },
  roundTripsPerS: { name: "roundTripsPerS", kind: "trips", counted: true, label: "Round trips/s (server's TCP)", unit: "/s", digits: 2 },
  serverCpuMsPerPoll: { name: "serverCpuMsPerPoll", kind: "perpoll", counted: true, label: "Server CPU-ms per poll", unit: " ms", digits: 3 },
  workerCpuMsPerPoll: { name: "workerCpuMsPerPoll", kind: "perpoll", counted: true, label: "Worker CPU-ms per poll (busiest)", unit: " ms", digits: 3 },
  serverCpuPercent: { name: "serverCpuPercent", kind: "cpu", counted: false, label: "Server CPU", unit: "%", digits: 2 },
  workerCpuPercent: { name: "workerCpuPercent", kind: "cpu", counted: false, label: "Worker CPU (busiest process)", unit: "%", digits: 2 },
};

/** One run's figures; null when the run could not measure it (no metrics endpoint, no server, no wire reading). */
export type RunFigures = Record<FigureName, number | null>;

/** Voluntary context switches per second when the sampler split them, else all switches. */
export function voluntaryWakeups(p: ProcessResult): number | null {
  return p.voluntaryWakeupsPerS ?? p.wakeupsPerS;
}

/** CPU-ms per poll from CPU (% of one core) and polls per second; null without polls. */
export function cpuMsPerPoll(cpuPercent: number | null, pollsPerS: number | null): number | null {
  if (cpuPercent === null || pollsPerS === null || !(pollsPerS > 0)) return null;
  return (cpuPercent * 10) / pollsPerS; // cpuPercent % of a core = cpuPercent × 10 ms of CPU per second
}

/**
 * - pollsPerSPerWorker: the busiest worker's polls per second, summed over its loops, from the
 *   server's per-loop counters; without them, the server's polls/s divided by worker processes;
 * - emptyPollsPerS: the server's empty polls per second (all workers);
 * - wakeupsPerS: voluntary context switches per second summed over the server and every worker
 *   (all switches when the sampler did not split them);
 * - roundTripsPerS: request/response exchanges per second on the server's TCP connections (null
 *   without a wire reading);
 * - serverCpuMsPerPoll: server CPU-ms per poll handled (server CPU / server polls);
 * - workerCpuMsPerPoll: the busiest worker's CPU-ms per poll it sent;
 * - serverCpuPercent: the server role's CPU, percent of one core, over the window;
 * - workerCpuPercent: the highest CPU of any one worker process (thresholds are per process).
 */
export function extractFigures(r: RunResult): RunFigures {
  const workers = r.processes.filter((p) => p.role === "worker");
  const server = r.processes.find((p) => p.role === "server");
  const measured = r.processes.filter((p) => p.role === "server" || p.role === "worker");
  let polls: number | null = null;
  let busiest: ProcessResult | undefined;
  if (r.server.scraped && r.server.perLoop.length > 0) {
    const byWorker = new Map<string, number>();
    for (const l of r.server.perLoop) byWorker.set(l.worker, (byWorker.get(l.worker) ?? 0) + l.pollsPerS);
    const [name, rate] = [...byWorker.entries()].sort((a, b) => b[1] - a[1])[0] as [string, number];
    polls = rate;
    busiest = workers.find((w) => w.name === name);
  } else if (r.server.pollsPerS !== null && workers.length > 0) {
    polls = r.server.pollsPerS / workers.length;
  }
  const emptyPolls =
    r.server.emptyPollsPerS ?? (r.server.pollsPerS !== null && r.server.emptyPollRatio !== null ? r.server.pollsPerS * r.server.emptyPollRatio : null);
  const serverCpu = r.roles.server ? r.roles.server.cpuPercent : null;
  return {
    pollsPerSPerWorker: polls,
    emptyPollsPerS: r.server.scraped ? emptyPolls : null,
    wakeupsPerS: measured.length && measured.every((p) => voluntaryWakeups(p) !== null) ? measured.reduce((s, p) => s + (voluntaryWakeups(p) ?? 0), 0) : null,
    roundTripsPerS: server?.wire?.roundTripsPerS ?? null,
    serverCpuMsPerPoll: cpuMsPerPoll(serverCpu, r.server.scraped ? r.server.pollsPerS : null),
    workerCpuMsPerPoll: busiest ? cpuMsPerPoll(busiest.cpuPercent, polls) : workers.length === 1 ? cpuMsPerPoll((workers[0] as ProcessResult).cpuPercent, polls) : null,
    serverCpuPercent: serverCpu,
    workerCpuPercent: workers.length ? Math.max(...workers.map((p) => p.cpuPercent)) : null,
  };
}

/** Format a figure's value with its digits. */
export function formatValue(name: FigureName, v: number): string {
  return v.toFixed(FIGURES[name].digits);
}

/** A change of the figure with its unit: percentage points for CPU, the figure's unit otherwise. */
export function changeUnit(name: FigureName): string {
  return FIGURES[name].kind === "cpu" ? " pp" : FIGURES[name].unit;
}
