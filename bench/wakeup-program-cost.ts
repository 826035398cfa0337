/**
 * What the wake-up counter's bpftrace costs, by part of its program (harness/sample/wakeup-program.ts),
 * to tell which change would cut it: `npm run bench -- wakeup-program-cost`.
 *
 * Variants: the harness's program; without the waker's syscall (`via`: reads the waking task's saved
 * registers through BTF types); without the interrupt/timer context probes (sched probes only); and a
 * minimal sched_waking count. For each:
 * 1. start-up: perf stat task-clock of `bpftrace -B none -e <program> -c /usr/bin/true` (compile,
 *    load, attach, run nothing, exit);
 * 2. steady, on this machine as it is (no load of ours): bpftrace's own threads' CPU, and the kernel
 *    time and runs of its BPF programs (kernel.bpf_stats_enabled, turned on for the bench and restored),
 *    over STEADY_S seconds after it printed ready.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { median } from "../harness/stats/summary.js";
import { wakeupProgram } from "../harness/sample/wakeup-program.js";
import { hasPerfStat, hasProgram, measureCommand, threadsCpuNs } from "./process-cpu.js";
import { enableBpfStats, readBpfRunTime } from "./tree-cpu.js";
import type { Benchmark, BenchOutput } from "./types.js";

const STEADY_S = Number(process.env.BENCH_WAKEPROG_S ?? 10);
const ROUNDS = Number(process.env.BENCH_WAKEPROG_ROUNDS ?? 2);
const TRACEFS = ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"];
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function has(event: string): boolean {
  for (const dir of TRACEFS) if (existsSync(`${dir}/sched/sched_waking`)) return existsSync(`${dir}/${event}`);
  return !event.startsWith("irq_vectors/");
}

const VARIANTS: { name: string; program: () => string }[] = [
  { name: "harness program", program: () => wakeupProgram(has, process.pid) },
  { name: "without via (no saved-register read)", program: () => wakeupProgram(has, process.pid, "none") },
  // no context probe sets @c: the key's context bits become 0 and END's clear(@c) goes
  { name: "without context probes (sched only)", program: () => wakeupProgram((e) => e.startsWith("sched/") && has(e), process.pid).replace("@c[cpu]", "0").replace("END { clear(@c); }\n", "") },
  { name: "minimal sched_waking count", program: () => 'BEGIN { printf("ready\\n"); } tracepoint:sched:sched_waking { @w[pid, comm, args->pid] = count(); }\n' },
];

/** Each BPF program's id, size (verified instructions), runs and run time so far. */
function perProgram(pid: number): Map<string, { insns: number; runs: number; ns: number }> {
  const out = new Map<string, { insns: number; runs: number; ns: number }>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      const t = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "latin1");
      const id = /^prog_id:\s*(\d+)/m.exec(t)?.[1];
      if (!id) continue;
      const num = (k: string): number => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(t)?.[1] ?? 0);
      out.set(id, { insns: num("verified_insns"), runs: num("run_cnt"), ns: num("run_time_ns") });
    }
  } catch {
    // gone
  }
  return out;
}

interface Steady {
  userPercent: number | null;
  kernelPercent: number | null;
  runsPerS: number | null;
  nsPerRun: number | null;
  programs: number | null;
  /** each program (by verified instructions): runs/s and % of a core */
  byProgram?: { insns: number; runsPerS: number; percent: number }[];
}

