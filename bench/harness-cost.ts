/**
 * The harness's own cost, measured the way a user pays it, next to pidstat.
 *
 * 1. Attach vs pidstat: on the same idle pids (10 and 100 single-threaded `sleep`s, and 10 and 100
 *    idle Node processes with their ~7 threads each), the real `harness attach --pid ... --duration D
 *    --quiet` and `pidstat -u -w -d -p <pids> 1 D` run side by side (which starts first alternates).
 *    The harness's cost is its whole tree: its Node process, every program it starts for measuring
 *    (bpftrace for the wake-ups, perf for syscalls, bash and ss for the wire, ...) and the kernel time
 *    of the BPF programs bpftrace loads (charged to whichever task was on the CPU, so no process shows
 *    it; counted with kernel.bpf_stats_enabled when this bench may turn it on). Each one's CPU: over
 *    its whole life (perf stat task-clock, which counts every child) and over a steady stretch (the
 *    tree's schedstat nanoseconds and reaped children's times, read every 250 ms by this bench, from
 *    3 s after spawn to 1 s before the window's end). Three modes: the default (wake-ups and syscall
 *    counting on), `--wakeups off`, and `--wakeups off` with HARNESS_PERF=off (plain sampling).
 *    Target: the harness's total at or below pidstat at 10 and 100 processes, in the default mode.
 * 2. `harness run fixed-backoff` with the per-sample /metrics scrape on (the default) and off
 *    (`--set window.scrapeEveryS=0`), interleaved: the measured server's CPU (from result.json) and
 *    the harness process's own CPU (its threads), and its tracers' (bpftrace and perf subtrees).
 *
 * Subsets (each invocation under the measuring lock stays short): BENCH_COST_PARTS=attach|scrape,
 * BENCH_COST_KINDS=sleep|node, BENCH_COST_COUNTS=10,100, BENCH_COST_MODES=default,wakeups-off,plain;
 * BENCH_COST_KEEP=1 keeps the rows of bench/results/harness-cost.json that this invocation does not
 * measure again (each row keeps its own time and load averages).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../harness/util/paths.js";
import { median } from "../harness/stats/summary.js";
import { clockTicksPerSecond } from "../harness/sample/proc.js";
import { cpuPercentBetween, hasPerfStat, hasProgram, measureCommand, type CommandCost } from "./process-cpu.js";
import { enableBpfStats, readBpfRunTime, readTreeCpu } from "./tree-cpu.js";
import { PARTS as TREE_PARTS, toTreeReading, treeCost, type HarnessTreeCost, type PartName, type TreeReading } from "./harness-tree-cost.js";
import type { Benchmark, BenchOutput } from "./types.js";

const DURATION_S = Number(process.env.BENCH_COST_S ?? 20);
const REPEATS = Number(process.env.BENCH_COST_REPEATS ?? 2);
const RUN_REPEATS = Number(process.env.BENCH_COST_RUN_REPEATS ?? 3);
const RUN_DURATION_S = Number(process.env.BENCH_COST_RUN_S ?? 10);
const RUN_WARMUP_S = 2;
/** which parts to run: attach (vs pidstat), scrape (harness run, scrape on vs off) */
const PARTS = (process.env.BENCH_COST_PARTS ?? "attach,scrape").split(",");
const KINDS = (process.env.BENCH_COST_KINDS ?? "sleep,node").split(",") as TargetKind[];
const COUNTS = (process.env.BENCH_COST_COUNTS ?? "10,100").split(",").map(Number);
const ALL_MODES = ["default", "wakeups-off", "plain"] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES = (process.env.BENCH_COST_MODES ?? ALL_MODES.join(",")).split(",") as Mode[];
const KEEP = process.env.BENCH_COST_KEEP === "1";
const MODE_TEXT: Record<Mode, string> = {
  default: "default (wake-ups + syscall counting)",
  "wakeups-off": "`--wakeups off`",
  plain: "`--wakeups off`, HARNESS_PERF=off",
};

type TargetKind = "sleep" | "node";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
/** the harness measured: this checkout's build, or another build's main.js (to measure a patched copy) */
const cli = (): string => process.env.BENCH_HARNESS_CLI ?? join(packageRoot(), "dist", "harness", "cli", "main.js");
const harnessLabel = (): string => (process.env.BENCH_HARNESS_CLI ? `\`${process.env.BENCH_HARNESS_CLI}\` (BENCH_HARNESS_CLI)` : "this checkout's `dist/harness/cli/main.js`");
const resultsFile = (): string => join(packageRoot(), "bench", "results", "harness-cost.json");

