/**
 * The harness's own cost and its accuracy.
 *
 * Overhead: the harness process's own CPU (its /proc/self/stat ticks, and getrusage for finer
 * resolution) while the Sampler reads 1, 10 and 100 idle processes once a second. Target: under 1%
 * of one core at 100 processes.
 *
 * Accuracy: a child burning a known share of a core (busy for d ms of every 100 ms) is measured
 * through the same path as a run (Sampler readings → processFigures' window mean), and compared with
 * the kernel's own precise accounting of that process: /proc/<pid>/schedstat's nanoseconds on CPU,
 * read at the same instants. Target: within 0.5 percentage points or 5%, whichever is larger.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { Sampler } from "../harness/sample/sampler.js";
import { identify, nowSeconds, type MeasuredProcess } from "../harness/sample/tree-snapshot.js";
import { clockTicksPerSecond, readStat } from "../harness/sample/proc.js";
import { processFigures } from "../harness/analyze/process-figures.js";
import type { Benchmark, BenchOutput } from "./types.js";

const SAMPLE_S = 1;
const OVERHEAD_WINDOW_S = Number(process.env.BENCH_OVERHEAD_S ?? 20);
const ACCURACY_WINDOW_S = Number(process.env.BENCH_ACCURACY_S ?? 10);
const COUNTS = [1, 10, 100];
const SHARES = [10, 25, 50];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function startGroup(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { detached: true, stdio: "ignore" });
}

function stopGroups(children: ChildProcess[]): void {
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function targets(children: ChildProcess[]): MeasuredProcess[] {
  return children.map((c) => {
    const t = c.pid ? identify(c.pid) : undefined;
    if (!t) throw new Error("a benchmark child did not start");
    return t;
  });
}

interface OverheadRow {
  processes: number;
  seconds: number;
  /** the harness's own CPU from /proc/self/stat ticks, % of one core */
  cpuPercentTicks: number;
  /** the same from getrusage (microseconds), % of one core */
  cpuPercentRusage: number;
  /** mean wall time of one Sampler.tick, ms */
  tickMs: number;
}

async function overheadFor(n: number): Promise<OverheadRow> {
  const children = Array.from({ length: n }, () => startGroup("sleep", ["3600"]));
  try {
    await sleep(300);
    const sampler = new Sampler();
    targets(children).forEach((t, i) => sampler.add(`p${i}`, t));
    const clk = clockTicksPerSecond();
    // a few readings first: they open the kept files and let the JIT compile the sampler; then steady state
    for (let k = 0; k < 3; k++) {
      await sampler.tick(nowSeconds());
      await sleep(200);
    }
    const t0 = nowSeconds();
    const ticks0 = readStat(process.pid)?.cpuTicks ?? 0;
    const ru0 = process.cpuUsage();
    let tickWall = 0;
    for (let k = 1; k <= OVERHEAD_WINDOW_S / SAMPLE_S; k++) {
      await sleep((t0 + k * SAMPLE_S - nowSeconds()) * 1000);
      const a = nowSeconds();
      await sampler.tick(nowSeconds());
      tickWall += nowSeconds() - a;
    }
    const seconds = nowSeconds() - t0;
    const ru = process.cpuUsage(ru0);
    const ticks = (readStat(process.pid)?.cpuTicks ?? 0) - ticks0;
    sampler.close();
    return {
      processes: n,
      seconds: round(seconds, 2),
      cpuPercentTicks: round((ticks / clk / seconds) * 100, 3),
      cpuPercentRusage: round(((ru.user + ru.system) / 1e6 / seconds) * 100, 3),
      tickMs: round((tickWall / (OVERHEAD_WINDOW_S / SAMPLE_S)) * 1000, 2),
    };
  } finally {
    stopGroups(children);
  }
}

interface AccuracyRow {
  nominalPercent: number;
  seconds: number;
  /** the harness's window figure (processFigures over Sampler readings) */
  harnessPercent: number;
  /** the kernel's own: /proc/<pid>/schedstat ns on CPU over the same readings */
  kernelPercent: number;
  diffPp: number;
  withinTarget: boolean;
}

function schedNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
}

/** A child busy for share% of every 100 ms, idle (sleeping) for the rest. */
const BURNER = `
const share = Number(process.argv[1]) / 100;
const period = 100;
(async () => {
  for (;;) {
    const start = performance.now();
    while (performance.now() - start < share * period);
    await new Promise((r) => setTimeout(r, period * (1 - share)));
  }
})();
`;

