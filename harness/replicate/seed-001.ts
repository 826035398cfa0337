/**
 * Seed 001 (a profiling report of a job server under load): the wall-clock profile of the
 * reference server under steady load (scenarios/loaded.yaml, --profile cpu), with per-request
 * stdout logging and with buffered logging. The figures come from each run's
 * profiles/summary.json (the wall-clock table: all threads, waiting included).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cell } from "../report/escape.js";
import { pct, table } from "../report/format.js";
import { summaryCell } from "../report/comparison-markdown.js";
import { summarize, type Summary } from "../stats/summary.js";
import type { ProfileArtifact } from "../profile/types.js";
import { WALL_LABEL, wallShares, type WallCategory, type WallTable } from "../profile/wall-clock.js";
import type { Experiment } from "./experiments.js";
import type { ExperimentOutcome, Finding } from "./findings.js";

export const SEED_001_ID = "001-wall-clock";

export function seed001Experiment(quick = false): Experiment {
  return { id: SEED_001_ID, scenarios: ["loaded"], sweep: "log=stdout,buffered", set: [], repeat: 2, durationS: quick ? 5 : 20, warmupS: 5, profile: "cpu" };
}

/** The wall-clock tables of one run folder, by process name ({} when it was not profiled). */
export function readWallTables(runDir: string): Record<string, WallTable> {
  const file = join(runDir, "profiles", "summary.json");
  if (!existsSync(file)) return {};
  const s = JSON.parse(readFileSync(file, "utf8")) as { artifacts?: ProfileArtifact[] };
  const out: Record<string, WallTable> = {};
  for (const a of s.artifacts ?? []) if (a.wall) out[a.process] = a.wall;
  return out;
}

/** The seed's orchestration-server table (self time, % of all samples across its 5 runtime threads). */
const SEED_ROWS: { label: string; seed: string; ours: WallCategory[] }[] = [
  { label: "Idle (thread wait)", seed: "60.0%", ours: ["idle-thread"] },
  { label: "Idle (I/O wait)", seed: "32.9%", ours: ["idle-io"] },
  { label: "Idle (sleep, disk, other)", seed: "–", ours: ["idle-timer", "idle-disk", "idle-other"] },
  { label: "Stdout logging", seed: "2.45%", ours: ["logging"] },
  { label: "Network receive", seed: "1.17%", ours: ["net-recv"] },
  { label: "Network send", seed: "0.78%", ours: ["net-send"] },
  { label: "Database", seed: "– (worker: ~4.6%)", ours: ["database"] },
  { label: "Serialization (JSON)", seed: "~0.54%", ours: ["serialization"] },
  { label: "Application code", seed: "~3%", ours: ["application", "libraries"] },
  { label: "Waiting for a CPU (runnable)", seed: "–", ours: ["runnable"] },
  { label: "GC, runtime, other threads on CPU", seed: "–", ours: ["gc", "runtime", "other-threads", "on-cpu"] },
];

const CODE: WallCategory[] = ["logging", "net-recv", "net-send", "database", "serialization", "application"];

function shareOf(t: WallTable, cs: WallCategory[]): number {
  return t.rows.filter((r) => cs.includes(r.category)).reduce((a, r) => a + r.share, 0);
}

/** Logging's share of the server's time on CPU (every row but the waits and runnable). */
function loggingOfBusy(t: WallTable): number {
  const busy = t.rows.filter((r) => !r.category.startsWith("idle") && r.category !== "runnable").reduce((a, r) => a + r.ms, 0);
  const log = t.rows.find((r) => r.category === "logging")?.ms ?? 0;
  return busy > 0 ? log / busy : Number.NaN;
}

const pc = (s: Summary | null): string => summaryCell(s, (x) => pct(x * 100, 2));
const med = (s: Summary | null): number => s?.median ?? Number.NaN;