function startTargets(kind: TargetKind, n: number): ChildProcess[] {
  const [cmd, args] = kind === "sleep" ? ["sleep", ["3600"]] : [process.execPath, ["-e", "setInterval(() => {}, 1000)"]];
  return Array.from({ length: n }, () => spawn(cmd as string, args as string[], { detached: true, stdio: "ignore" }));
}

function stopTargets(children: ChildProcess[]): void {
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function threadsOf(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

interface ToolCost {
  /** % of one core over the whole life (perf task-clock / wall), null without perf */
  lifePercent: number | null;
  lifeCpuMs: number | null;
  wallS: number;
  /** % of one core over the steady stretch */
  steadyPercent: number | null;
  /** % of one core over the second half (after V8's one-off memory-reducer GC, about 8 s after start) */
  latePercent: number | null;
  exitCode: number | null;
}

function toolCost(c: CommandCost, steadyFrom: number, steadyTo: number): ToolCost {
  return {
    lifePercent: c.lifeCpuMs === null ? null : round((c.lifeCpuMs / 1000 / c.wallS) * 100),
    lifeCpuMs: c.lifeCpuMs === null ? null : round(c.lifeCpuMs, 1),
    wallS: round(c.wallS, 2),
    steadyPercent: ((p) => (p === null ? null : round(p)))(cpuPercentBetween(c.readings, steadyFrom, steadyTo)),
    latePercent: ((p) => (p === null ? null : round(p)))(cpuPercentBetween(c.readings, Math.max(steadyFrom, steadyTo / 2), steadyTo)),
    exitCode: c.exitCode,
  };
}

type Figure = "steadyPercent" | "latePercent" | "lifePercent";
const FIGURES: Figure[] = ["steadyPercent", "latePercent", "lifePercent"];

interface AttachRow {
  kind: TargetKind;
  processes: number;
  mode: Mode;
  threadsPerProcess: number;
  measuredAt: string;
  loadStart: string;
  loadEnd: string;
  repeats: { harness: HarnessTreeCost; pidstat: ToolCost | null; harnessFirst: boolean }[];
  /** medians over repeats: the harness's total and each part, and pidstat */
  median: { total: Record<Figure, number | null>; parts: Record<PartName, Record<Figure, number | null>>; pidstat: Record<Figure, number | null> };
}

const med = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round(median(v)) : null;
};

function medians(repeats: AttachRow["repeats"]): AttachRow["median"] {
  const of = (pick: (r: AttachRow["repeats"][number]) => Record<Figure, number | null> | null | undefined): Record<Figure, number | null> =>
    Object.fromEntries(FIGURES.map((f) => [f, med(repeats.map((r) => pick(r)?.[f] ?? null))])) as Record<Figure, number | null>;
  return {
    total: of((r) => r.harness.total),
    parts: Object.fromEntries(TREE_PARTS.map((p) => [p, of((r) => r.harness.parts[p])])) as Record<PartName, Record<Figure, number | null>>,
    pidstat: of((r) => r.pidstat),
  };
}

/** One harness attach, its whole tree read at each of measureCommand's readings. */
async function measureHarness(args: string[], mode: Mode, bpfStats: boolean): Promise<HarnessTreeCost> {
  const clk = clockTicksPerSecond();
  const tree: TreeReading[] = [];
  let lastBpf: number | null = bpfStats ? 0 : null;
  const env = mode === "plain" ? { ...process.env, HARNESS_PERF: "off" } : process.env;
  const c = await measureCommand(process.execPath, args, 250, true, {
    env,
    onReading: (pid, t) => {
      const r = readTreeCpu(pid, clk);
      if (!r) return;
      const bpf = bpfStats && r.bpftracePid !== undefined ? readBpfRunTime(r.bpftracePid) : undefined;
      const reading = toTreeReading(t, r, bpf?.runNs, lastBpf);
      lastBpf = reading.bpfKernel;
      tree.push(reading);
    },
  });
  return treeCost(tree, c.wallS, c.exitCode, c.lifeCpuMs, 3, DURATION_S - 1);
}

async function attachVsPidstat(kind: TargetKind, n: number, pidstat: boolean, bpfStats: boolean, tmp: string, cleanups: Set<() => void>): Promise<AttachRow[]> {
  const targets = startTargets(kind, n);
  const stop = (): void => stopTargets(targets);
  cleanups.add(stop);
  try {
    // let them start (100 Node processes take seconds of CPU to boot) and settle
    await sleep(kind === "node" ? 3000 + 60 * n : 1000);
    const pids = targets.map((t) => t.pid as number);
    const threadsPerProcess = threadsOf(pids[0] as number);
    const rows = new Map<Mode, AttachRow>(MODES.map((mode) => [mode, { kind, processes: n, mode, threadsPerProcess, measuredAt: new Date().toISOString(), loadStart: "", loadEnd: "", repeats: [], median: medians([]) }]));
    for (let r = 0; r < REPEATS; r++) {
      // the modes' order rotates between repeats, and which tool starts first alternates
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length] as Mode);
      for (const [i, mode] of order.entries()) {
        const row = rows.get(mode) as AttachRow;
        if (!row.loadStart) row.loadStart = load();
        const harnessFirst = (r + i) % 2 === 0;
        const harnessArgs = [cli(), "attach", ...pids.flatMap((p) => ["--pid", String(p)]), "--duration", String(DURATION_S), "--quiet", "--out", join(tmp, `attach-${kind}-${n}-${mode}-${r}`), ...(mode === "default" ? [] : ["--wakeups", "off"])];
        const pidstatArgs = ["-u", "-w", "-d", "-p", pids.join(","), "1", String(DURATION_S)];
        const runHarness = (): Promise<HarnessTreeCost> => measureHarness(harnessArgs, mode, bpfStats);
        const runPidstat = (): Promise<CommandCost> => measureCommand("pidstat", pidstatArgs);
        let h: Promise<HarnessTreeCost>;
        let p: Promise<CommandCost> | undefined;
        if (harnessFirst) {
          h = runHarness();
          if (pidstat) p = runPidstat();
        } else {
          if (pidstat) p = runPidstat();
          h = runHarness();
        }
        const [hc, pc] = await Promise.all([h, p]);
        row.repeats.push({ harness: hc, pidstat: pc ? toolCost(pc, 3, DURATION_S - 1) : null, harnessFirst });
        row.loadEnd = load();
        const ps = row.repeats.at(-1)?.pidstat;
        process.stderr.write(
          `bench: harness-cost: ${n} ${kind} ${mode}: harness total steady ${hc.total.steadyPercent}% (node ${hc.parts.node.steadyPercent}%, bpftrace ${hc.parts.bpftrace.steadyPercent}%, BPF ${hc.parts.bpfKernel.steadyPercent}%, perf ${hc.parts.perf.steadyPercent}%, other ${hc.parts.other.steadyPercent}%) life ${hc.total.lifePercent}%; pidstat steady ${ps?.steadyPercent ?? "-"}% life ${ps?.lifePercent ?? "-"}% (exit ${hc.exitCode}; load ${load()})\n`,
        );
      }
    }
    for (const row of rows.values()) row.median = medians(row.repeats);
    return [...rows.values()];
  } finally {
    stop();
    cleanups.delete(stop);
  }
}

