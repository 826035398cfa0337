/**
 * The CPU a command costs, read from outside it (bench/harness-cost.ts): the command runs under
 * `perf stat -e task-clock` (nanoseconds over its whole life, every thread and any child it starts),
 * and the bench reads the sum of its threads' /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU)
 * every quarter second, so the cost over a steady stretch can be told apart from start-up and the
 * final report writing. A hook at each reading lets a bench read the command's children too
 * (bench/tree-cpu.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CpuReading {
  /** seconds since the command was spawned */
  t: number;
  /** nanoseconds on CPU summed over the process's live threads */
  ns: number;
}

export interface CommandCost {
  /** wall seconds from spawn to exit */
  wallS: number;
  /** task-clock over the whole life (start-up, work, exit) in ms, or null when perf is missing */
  lifeCpuMs: number | null;
  exitCode: number | null;
  readings: CpuReading[];
  /** the measured process's pid (perf's child when run under perf) */
  pid: number | null;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

let perfOk: boolean | undefined;
/** Whether `perf stat -e task-clock` works here (installed and allowed). */
export function hasPerfStat(): boolean {
  perfOk ??= spawnSync("perf", ["stat", "-x,", "-e", "task-clock", "--", "true"], { stdio: "ignore" }).status === 0;
  return perfOk;
}

/** Whether a program is on PATH. */
export function hasProgram(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** Sum of the threads' on-CPU nanoseconds, or undefined when the process is gone. */
export function threadsCpuNs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return ns;
}

function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim();
    return kids ? Number(kids.split(" ")[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Parse `perf stat -x,` output: the task-clock line's first field is milliseconds. */
export function parseTaskClockMs(text: string): number | null {
  for (const line of text.split("\n")) {
    const f = line.split(",");
    if (f[2] === "task-clock" || f[2]?.startsWith("task-clock")) {
      const ms = Number(f[0]);
      return Number.isFinite(ms) ? ms : null;
    }
  }
  return null;
}

export interface MeasureOptions {
  /** the command's environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
  /** called at every reading with the measured pid and the seconds since spawn (e.g. to read its children too) */
  onReading?: (pid: number, t: number) => void;
}

/**
 * Run a command to its end (its output discarded), under perf stat when available and `underPerf`
 * (perf counts the children too: off for a command that starts programs that are not its own cost),
 * reading its threads' CPU every `everyMs`.
 */
export async function measureCommand(cmd: string, args: string[], everyMs = 250, underPerf = true, opts: MeasureOptions = {}): Promise<CommandCost> {
  const usePerf = underPerf && hasPerfStat();
  const dir = mkdtempSync(join(tmpdir(), "harness-cost-perf-"));
  const perfOut = join(dir, "perf.txt");
  const argv = usePerf ? ["stat", "-x,", "-e", "task-clock", "-o", perfOut, "--", cmd, ...args] : args;
  const t0 = now();
  const child = spawn(usePerf ? "perf" : cmd, argv, { stdio: "ignore", env: opts.env ?? process.env });
  const readings: CpuReading[] = [];
  let pid: number | undefined = usePerf ? undefined : child.pid;
  let exited = false;
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  void done.then(() => (exited = true));
  while (!exited) {
    if (pid === undefined && child.pid !== undefined) pid = childOf(child.pid);
    if (pid !== undefined) {
      const t = now() - t0;
      const ns = threadsCpuNs(pid);
      if (ns !== undefined) {
        readings.push({ t, ns });
        opts.onReading?.(pid, t);
      }
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, everyMs))]);
  }
  const exitCode = await done;
  const wallS = now() - t0;
  let lifeCpuMs: number | null = null;
  if (usePerf) {
    try {
      lifeCpuMs = parseTaskClockMs(readFileSync(perfOut, "utf8"));
    } catch {
      lifeCpuMs = null;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { wallS, lifeCpuMs, exitCode, readings, pid: pid ?? null };
}

/**
 * Percent of one core over [from, to] seconds after spawn, from the readings nearest inside that
 * stretch; null when fewer than two readings fall in it.
 */
export function cpuPercentBetween(readings: CpuReading[], from: number, to: number): number | null {
  const inside = readings.filter((r) => r.t >= from && r.t <= to);
  const a = inside[0];
  const b = inside.at(-1);
  if (!a || !b || b.t - a.t < 1) return null;
  return ((b.ns - a.ns) / 1e9 / (b.t - a.t)) * 100;
}