async function accuracyFor(share: number): Promise<AccuracyRow> {
  const child = startGroup(process.execPath, ["-e", BURNER, String(share)]);
  try {
    await sleep(1000);
    const [target] = targets([child]);
    const sampler = new Sampler();
    sampler.add("burner", target as MeasuredProcess);
    const clk = clockTicksPerSecond();
    const t0 = nowSeconds();
    sampler.windowStart = t0;
    await sampler.tick(nowSeconds());
    const ns0 = schedNs(child.pid as number);
    const track = sampler.tracks.get("burner");
    const at0 = track?.readings.at(-1)?.snap.at ?? t0;
    let ns1 = ns0;
    for (let k = 1; k <= ACCURACY_WINDOW_S / SAMPLE_S; k++) {
      await sleep((t0 + k * SAMPLE_S - nowSeconds()) * 1000);
      await sampler.tick(nowSeconds());
      ns1 = schedNs(child.pid as number);
    }
    const at1 = track?.readings.at(-1)?.snap.at ?? nowSeconds();
    sampler.close();
    if (!track) throw new Error("no track");
    const fig = processFigures(track, { role: "worker", name: "burner", group: "burner", pid: child.pid as number, command: [], log: "" }, ACCURACY_WINDOW_S, ACCURACY_WINDOW_S, clk);
    const kernel = ((ns1 - ns0) / 1e9 / (at1 - at0)) * 100;
    const diff = fig.cpuPercent - kernel;
    return {
      nominalPercent: share,
      seconds: round(at1 - at0, 3),
      harnessPercent: round(fig.cpuPercent, 3),
      kernelPercent: round(kernel, 3),
      diffPp: round(diff, 3),
      withinTarget: Math.abs(diff) <= Math.max(0.5, 0.05 * kernel),
    };
  } finally {
    stopGroups([child]);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const overhead: Benchmark = {
  name: "overhead",
  description: `The harness's own CPU while sampling 1, 10 and 100 idle processes at 1 Hz (${OVERHEAD_WINDOW_S} s each; target < 1% of one core at 100), and the window CPU figure against the kernel's schedstat accounting for a process burning 10/25/50% of a core (${ACCURACY_WINDOW_S} s each; target within 0.5 pp or 5%).`,
  async run(): Promise<BenchOutput> {
    const rows: OverheadRow[] = [];
    for (const n of COUNTS) {
      process.stderr.write(`bench: overhead: sampling ${n} process(es) for ${OVERHEAD_WINDOW_S} s\n`);
      rows.push(await overheadFor(n));
    }
    const acc: AccuracyRow[] = [];
    for (const s of SHARES) {
      process.stderr.write(`bench: overhead: accuracy at ${s}% of a core for ${ACCURACY_WINDOW_S} s\n`);
      acc.push(await accuracyFor(s));
    }
    const at100 = rows.find((r) => r.processes === 100);
    const overheadMet = at100 !== undefined && at100.cpuPercentTicks < 1 && at100.cpuPercentRusage < 1;
    const accuracyMet = acc.every((a) => a.withinTarget);
    const md = [
      "## The harness's own CPU while sampling (1 reading per second)",
      "",
      "| Processes sampled | Seconds | Harness CPU (/proc ticks) | Harness CPU (getrusage) | Mean tick (wall) |",
      "| ---: | ---: | ---: | ---: | ---: |",
      ...rows.map((r) => `| ${r.processes} | ${r.seconds} | ${r.cpuPercentTicks.toFixed(2)}% | ${r.cpuPercentRusage.toFixed(2)}% | ${r.tickMs.toFixed(1)} ms |`),
      "",
      `Target: under 1% of one core at 100 processes — **${overheadMet ? "met" : "NOT met"}**.`,
      "",
      "## Accuracy of the window CPU figure",
      "",
      "| Burner (nominal) | Seconds | Harness window CPU | Kernel (schedstat) | Difference |",
      "| ---: | ---: | ---: | ---: | ---: |",
      ...acc.map((a) => `| ${a.nominalPercent}% | ${a.seconds} | ${a.harnessPercent.toFixed(2)}% | ${a.kernelPercent.toFixed(2)}% | ${a.diffPp >= 0 ? "+" : ""}${a.diffPp.toFixed(2)} pp${a.withinTarget ? "" : " (outside target)"} |`),
      "",
      `Target: within 0.5 percentage points or 5% of the kernel's figure — **${accuracyMet ? "met" : "NOT met"}**. The nominal share is what the burner aims at; on a busy machine it gets less, which is why the reference is the kernel's accounting, not the nominal figure.`,
    ].join("\n");
    return { figures: { overhead: rows, accuracy: acc, overheadMet, accuracyMet }, markdown: md, targetsMet: overheadMet && accuracyMet };
  },
};
