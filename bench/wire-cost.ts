/**
 * The cost of the wire source (README "The harness's own cost"): `npm run bench -- wire-cost`.
 *
 * 1. One reading of every TCP socket (ss -tanieHO through bash, as harness/sample/wire.ts does) plus
 *    the fd tables of a few pids: wall time, and the CPU of bash and ss (reaped children: cutime and
 *    cstime, clock ticks) and of this process (getrusage), per reading.
 * 2. perf stat counting syscalls by type on a process: a Python loop of N one-byte writes to
 *    /dev/null, its own CPU seconds (time.process_time) with and without perf attached, interleaved;
 *    and the same loop in a process perf is NOT attached to while perf counts another one (syscall
 *    tracepoints put every task on the slow syscall path while they are enabled). Also perf's own CPU
 *    (its process and workload) over the counted loop.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { readWire } from "../harness/sample/wire.js";
import { readSocketInodes } from "../harness/sample/sockets.js";
import { SyscallCounter } from "../harness/sample/syscall-counter.js";
import { clockTicksPerSecond } from "../harness/sample/proc.js";
import { median } from "../harness/stats/summary.js";
import { hasProgram } from "./process-cpu.js";
import { readTreeCpu } from "./tree-cpu.js";
import type { Benchmark, BenchOutput } from "./types.js";

const READINGS = Number(process.env.BENCH_WIRE_READINGS ?? 40);
const WRITES = Number(process.env.BENCH_WIRE_WRITES ?? 400_000);
const ROUNDS = Number(process.env.BENCH_WIRE_ROUNDS ?? 4);

const LOOP = `
import os, sys, time
sys.stdin.readline()
fd = os.open("/dev/null", os.O_WRONLY)
t = time.process_time()
for _ in range(${WRITES}):
    os.write(fd, b"x")
print(time.process_time() - t, flush=True)
`;

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** Run the loop; `during` runs once the child is up and before it starts writing (e.g. attach perf to it). */
async function loop(during?: (pid: number) => Promise<void>): Promise<number> {
  const child = spawn("python3", ["-c", LOOP], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const done = new Promise<void>((r) => child.once("close", () => r()));
    await new Promise((r) => setTimeout(r, 150));
    if (during) await during(child.pid as number);
    child.stdin.end("go\n");
    await done;
    const s = Number(out.trim());
    if (!(s > 0)) throw new Error(`the write loop printed no CPU time (${JSON.stringify(out.trim())})`);
    return s;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** perf's subtree CPU (ns) as this process's child, or null when it is not running. */
function perfNs(clk: number): number | null {
  return readTreeCpu(process.pid, clk)?.byChild.perf ?? null;
}

interface SsFigures {
  sockets: number;
  readings: number;
  wallMsPerReading: number;
  /** bash + ss, from this process's reaped children's times (10 ms ticks) */
  childrenCpuMsPerReading: number;
  /** this process (spawning, parsing, the fd tables) */
  selfCpuMsPerReading: number;
}

async function ssCost(clk: number): Promise<SsFigures> {
  const pids = [process.pid, process.ppid, 1];
  const before = readTreeCpu(process.pid, clk);
  const c0 = process.cpuUsage();
  let wallMs = 0;
  let sockets = 0;
  for (let i = 0; i < READINGS; i++) {
    const w = await readWire();
    if (!w.sockets) throw new Error(`ss could not be read: ${w.problem}`);
    sockets = w.sockets.length;
    wallMs += w.tookMs;
    readSocketInodes(pids);
  }
  const c1 = process.cpuUsage(c0);
  const after = readTreeCpu(process.pid, clk);
  const reapedMs = before && after ? (after.reaped - before.reaped) / 1e6 : Number.NaN;
  return {
    sockets,
    readings: READINGS,
    wallMsPerReading: round(wallMs / READINGS, 2),
    childrenCpuMsPerReading: round(reapedMs / READINGS, 2),
    selfCpuMsPerReading: round((c1.user + c1.system) / 1000 / READINGS, 2),
  };
}

async function run(): Promise<BenchOutput> {
  const loadBefore = load();
  const clk = clockTicksPerSecond();
  const missing = ["ss", "bash", "perf", "python3"].filter((p) => !hasProgram(p));
  if (missing.length) {
    const text = `Not measured: ${missing.join(", ")} not installed here.`;
    return { figures: { loadBefore, missing }, markdown: text, targetsMet: false };
  }
  const ss = await ssCost(clk);

  const plain: number[] = [];
  const traced: number[] = [];
  const bystander: number[] = [];
  const perfCpuMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await loop());
    // perf attached to the loop's process before it starts writing, stopped after it printed
    const counter = new SyscallCounter();
    let perfAtStart: number | null = null;
    try {
      traced.push(
        await loop(async (pid) => {
          await counter.start(new Map([["x", [pid]]]), 60);
          perfAtStart = perfNs(clk);
        }),
      );
      const perfAtEnd = perfNs(clk);
      if (perfAtStart !== null && perfAtEnd !== null) perfCpuMs.push((perfAtEnd - perfAtStart) / 1e6);
    } catch (err) {
      await counter.stop();
      throw err;
    }
    const counted = await counter.stop();
    if (!counted.byKey) throw new Error(`perf did not count: ${counted.problem}`);
    // perf attached to another process (asleep) while this loop runs
    const other = spawn("sleep", ["60"], { stdio: "ignore" });
    const c = new SyscallCounter();
    try {
      await c.start(new Map([["y", [other.pid as number]]]), 60);
      bystander.push(await loop());
    } finally {
      await c.stop();
      other.kill("SIGKILL");
    }
  }
  const loadAfter = load();
  const ns = (s: number): number => Math.round((s / WRITES) * 1e9);
  const mPlain = median(plain);
  const mTraced = median(traced);
  const mBy = median(bystander);
  const pct = (x: number): number => round(((x - mPlain) / mPlain) * 100, 1);
  const figures = {
    loadBefore,
    loadAfter,
    readings: READINGS,
    writes: WRITES,
    rounds: ROUNDS,
    ss,
    loopCpuS: { plain: plain.map((x) => round(x)), perfAttached: traced.map((x) => round(x)), perfOnAnother: bystander.map((x) => round(x)) },
    nsPerSyscall: { plain: ns(mPlain), perfAttached: ns(mTraced), perfOnAnother: ns(mBy) },
    changePercent: { perfAttached: pct(mTraced), perfOnAnother: pct(mBy) },
    perfOwnCpuMsPerRound: perfCpuMs.map((x) => round(x, 1)),
  };
  const sign = (x: number): string => `${x > 0 ? "+" : ""}${x}%`;
  const markdown = [
    `Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}. BENCH_WIRE_READINGS=${READINGS}, BENCH_WIRE_WRITES=${WRITES}, BENCH_WIRE_ROUNDS=${ROUNDS}.`,
    "",
    "## One reading of the TCP sockets (what the wire does at the window's start and end)",
    "",
    `\`ss -tanieHO\` through bash (as harness/sample/wire.ts runs it) plus the fd tables of 3 pids, ${READINGS} readings in a row, ${ss.sockets} TCP socket(s) on the host.`,
    "",
    "| Wall per reading | bash + ss CPU per reading (reaped children, 10 ms ticks) | This process's CPU per reading (spawn, parse, fd tables) |",
    "| ---: | ---: | ---: |",
    `| ${ss.wallMsPerReading} ms | ${ss.childrenCpuMsPerReading} ms | ${ss.selfCpuMsPerReading} ms |`,
    "",
    "## perf counting syscalls: the cost to the counted process",
    "",
    `A Python loop of ${WRITES.toLocaleString("en-US")} one-byte writes to /dev/null, its own CPU (time.process_time), ${ROUNDS} interleaved rounds: plain; with the harness's SyscallCounter (perf stat on ${"syscalls:*"} tracepoints) attached to it; and plain while perf counts another (sleeping) process.`,
    "",
    "| | Loop CPU s per round | Per syscall (median) | Change |",
    "| --- | --- | ---: | ---: |",
    `| plain | ${figures.loopCpuS.plain.join(", ")} | ${figures.nsPerSyscall.plain} ns | |`,
    `| perf attached to the loop | ${figures.loopCpuS.perfAttached.join(", ")} | ${figures.nsPerSyscall.perfAttached} ns | ${sign(figures.changePercent.perfAttached)} |`,
    `| perf attached to another process | ${figures.loopCpuS.perfOnAnother.join(", ")} | ${figures.nsPerSyscall.perfOnAnother} ns | ${sign(figures.changePercent.perfOnAnother)} |`,
    "",
    `perf's own CPU (its process and workload) while it counted the loop: ${perfCpuMs.length ? perfCpuMs.map((x) => `${x.toFixed(1)} ms`).join(", ") : "unknown (perf was not seen as this process's child)"} per round: counting is the kernel's work, charged to the counted threads (the change above), not to perf.`,
  ].join("\n");
  return { figures, markdown, targetsMet: true };
}

export const wireCost: Benchmark = {
  name: "wire-cost",
  description: "the wire source's cost: one ss reading of the TCP sockets (wall and CPU), and perf counting syscalls (the counted process's CPU per syscall, with perf on it, on another process, and off)",
  run,
};
