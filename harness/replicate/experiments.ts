import type { ProfilerName } from "../profile/types.js";
import { seed001Experiment } from "./seed-001.js";

/**
 * The experiments behind reports/seed-replication.md: which scenarios run, how often, over what
 * window. Each is one `harness run` series (its comparison folder sits under reports/seed-replication/).
 */

export interface Experiment {
  id: string;
  scenarios: string[];
  sweep?: string;
  set: string[];
  repeat: number;
  durationS: number;
  warmupS: number;
  /** run under a profiler (seed 001: cpu, for the wall-clock tables) */
  profile?: ProfilerName;
}

/** The full set; `quick` shortens windows and repeats for a smoke test (never for the committed report). */
export function experiments(quick = false): Experiment[] {
  const r = quick ? 2 : 3;
  const d = (s: number): number => (quick ? Math.min(s, 4) : s);
  return [
    { id: "000-tight-vs-backoff", scenarios: ["tight-loop", "fixed-backoff"], set: [], repeat: r, durationS: d(10), warmupS: 2 },
    { id: "000-interval-sweep", scenarios: ["interval-sweep"], sweep: "workflowInterval=100,500,1000", set: [], repeat: r, durationS: d(10), warmupS: 2 },
    { id: "000-notifications", scenarios: ["notifications-off", "notifications-broadcast"], set: [], repeat: r, durationS: d(10), warmupS: 2 },
    { id: "002-pickup-latency", scenarios: ["notifications-off", "notifications-broadcast"], set: ["taskStrategy=fixed:100"], repeat: r, durationS: d(15), warmupS: 2 },
    { id: "003-fan-out", scenarios: ["thundering-herd"], sweep: "notify=broadcast,targeted", set: [], repeat: r, durationS: d(15), warmupS: 3 },
    // the same findings with a real database under the server (issue 14): shown beside the SQLite figures
    { id: "000-tight-vs-backoff-postgres", scenarios: ["tight-loop"], sweep: "taskStrategy=tight,fixed:100", set: ["store=postgres"], repeat: r, durationS: d(10), warmupS: 2 },
    { id: "003-fan-out-postgres", scenarios: ["postgres-herd"], sweep: "notify=broadcast,targeted", set: [], repeat: r, durationS: d(15), warmupS: 3 },
    { id: "004-idle-backoff", scenarios: ["exponential-backoff"], sweep: "strategy=fixed:100;exponential:100,1.5,1200", set: [], repeat: quick ? 2 : 2, durationS: quick ? 10 : 40, warmupS: 2 },
    seed001Experiment(quick),
  ];
}

/** The `harness run` command line an experiment is equivalent to. */
export function experimentCommand(e: Experiment, outDir: string): string {
  const parts = ["harness", "run", ...e.scenarios];
  if (e.sweep) parts.push("--sweep", `'${e.sweep}'`);
  for (const s of e.set) parts.push("--set", s);
  if (e.profile) parts.push("--profile", e.profile);
  parts.push("--repeat", String(e.repeat), "--duration", String(e.durationS), "--warmup", String(e.warmupS), "--out", outDir);
  return parts.join(" ");
}