export const SEED_001_FINDING: Finding = {
  seed: "001",
  title: "Under load the server mostly waits; per-request stdout logging is the largest code cost, and buffering saves it",
  claim:
    "A wall-clock profile of the orchestration server under benchmark load: Idle (pthread wait) 60.0%, Idle (I/O wait) 32.9%, Stdout logging 2.45%, Network recv 1.17%, send 0.78%, application code ~3%; tracing and logging ~5.15% in all. Conclusion: I/O bound, not CPU bound (93% waiting); logging is the largest optimization target; consider buffered or async logging.",
  seedFigure: "waiting 93%, stdout logging 2.45%, app ~3%",
  rule:
    "Measured on the reference server (scenarios/loaded.yaml: 100 jobs/s, two workers, one log line per request; --profile cpu, the wall-clock table of all its threads). Reproduces if (1) waiting (all idle rows) is at least 80% of the server's thread time with per-request stdout logging, (2) stdout logging is then the largest of the code categories (logging, network receive, network send, database, serialization, application), and (3) with buffered logging its share falls by at least half (medians over the repeats). Partly if (1) holds and only one of (2), (3).",
  experiment: SEED_001_ID,
  evaluate(o: ExperimentOutcome) {
    const walls = (o.wallTables ?? []).map((runs) => runs.map((r) => r.server).filter((t): t is WallTable => t !== undefined));
    const workers = (o.wallTables ?? []).map((runs) => runs.map((r) => r["worker-1"]).filter((t): t is WallTable => t !== undefined));
    const stdout = walls[0] ?? [];
    const buffered = walls[1] ?? [];
    if (!stdout.length || !buffered.length) throw new Error("no wall-clock table of the server in the runs' profiles/summary.json (was the experiment run with --profile cpu?)");
    const s = (ts: WallTable[], f: (t: WallTable) => number): Summary | null => summarize(ts.map(f));
    const waiting = s(stdout, (t) => wallShares(t).waiting);
    const logStdout = s(stdout, (t) => shareOf(t, ["logging"]));
    const logBuffered = s(buffered, (t) => shareOf(t, ["logging"]));
    const app = s(stdout, (t) => shareOf(t, ["application", "libraries"]));
    const largest = stdout.filter((t) => CODE.every((c) => c === "logging" || shareOf(t, [c]) <= shareOf(t, ["logging"]))).length;
    const c1 = med(waiting) >= 0.8;
    const c2 = largest * 2 > stdout.length;
    const c3 = med(logBuffered) <= med(logStdout) / 2;
    const rows = SEED_ROWS.map((r) => [cell(r.label), r.seed, pc(s(stdout, (t) => shareOf(t, r.ours))), pc(s(buffered, (t) => shareOf(t, r.ours)))]);
    const shares = table(
      ["Figure", "Seed (orchestration server)", "Ours, per-request stdout logging", "Ours, buffered logging"],
      [
        ["Waiting (all idle rows): \"I/O bound\"", "~93% (60.0% + 32.9%)", pc(waiting), pc(s(buffered, (t) => wallShares(t).waiting))],
        ["Stdout logging", "2.45% (logging total ~5.15%)", pc(logStdout), pc(logBuffered)],
        ["Stdout logging, share of the server's time on CPU", "–", pc(s(stdout, loggingOfBusy)), pc(s(buffered, loggingOfBusy))],
        ["Application code", "~3%", pc(app), pc(s(buffered, (t) => shareOf(t, ["application", "libraries"])))],
        ["Worker waiting (all idle rows; worker-1)", "~94.7% (60.6% + 34.1%)", pc(s(workers[0] ?? [], (t) => wallShares(t).waiting)), pc(s(workers[1] ?? [], (t) => wallShares(t).waiting))],
        ["Saved by buffering (logging share, stdout − buffered)", "~2% (estimated, not measured)", pct((med(logStdout) - med(logBuffered)) * 100, 2), ""],
      ],
      ["l", "r", "r", "r"],
    );
    const threads = stdout[0]?.threads ?? 0;
    const method = stdout[0]?.method ?? "";
    return {
      ours: `waiting ${pct(med(waiting) * 100, 1)}, stdout logging ${pct(med(logStdout) * 100, 2)} → ${pct(med(logBuffered) * 100, 2)} buffered, app ${pct(med(app) * 100, 2)}`,
      reproduces: c1 && c2 && c3 ? "yes" : c1 && (c2 || c3) ? "partly" : "no",
      why: [
        c1 ? `The server waits ${pc(waiting)} of its thread time (${threads} threads: the JavaScript thread in epoll between requests, V8's and libuv's helper threads on futexes): I/O bound, not CPU bound.` : `The server waits only ${pc(waiting)} of its thread time: not the seed's I/O-bound shape.`,
        c2 ? "Per-request stdout logging is the largest code category." : "Per-request stdout logging is not the largest code category here.",
        c3 ? `Buffered logging cuts its share from ${pc(logStdout)} to ${pc(logBuffered)}.` : `Buffered logging does not halve its share (${pc(logStdout)} → ${pc(logBuffered)}).`,
        `Method: ${cell(method)}.`,
      ].join(" "),
      tables: [table(["Category (wall-clock, all threads)", "Seed (orchestration server)", "Ours, per-request stdout logging", "Ours, buffered logging"], rows, ["l", "r", "r", "r"]), shares],
    };
  },
};

export { WALL_LABEL };
