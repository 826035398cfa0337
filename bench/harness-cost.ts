/**
 * The harness's own cost, measured the way a user pays it, next to pidstat.
 *
 * 1. Attach vs pidstat: on the same idle pids (10 and 100 single-threaded `sleep`s, and 10 and 100
 *    idle Node processes with their ~7 threads each), the real `harness attach --pid ... --duration D
 *    --quiet` process and `pidstat -u -w -d -p <pids> 1 D` run side by side (which starts first
 *    alternates between repeats). Each one's CPU: over its whole life (perf stat task-clock: start-up,
 *    readings, report writing) and over a steady stretch (its threads' schedstat nanoseconds, read
 *    every 250 ms by this bench, from 3 s after spawn to 1 s before the window's end).
 *    Target: the harness at or below pidstat at 10 and 100 processes.
 * 2. `harness run fixed-backoff` with the per-sample /metrics scrape on (the default) and off
 *    (`--set window.scrapeEveryS=0`), interleaved: the measured server's CPU (from result.json) and
 *    the harness process's own CPU (its threads, not its children).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../harness/util/paths.js";
import { median } from "../harness/stats/summary.js";
import { cpuPercentBetween, hasPerfStat, hasProgram, measureCommand, type CommandCost } from "./process-cpu.js";
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

type TargetKind = "sleep" | "node";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
/** the harness measured: this checkout's build, or another build's main.js (to measure a patched copy) */
const cli = (): string => process.env.BENCH_HARNESS_CLI ?? join(packageRoot(), "dist", "harness", "cli", "main.js");
const harnessLabel = (): string => (process.env.BENCH_HARNESS_CLI ? `\`${process.env.BENCH_HARNESS_CLI}\` (BENCH_HARNESS_CLI)` : "this checkout's `dist/harness/cli/main.js`");

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

interface AttachRow {
  kind: TargetKind;
  processes: number;
  threadsPerProcess: number;
  loadStart: string;
  loadEnd: string;
  repeats: { harness: ToolCost; pidstat: ToolCost | null; harnessFirst: boolean }[];
  harnessSteadyMedian: number | null;
  pidstatSteadyMedian: number | null;
  harnessLifeMedian: number | null;
  pidstatLifeMedian: number | null;
  harnessLateMedian: number | null;
  pidstatLateMedian: number | null;
}

const med = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round(median(v)) : null;
};

async function attachVsPidstat(kind: TargetKind, n: number, pidstat: boolean, tmp: string): Promise<AttachRow> {
  const targets = startTargets(kind, n);
  try {
    // let them start (100 Node processes take seconds of CPU to boot) and settle
    await sleep(kind === "node" ? 3000 + 60 * n : 1000);
    const pids = targets.map((t) => t.pid as number);
    const row: AttachRow = { kind, processes: n, threadsPerProcess: threadsOf(pids[0] as number), loadStart: load(), loadEnd: "", repeats: [], harnessSteadyMedian: null, pidstatSteadyMedian: null, harnessLifeMedian: null, pidstatLifeMedian: null, harnessLateMedian: null, pidstatLateMedian: null };
    for (let r = 0; r < REPEATS; r++) {
      const harnessFirst = r % 2 === 0;
      const harnessArgs = [cli(), "attach", ...pids.flatMap((p) => ["--pid", String(p)]), "--duration", String(DURATION_S), "--quiet", "--out", join(tmp, `attach-${kind}-${n}-${r}`)];
      const pidstatArgs = ["-u", "-w", "-d", "-p", pids.join(","), "1", String(DURATION_S)];
      const runHarness = (): Promise<CommandCost> => measureCommand(process.execPath, harnessArgs);
      const runPidstat = (): Promise<CommandCost> => measureCommand("pidstat", pidstatArgs);
      let h: Promise<CommandCost>;
      let p: Promise<CommandCost> | undefined;
      if (harnessFirst) {
        h = runHarness();
        if (pidstat) p = runPidstat();
      } else {
        if (pidstat) p = runPidstat();
        h = runHarness();
      }
      const [hc, pc] = await Promise.all([h, p]);
      row.repeats.push({ harness: toolCost(hc, 3, DURATION_S - 1), pidstat: pc ? toolCost(pc, 3, DURATION_S - 1) : null, harnessFirst });
      process.stderr.write(`bench: harness-cost: ${n} ${kind}: harness steady ${row.repeats.at(-1)?.harness.steadyPercent}% life ${row.repeats.at(-1)?.harness.lifePercent}%; pidstat steady ${row.repeats.at(-1)?.pidstat?.steadyPercent ?? "-"}% life ${row.repeats.at(-1)?.pidstat?.lifePercent ?? "-"}% (load ${load()})\n`);
    }
    row.loadEnd = load();
    row.harnessSteadyMedian = med(row.repeats.map((x) => x.harness.steadyPercent));
    row.pidstatSteadyMedian = med(row.repeats.map((x) => x.pidstat?.steadyPercent ?? null));
    row.harnessLifeMedian = med(row.repeats.map((x) => x.harness.lifePercent));
    row.pidstatLifeMedian = med(row.repeats.map((x) => x.pidstat?.lifePercent ?? null));
    row.harnessLateMedian = med(row.repeats.map((x) => x.harness.latePercent));
    row.pidstatLateMedian = med(row.repeats.map((x) => x.pidstat?.latePercent ?? null));
    return row;
  } finally {
    stopTargets(targets);
  }
}