interface ScrapeRun {
  scrape: "on" | "off";
  measuredAt: string;
  loadStart: string;
  loadEnd: string;
  serverCpuPercent: number | null;
  workerCpuPercent: number | null;
  /** the harness process's own threads, % of one core over its window (3 s after warm-up start to 1.5 s before exit) */
  harnessSteadyPercent: number | null;
  /** the harness process's own CPU from spawn to its last reading, ms */
  harnessCpuMs: number | null;
  /** its bpftrace and perf subtrees (the tracers it starts), % of one core over the same stretch */
  tracersSteadyPercent: number | null;
  /** the tracers' CPU up to the last reading they were seen, ms */
  tracersCpuMs: number | null;
  wallS: number;
  exitCode: number | null;
}

async function scrapeRun(on: boolean, tmp: string, i: number): Promise<ScrapeRun> {
  const out = join(tmp, `run-${on ? "on" : "off"}-${i}`);
  const loadStart = load();
  const measuredAt = new Date().toISOString();
  const args = [cli(), "run", "fixed-backoff", "--duration", String(RUN_DURATION_S), "--warmup", String(RUN_WARMUP_S), "--quiet", "--out", out, ...(on ? [] : ["--set", "window.scrapeEveryS=0"])];
  const clk = clockTicksPerSecond();
  const tracers: { t: number; ns: number }[] = [];
  // not under perf: its count would include the server and workers the harness starts; the tracers
  // (bpftrace, perf) are read as the harness's children, the scenario's processes are not its cost
  const c = await measureCommand(process.execPath, args, 250, false, {
    onReading: (pid, t) => {
      const r = readTreeCpu(pid, clk);
      if (r) tracers.push({ t, ns: (r.byChild.bpftrace ?? 0) + (r.byChild.perf ?? 0) });
    },
  });
  let serverCpuPercent: number | null = null;
  let workerCpuPercent: number | null = null;
  try {
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { processes: { role: string; cpuPercent: number }[] };
    serverCpuPercent = result.processes.filter((p) => p.role === "server").reduce((s, p) => s + p.cpuPercent, 0);
    workerCpuPercent = result.processes.filter((p) => p.role === "worker").reduce((s, p) => s + p.cpuPercent, 0);
  } catch {
    // no result.json: the run failed; the row says so through null figures and its exit code
  }
  const last = c.readings.at(-1);
  const steady = cpuPercentBetween(c.readings, RUN_WARMUP_S + 3, (last?.t ?? 0) - 1.5);
  const tracersSteady = cpuPercentBetween(tracers, RUN_WARMUP_S + 3, (last?.t ?? 0) - 1.5);
  const tracersMax = tracers.length ? Math.max(...tracers.map((x) => x.ns)) : null;
  return {
    scrape: on ? "on" : "off",
    measuredAt,
    loadStart,
    loadEnd: load(),
    serverCpuPercent: serverCpuPercent === null ? null : round(serverCpuPercent),
    workerCpuPercent: workerCpuPercent === null ? null : round(workerCpuPercent),
    harnessSteadyPercent: steady === null ? null : round(steady),
    harnessCpuMs: last ? round(last.ns / 1e6, 1) : null,
    tracersSteadyPercent: tracersSteady === null ? null : round(tracersSteady),
    tracersCpuMs: tracersMax === null ? null : round(tracersMax / 1e6, 1),
    wallS: round(c.wallS, 2),
    exitCode: c.exitCode,
  };
}

