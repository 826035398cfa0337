/**
 * The cost of the wire source (README "cost of reading socket counters"): run under the measuring
 * lock with `node dist/bench/wire-cost.js`.
 *
 * 1. One reading of every TCP socket (ss -tanieHO) plus the fd tables of a few pids: wall time and
 *    the CPU of ss (our reaped child) and of this process, per reading.
 * 2. perf stat counting syscalls by type on a process: a loop of N one-byte writes to /dev/null,
 *    its own CPU seconds (time.process_time) with and without perf attached, interleaved; and the same
 *    loop in a process perf is NOT attached to while perf counts another one (syscall tracepoints put
 *    every task on the slow syscall path while they are enabled).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readWire } from "../harness/sample/wire.js";
import { readSocketInodes } from "../harness/sample/sockets.js";
import { SyscallCounter } from "../harness/sample/syscall-counter.js";
import { clockTicksPerSecond, readStat } from "../harness/sample/proc.js";

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

/** Run the loop; `during` runs once the child is up and before it starts writing (e.g. attach perf to it). */
async function loop(during?: (pid: number) => Promise<void>): Promise<number> {
  const child = spawn("python3", ["-c", LOOP], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const done = new Promise<void>((r) => child.once("close", () => r()));
  await new Promise((r) => setTimeout(r, 150));
  if (during) await during(child.pid as number);
  child.stdin.end("go\n");
  await done;
  return Number(out.trim());
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const load = readFileSync("/proc/loadavg", "utf8").trim();
  const clk = clockTicksPerSecond();
  const ticks = (): number => readStat(process.pid)?.cpuTicks ?? 0;
  const pids = [process.pid, process.ppid, 1];
  const t0 = ticks();
  const c0 = process.cpuUsage();
  let wallMs = 0;
  let sockets = 0;
  for (let i = 0; i < READINGS; i++) {
    const w = await readWire();
    if (!w.sockets) throw new Error(w.problem);
    sockets = w.sockets.length;
    wallMs += w.tookMs;
    readSocketInodes(pids);
  }
  const cpuTotalMs = ((ticks() - t0) / clk) * 1000;
  const c1 = process.cpuUsage(c0);
  console.log(`load average before: ${load}`);
  console.log(`ss reading (${sockets} TCP sockets on the host) + fd tables of ${pids.length} pids, ${READINGS} readings: ${(wallMs / READINGS).toFixed(1)} ms wall, ${(cpuTotalMs / READINGS).toFixed(1)} ms CPU (ss + this process, 10 ms ticks), of which this process ${((c1.user + c1.system) / 1000 / READINGS).toFixed(2)} ms`);

  const plain: number[] = [];
  const traced: number[] = [];
  const bystander: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await loop());
    // perf attached to the loop's process before it starts writing, stopped after it printed
    let counter: SyscallCounter | undefined;
    traced.push(
      await loop(async (pid) => {
        counter = new SyscallCounter();
        await counter.start(new Map([["x", [pid]]]), 60);
      }),
    );
    const counted = await counter?.stop();
    if (!counted?.byKey) throw new Error(`perf did not count: ${counted?.problem}`);
    // perf attached to this process (asleep) while another process runs the loop
    const other = spawn("sleep", ["60"], { stdio: "ignore" });
    const c = new SyscallCounter();
    await c.start(new Map([["y", [other.pid as number]]]), 60);
    bystander.push(await loop());
    await c.stop();
    other.kill();
  }
  const per = (s: number): string => `${((s / WRITES) * 1e9).toFixed(0)} ns`;
  console.log(`write loop, ${WRITES} writes, CPU s per round: plain ${plain.map((x) => x.toFixed(3)).join(" ")}; perf attached ${traced.map((x) => x.toFixed(3)).join(" ")}; perf on another process ${bystander.map((x) => x.toFixed(3)).join(" ")}`);
  console.log(`per syscall (median): plain ${per(median(plain))}, perf attached ${per(median(traced))} (+${(((median(traced) - median(plain)) / median(plain)) * 100).toFixed(0)}%), perf on another process ${per(median(bystander))} (+${(((median(bystander) - median(plain)) / median(plain)) * 100).toFixed(0)}%)`);
  console.log(`load average after: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