interface ScrapeRun {
  scrape: "on" | "off";
  loadStart: string;
  loadEnd: string;
  serverCpuPercent: number | null;
  workerCpuPercent: number | null;
  /** the harness process's own threads, % of one core over its window (3 s after warm-up start to 1.5 s before exit) */
  harnessSteadyPercent: number | null;
  /** the harness process's own CPU from spawn to its last reading, ms */
  harnessCpuMs: number | null;
  wallS: number;
  exitCode: number | null;
}

async function scrapeRun(on: boolean, tmp: string, i: number): Promise<ScrapeRun> {
  const out = join(tmp, `run-${on ? "on" : "off"}-${i}`);
  const loadStart = load();
  const args = [cli(), "run", "fixed-backoff", "--duration", String(RUN_DURATION_S), "--warmup", String(RUN_WARMUP_S), "--quiet", "--out", out, ...(on ? [] : ["--set", "window.scrapeEveryS=0"])];
  // not under perf: its count would include the server and workers the harness starts
  const c = await measureCommand(process.execPath, args, 250, false);
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
  return {
    scrape: on ? "on" : "off",
    loadStart,
    loadEnd: load(),
    serverCpuPercent: serverCpuPercent === null ? null : round(serverCpuPercent),
    workerCpuPercent: workerCpuPercent === null ? null : round(workerCpuPercent),
    harnessSteadyPercent: steady === null ? null : round(steady),
    harnessCpuMs: last ? round(last.ns / 1e6, 1) : null,
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

async function run(): Promise<BenchOutput> {
  const tmp = mkdtempSync(join(tmpdir(), "harness-cost-"));
  const pidstat = hasProgram("pidstat");
  const perf = hasPerfStat();
  const notes: string[] = [];
  if (!pidstat) notes.push("pidstat is not installed (`apt-get install sysstat`): its column is unknown and the target cannot be judged.");
  if (!perf) notes.push("perf is not installed or not allowed (`apt-get install linux-perf`, or `sysctl kernel.perf_event_paranoid=2`): whole-life figures are unknown.");
  const loadStart = load();
  const rows: AttachRow[] = [];
  const runs: ScrapeRun[] = [];
  try {
    if (PARTS.includes("attach")) {
      for (const kind of KINDS) {
        for (const n of COUNTS) {
          process.stderr.write(`bench: harness-cost: attach vs pidstat on ${n} idle ${kind} process(es), ${REPEATS} x ${DURATION_S} s\n`);
          rows.push(await attachVsPidstat(kind, n, pidstat, tmp));
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
    rmSync(tmp, { recursive: true, force: true });
  }
  const loadEnd = load();

  const judged = rows.map((r) => ({ r, steady: verdict(r.harnessSteadyMedian, r.pidstatSteadyMedian), life: verdict(r.harnessLifeMedian, r.pidstatLifeMedian) }));
  const attachMet = judged.length > 0 && judged.every((j) => j.steady.met === true && j.life.met === true);
  const fmt = (x: number | null): string => (x === null ? "unknown" : `${x.toFixed(2)}%`);
  const on = runs.filter((r) => r.scrape === "on");
  const off = runs.filter((r) => r.scrape === "off");
  const onMed = med(on.map((r) => r.serverCpuPercent));
  const offMed = med(off.map((r) => r.serverCpuPercent));
  const md = [
    `Harness measured: ${harnessLabel()}. Load average (1/5/15 min) at start: ${loadStart}; at end: ${loadEnd}. Duration per attach/pidstat run: ${DURATION_S} s, ${REPEATS} repeat(s) side by side; steady stretch: 3 s after spawn to ${DURATION_S - 1} s.`,
    ...notes.map((n) => `\n**Note:** ${n}`),
    "",
    "## `harness attach` vs `pidstat -u -w -d` on the same idle pids (1 reading per second)",
    "",
    `% of one core; median over repeats. Whole life = perf task-clock from exec to exit (start-up, readings, report) over wall time; steady = the process's threads' schedstat ns from 3 s after spawn to ${DURATION_S - 1} s (it includes V8's one-off memory-reducer GC, about 8 s after a Node process starts); second half = the same from ${Math.max(3, (DURATION_S - 1) / 2)} s to ${DURATION_S - 1} s, the per-second rate a longer attach tends to.`,
    "",
    "| Targets | Threads each | Harness steady | pidstat steady | Steady target | Harness 2nd half | pidstat 2nd half | Harness whole life | pidstat whole life | Whole-life target | Load at start → end |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ...judged.map(({ r, steady, life }) => `| ${r.processes} × ${r.kind} | ${r.threadsPerProcess} | ${fmt(r.harnessSteadyMedian)} | ${fmt(r.pidstatSteadyMedian)} | ${steady.text} | ${fmt(r.harnessLateMedian)} | ${fmt(r.pidstatLateMedian)} | ${fmt(r.harnessLifeMedian)} | ${fmt(r.pidstatLifeMedian)} | ${life.text} | ${r.loadStart} → ${r.loadEnd} |`),
    "",
    `Target (at or below pidstat at 10 and 100 processes, steady and whole life): **${judged.length === 0 ? "not measured" : attachMet ? "met" : "NOT met"}**.`,
    "",
    ...(runs.length
      ? [
          "## `harness run fixed-backoff`: the per-sample /metrics scrape's cost to the measured server",
          "",
          `${RUN_REPEATS} run(s) each, interleaved, --duration ${RUN_DURATION_S} --warmup ${RUN_WARMUP_S}; off = \`--set window.scrapeEveryS=0\` (scrapes at the window's start and end only). Median (min–max).`,
          "",
          "| Scrape | Server CPU | Worker CPU | Harness process, steady | Harness process CPU, whole run |",
          "| --- | ---: | ---: | ---: | ---: |",
          ...[on, off].map((rs) => `| ${rs[0]?.scrape === "on" ? "every sample" : "window start and end only"} | ${range(rs.map((r) => r.serverCpuPercent))} | ${range(rs.map((r) => r.workerCpuPercent))} | ${range(rs.map((r) => r.harnessSteadyPercent))} | ${med(rs.map((r) => r.harnessCpuMs)) ?? "unknown"} ms |`),
          "",
          onMed !== null && offMed !== null
            ? `The scrape every second adds about ${(onMed - offMed).toFixed(2)} pp to the server's median CPU (${onMed.toFixed(2)}% on vs ${offMed.toFixed(2)}% off); compare with the ranges before reading much into a difference smaller than them.`
            : "The server's CPU could not be read from every run (see the JSON for exit codes).",
        ]
      : []),
  ].join("\n");
  return {
    figures: { harness: harnessLabel(), loadStart, loadEnd, durationS: DURATION_S, repeats: REPEATS, pidstat, perf, attach: rows, scrape: runs, attachMet },
    markdown: md,
    targetsMet: attachMet,
  };
}

export const harnessCost: Benchmark = {
  name: "harness-cost",
  description: `The real \`harness attach\` process's own CPU next to pidstat's on the same 10 and 100 idle processes (sleep and Node), side by side, ${DURATION_S} s each (target: at or below pidstat); and the /metrics scrape's cost to the server in \`harness run fixed-backoff\` (scrape on vs off, interleaved).`,
  run,
};