async function steady(program: string, stats: boolean): Promise<Steady> {
  const child = spawn("bpftrace", ["-B", "none", "-e", program], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const none: Steady = { userPercent: null, kernelPercent: null, runsPerS: null, nsPerRun: null, programs: null };
  try {
    let out = "";
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("ready\n")) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once("close", () => resolve(false));
    });
    if (!ready || child.pid === undefined) return none;
    await sleep(1000);
    const t0 = performance.now();
    const u0 = threadsCpuNs(child.pid);
    const b0 = stats ? readBpfRunTime(child.pid) : null;
    const p0 = stats ? perProgram(child.pid) : new Map<string, { insns: number; runs: number; ns: number }>();
    await sleep(STEADY_S * 1000);
    const s = (performance.now() - t0) / 1000;
    const u1 = threadsCpuNs(child.pid);
    const b1 = stats ? readBpfRunTime(child.pid) : null;
    const p1 = stats ? perProgram(child.pid) : new Map<string, { insns: number; runs: number; ns: number }>();
    const byProgram = [...p1].map(([id, e]) => ({ insns: e.insns, runsPerS: Math.round((e.runs - (p0.get(id)?.runs ?? 0)) / s), percent: round(((e.ns - (p0.get(id)?.ns ?? 0)) / 1e9 / s) * 100, 4) })).sort((a, b) => b.percent - a.percent);
    const runs = b0 && b1 ? b1.runs - b0.runs : null;
    return {
      userPercent: u0 !== undefined && u1 !== undefined ? round(((u1 - u0) / 1e9 / s) * 100) : null,
      kernelPercent: b0 && b1 ? round(((b1.runNs - b0.runNs) / 1e9 / s) * 100) : null,
      runsPerS: runs === null ? null : Math.round(runs / s),
      nsPerRun: b0 && b1 && runs ? Math.round((b1.runNs - b0.runNs) / runs) : null,
      programs: b1?.programs ?? null,
      byProgram,
    };
  } finally {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

async function run(): Promise<BenchOutput> {
  const loadBefore = load();
  if (!hasProgram("bpftrace")) return { figures: { loadBefore }, markdown: "Not measured: bpftrace is not installed here.", targetsMet: false };
  const stats = enableBpfStats((p, v) => writeFileSync(p, v));
  const restore = "restore" in stats ? stats.restore : (): void => {};
  const onSignal = (): void => {
    restore();
    process.exit(143);
  };
  process.once("SIGTERM", onSignal);
  const results = VARIANTS.map((v) => ({ name: v.name, startupMs: [] as number[], steady: [] as Steady[] }));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, v] of VARIANTS.entries()) {
        const res = results[i] as (typeof results)[number];
        const c = await measureCommand("bpftrace", ["-B", "none", "-e", v.program(), "-c", "/usr/bin/true"]);
        // a program bpftrace refuses is no figure (its error would look like a cheap start-up)
        if (c.lifeCpuMs !== null && c.exitCode === 0) res.startupMs.push(c.lifeCpuMs);
        res.steady.push(await steady(v.program(), "restore" in stats));
        process.stderr.write(`bench: wakeup-program-cost: ${v.name}: start-up ${c.lifeCpuMs?.toFixed(0) ?? "?"} ms (exit ${c.exitCode}); steady ${JSON.stringify(res.steady.at(-1))} (load ${load()})\n`);
      }
    }
  } finally {
    restore();
    process.removeListener("SIGTERM", onSignal);
  }
  const loadAfter = load();
  const med = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? round(median(v), 3) : null;
  };
  const summary = results.map((r) => ({
    name: r.name,
    startupCpuMs: med(r.startupMs),
    userPercent: med(r.steady.map((s) => s.userPercent)),
    kernelPercent: med(r.steady.map((s) => s.kernelPercent)),
    runsPerS: med(r.steady.map((s) => s.runsPerS)),
    nsPerRun: med(r.steady.map((s) => s.nsPerRun)),
    programs: med(r.steady.map((s) => s.programs)),
  }));
  const cell = (x: number | null, unit = ""): string => (x === null ? "unknown" : `${x}${unit}`);
  const markdown = [
    `Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}. ${ROUNDS} interleaved round(s), medians; steady ${STEADY_S} s on this machine as it was (nothing of ours running). BPF kernel time: ${"restore" in stats ? "kernel.bpf_stats_enabled turned on for the bench, then restored" : `not measured (${stats.reason})`}.${hasPerfStat() ? "" : " perf is missing: start-up CPU unknown."}`,
    "",
    "| Program | Start-up CPU (compile, attach, exit) | bpftrace steady (user space, % of a core) | BPF programs steady (kernel, % of a core) | BPF runs/s | ns per run | Programs |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...summary.map((s) => `| ${s.name} | ${cell(s.startupCpuMs, " ms")} | ${cell(s.userPercent, "%")} | ${cell(s.kernelPercent, "%")} | ${cell(s.runsPerS)} | ${cell(s.nsPerRun)} | ${cell(s.programs)} |`),
    "",
    `The harness program's BPF programs, each (by verified instructions: the largest is sched_waking's), last round: ${(results[0]?.steady.at(-1)?.byProgram ?? []).map((b) => `${b.insns} insns ${b.runsPerS}/s ${b.percent}%`).join("; ") || "unknown"}.`,
    "",
    "The BPF programs run on every matching event on the whole machine (every wake-up, timer, interrupt), not only the measured processes': their kernel time grows with the machine's event rate, and it is charged to whichever task was on the CPU.",
  ].join("\n");
  return { figures: { loadBefore, loadAfter, steadyS: STEADY_S, rounds: ROUNDS, summary, results }, markdown, targetsMet: true };
}

export const wakeupProgramCost: Benchmark = {
  name: "wakeup-program-cost",
  description: "the wake-up counter's bpftrace by part of its program: start-up CPU (compile, attach) and steady CPU in user space and in its BPF programs (kernel), for the harness's program and three cut-down variants",
  run,
};