function range(xs: (number | null)[]): string {
  const v = xs.filter((x): x is number => x !== null);
  if (!v.length) return "unknown";
  return `${median(v).toFixed(2)}% (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`;
}

function verdict(h: number | null, p: number | null): { met: boolean | null; text: string } {
  if (h === null || p === null) return { met: null, text: "unknown (a figure is missing)" };
  if (h <= p) return { met: true, text: "met" };
  return { met: false, text: `misses by ${(h - p).toFixed(2)} pp (${(h / Math.max(p, 1e-9)).toFixed(1)}x pidstat)` };
}

interface Invocation {
  started: string;
  loadStart: string;
  loadEnd: string;
  parts: string[];
  kinds: string[];
  counts: number[];
  modes: string[];
  bpfStats: string;
}

interface Previous {
  attach: AttachRow[];
  scrape: ScrapeRun[];
  invocations: Invocation[];
}

/** The rows of the last results file (BENCH_COST_KEEP=1): only rows of this file's present shape (with a mode). */
function previous(): Previous {
  const none: Previous = { attach: [], scrape: [], invocations: [] };
  if (!KEEP || !existsSync(resultsFile())) return none;
  try {
    const j = JSON.parse(readFileSync(resultsFile(), "utf8")) as Partial<Previous>;
    return {
      attach: (j.attach ?? []).filter((r) => typeof r.mode === "string" && r.median !== undefined),
      scrape: (j.scrape ?? []).filter((r) => typeof r.measuredAt === "string"),
      invocations: j.invocations ?? [],
    };
  } catch {
    return none;
  }
}

const sortRows = (rows: AttachRow[]): AttachRow[] =>
  [...rows].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "sleep" ? -1 : 1) || a.processes - b.processes || ALL_MODES.indexOf(a.mode) - ALL_MODES.indexOf(b.mode));

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? "unknown" : `${x.toFixed(2)}%`);

/** "what pidstat does not do": the comparison in words */
const FAIRNESS = [
  "What the two do differs, and the table compares their costs only. `pidstat -u -w -d` reads each process's `stat`, `status` and `io` once a second: its CPU and I/O are the process's, but its context switches are the main thread's only (a multi-threaded process's other threads' wake-ups are missed), it does not follow descendants, says nothing of who woke whom, and reads no socket or syscall counters. The default `harness attach` reads every thread and every descendant, counts wake-ups by waker (bpftrace on sched:sched_waking, with timer/interrupt context), reads the TCP sockets at the window's start and end (ss) and counts syscalls by type over the window (perf), then writes result.json, report.md and a diagnosis.",
  "The `--wakeups off` rows show the harness without bpftrace; the `--wakeups off`, HARNESS_PERF=off rows without perf as well (plain /proc sampling; ss still reads the sockets at the window's start and end: there is no switch for it).",
  "Not in any column: the syscall tracepoints perf enables put every syscall of a counted thread on the kernel's slow path for the window (about 0.1 µs each, `npm run bench -- wire-cost`), charged to the measured processes themselves; idle targets make almost no syscalls.",
];

async function run(): Promise<BenchOutput> {
  const tmp = mkdtempSync(join(tmpdir(), "harness-cost-"));
  const pidstat = hasProgram("pidstat");
  const perf = hasPerfStat();
  const notes: string[] = [];
  if (!pidstat) notes.push("pidstat is not installed (`apt-get install sysstat`): its column is unknown and the target cannot be judged.");
  if (!perf) notes.push("perf is not installed or not allowed (`apt-get install linux-perf`, or `sysctl kernel.perf_event_paranoid=2`): whole-life figures are the readings' (the last quarter second and reaped children's tails missed).");
  const loadStart = load();
  const started = new Date().toISOString();
  const rows: AttachRow[] = [];
  const runs: ScrapeRun[] = [];
  const cleanups = new Set<() => void>();
  // the lock's watchdog (timeout) sends SIGTERM: put the sysctl back and stop the targets first
  const onSignal = (sig: NodeJS.Signals): void => {
    for (const c of cleanups) c();
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`bench: harness-cost: ${sig}: targets stopped, kernel.bpf_stats_enabled restored\n`);
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  let bpfStats = "not needed (no attach row)";
  try {
    if (PARTS.includes("attach")) {
      const stats = enableBpfStats((path, value) => writeFileSync(path, value));
      if ("restore" in stats) {
        cleanups.add(stats.restore);
        bpfStats = "turned on by this bench for the attach rows (kernel.bpf_stats_enabled=1), then restored";
      } else bpfStats = `not measured: ${stats.reason}`;
      try {
        for (const kind of KINDS) {
          for (const n of COUNTS) {
            process.stderr.write(`bench: harness-cost: attach vs pidstat on ${n} idle ${kind} process(es), modes ${MODES.join(", ")}, ${REPEATS} x ${DURATION_S} s\n`);
            rows.push(...(await attachVsPidstat(kind, n, pidstat, "restore" in stats, tmp, cleanups)));
          }
        }
      } finally {
        if ("restore" in stats) {
          stats.restore();
          cleanups.delete(stats.restore);
        }
      }
    }
    if (PARTS.includes("scrape")) {
      for (let i = 0; i < RUN_REPEATS; i++) {
        for (const on of i % 2 === 0 ? [true, false] : [false, true]) {
          process.stderr.write(`bench: harness-cost: harness run fixed-backoff, scrape ${on ? "on" : "off"} (${i + 1}/${RUN_REPEATS})\n`);
          runs.push(await scrapeRun(on, tmp, i));
        }
      }
    }
  } finally {
    for (const c of cleanups) c();
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("SIGINT", onSignal);
    rmSync(tmp, { recursive: true, force: true });
  }
  const loadEnd = load();
  const invocation: Invocation = { started, loadStart, loadEnd, parts: PARTS, kinds: KINDS, counts: COUNTS, modes: MODES, bpfStats };

  const prev = previous();
  const measured = new Set(rows.map((r) => `${r.kind}/${r.processes}/${r.mode}`));
  const allRows = sortRows([...prev.attach.filter((r) => !measured.has(`${r.kind}/${r.processes}/${r.mode}`)), ...rows]);
  const allRuns = runs.length ? runs : prev.scrape;
  const invocations = [...(KEEP ? prev.invocations : []), invocation];

  const judged = allRows.map((r) => ({ r, steady: verdict(r.median.total.steadyPercent, r.median.pidstat.steadyPercent), late: verdict(r.median.total.latePercent, r.median.pidstat.latePercent), life: verdict(r.median.total.lifePercent, r.median.pidstat.lifePercent) }));
  const headline = judged.filter((j) => j.r.mode === "default");
  const attachMet = headline.length > 0 && headline.every((j) => j.steady.met === true && j.life.met === true);
  const on = allRuns.filter((r) => r.scrape === "on");
  const off = allRuns.filter((r) => r.scrape === "off");
  const onMed = med(on.map((r) => r.serverCpuPercent));
  const offMed = med(off.map((r) => r.serverCpuPercent));
  const partCell = (r: AttachRow, p: PartName, f: Figure): string => fmt(r.median.parts[p][f]);
  const bpfNote = allRows.some((r) => r.mode === "default" && r.median.parts.bpfKernel.steadyPercent === null)
    ? "BPF programs' kernel time: unknown where the row says so (kernel.bpf_stats_enabled could not be turned on); the total then leaves it out."
    : "BPF programs' kernel time: the run_time_ns the kernel counts for each program bpftrace holds (kernel.bpf_stats_enabled, turned on for these rows only; it adds a clock read to each program run). It runs in whichever task is on the CPU at the event (often an idle CPU, whose time no process shows), and a small part of it may also be inside the Node process's own figure (events in its context).";
  const md = [
    `Harness measured: ${harnessLabel()}. Rows from ${invocations.length} invocation(s) under the measuring lock (each row's time and load averages are its own; the last invocation started ${started}, load ${loadStart} → ${loadEnd}). Duration per attach/pidstat run: ${DURATION_S} s, ${REPEATS} repeat(s) per mode side by side; steady stretch: 3 s after spawn to ${DURATION_S - 1} s. Subset commands: \`BENCH_COST_PARTS=attach BENCH_COST_KINDS=node BENCH_COST_COUNTS=100 BENCH_COST_KEEP=1 npm run bench -- harness-cost\` (also BENCH_COST_MODES).`,
    ...notes.map((n) => `\n**Note:** ${n}`),
    "",
    "## `harness attach` (its whole tree) vs `pidstat -u -w -d` on the same idle pids (1 reading per second)",
    "",
    `% of one core; median over repeats. The harness's total is its Node process, every program it starts (bpftrace, perf, bash and ss, ...) and the kernel time of bpftrace's BPF programs. Whole life = perf task-clock from exec to exit (start-up, bpftrace compiling, readings, report; perf counts every child) plus the BPF programs' time, over wall time; steady = the tree's CPU from 3 s after spawn to ${DURATION_S - 1} s (it includes V8's one-off memory-reducer GC, about 8 s after a Node process starts); second half = the same from ${Math.max(3, (DURATION_S - 1) / 2)} s to ${DURATION_S - 1} s, the per-second rate a longer attach tends to. Target: the default mode's total at or below pidstat, steady and whole life.`,
    "",
    "| Targets | Threads each | Harness mode | Harness total steady | pidstat steady | Steady | Total 2nd half | pidstat 2nd half | Total whole life | pidstat whole life | Whole life | Measured at (UTC), load start → end |",
    "| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ...judged.map(({ r, steady, life }) => `| ${r.processes} × ${r.kind} | ${r.threadsPerProcess} | ${MODE_TEXT[r.mode]} | ${fmt(r.median.total.steadyPercent)} | ${fmt(r.median.pidstat.steadyPercent)} | ${steady.text} | ${fmt(r.median.total.latePercent)} | ${fmt(r.median.pidstat.latePercent)} | ${fmt(r.median.total.lifePercent)} | ${fmt(r.median.pidstat.lifePercent)} | ${life.text} | ${r.measuredAt.slice(11, 16)}, ${r.loadStart} → ${r.loadEnd} |`),
    "",
    `Target (the default mode's total at or below pidstat at 10 and 100 processes, steady and whole life): **${headline.length === 0 ? "not measured" : attachMet ? "met" : "NOT met"}**.`,
    "",
    ...FAIRNESS.flatMap((f) => [f, ""]),
    "## Where the harness's cost goes",
    "",
    `% of one core, medians over repeats (so the parts need not add up to the total's median exactly). Node: the harness process's own threads. bpftrace: its process and its workload (\`timeout … cat\`), compiling included in the whole life. BPF (kernel): see below. perf: \`perf stat\` counting syscalls and its workload. Other: every other child (bash and ss reading the sockets, ...), live or reaped; in the whole life, the rest of perf's total (short-lived children and what ran after the last quarter-second reading).`,
    "",
    "| Targets | Harness mode | Node steady | bpftrace steady | BPF (kernel) steady | perf steady | Other steady | Node 2nd half | bpftrace 2nd half | BPF 2nd half | Node whole life | bpftrace whole life | BPF whole life | perf whole life | Other whole life |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...allRows.map((r) => `| ${r.processes} × ${r.kind} | ${MODE_TEXT[r.mode]} | ${partCell(r, "node", "steadyPercent")} | ${partCell(r, "bpftrace", "steadyPercent")} | ${partCell(r, "bpfKernel", "steadyPercent")} | ${partCell(r, "perf", "steadyPercent")} | ${partCell(r, "other", "steadyPercent")} | ${partCell(r, "node", "latePercent")} | ${partCell(r, "bpftrace", "latePercent")} | ${partCell(r, "bpfKernel", "latePercent")} | ${partCell(r, "node", "lifePercent")} | ${partCell(r, "bpftrace", "lifePercent")} | ${partCell(r, "bpfKernel", "lifePercent")} | ${partCell(r, "perf", "lifePercent")} | ${partCell(r, "other", "lifePercent")} |`),
    "",
    bpfNote,
    "",
    ...(allRuns.length
      ? [
          "## `harness run fixed-backoff`: the per-sample /metrics scrape's cost to the measured server",
          "",
          `${RUN_REPEATS} run(s) each, interleaved, --duration ${RUN_DURATION_S} --warmup ${RUN_WARMUP_S}; off = \`--set window.scrapeEveryS=0\` (scrapes at the window's start and end only). Median (min–max). Measured ${allRuns[0]?.measuredAt ?? "?"}, load ${allRuns[0]?.loadStart ?? "?"} → ${allRuns.at(-1)?.loadEnd ?? "?"}. Tracers: the harness's bpftrace and perf subtrees (the scenario's processes it starts are the measured ones, not its cost).`,
          "",
          "| Scrape | Server CPU | Worker CPU | Harness process, steady | Tracers, steady | Harness process CPU, whole run | Tracers' CPU, whole run |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
          ...[on, off].map((rs) => `| ${rs[0]?.scrape === "on" ? "every sample" : "window start and end only"} | ${range(rs.map((r) => r.serverCpuPercent))} | ${range(rs.map((r) => r.workerCpuPercent))} | ${range(rs.map((r) => r.harnessSteadyPercent))} | ${range(rs.map((r) => r.tracersSteadyPercent ?? null))} | ${med(rs.map((r) => r.harnessCpuMs)) ?? "unknown"} ms | ${med(rs.map((r) => r.tracersCpuMs ?? null)) ?? "unknown"} ms |`),
          "",
          onMed !== null && offMed !== null
            ? `The scrape every second adds about ${(onMed - offMed).toFixed(2)} pp to the server's median CPU (${onMed.toFixed(2)}% on vs ${offMed.toFixed(2)}% off); compare with the ranges before reading much into a difference smaller than them.`
            : "The server's CPU could not be read from every run (see the JSON for exit codes).",
        ]
      : []),
  ].join("\n");
  return {
    figures: { harness: harnessLabel(), loadStart, loadEnd, durationS: DURATION_S, repeats: REPEATS, pidstat, perf, bpfStats, invocations, attach: allRows, scrape: allRuns, attachMet },
    markdown: md,
    targetsMet: attachMet,
  };
}

export const harnessCost: Benchmark = {
  name: "harness-cost",
  description: `The real \`harness attach\`'s whole cost (its Node process, the tracers it starts and their BPF programs) next to pidstat's on the same 10 and 100 idle processes (sleep and Node), side by side, ${DURATION_S} s each, with the tracers on (the default) and off (target: the default's total at or below pidstat); and the /metrics scrape's cost to the server in \`harness run fixed-backoff\` (scrape on vs off, interleaved).`,
  run,
};
