/**
 * The CPU of a process and of everything it started, read from /proc by a bench (never by the
 * harness itself): the process's own threads, each live child's whole subtree (grouped by the
 * child's name: bpftrace, perf, bash, ss, ...), and the children it has already reaped (cutime and
 * cstime of its /proc/<pid>/stat: a short-lived `ss` or `getconf` ends between two readings, and its
 * CPU lands there when its parent waits for it). Also the run time of the BPF programs a process
 * holds (kernel.bpf_stats_enabled): BPF runs in the kernel, charged to whichever task was on the CPU,
 * so no process's own figures show it.
 */
import { readFileSync, readdirSync } from "node:fs";
import { threadsCpuNs } from "./process-cpu.js";

export interface TreeCpu {
  /** ns on CPU of the process's own threads */
  self: number;
  /** ns on CPU of each live child's subtree (its threads, its live descendants, its reaped children), by the child's comm */
  byChild: Record<string, number>;
  /** ns of the children the process has reaped (cutime + cstime, clock-tick resolution) */
  reaped: number;
  /** pid of a live child named bpftrace, if any (for its BPF programs' run time) */
  bpftracePid?: number;
}

/** utime, stime, cutime, cstime (clock ticks) from /proc/<pid>/stat text; the comm may hold spaces or ')'. */
export function parseStatTimes(text: string): { comm: string; utime: number; stime: number; cutime: number; cstime: number } | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  // fields after the comm start at field 3 (state): utime is field 14, so index 11 here
  const f = text.slice(close + 2).split(" ");
  const n = (i: number): number => Number(f[i]);
  if (f.length < 15 || ![11, 12, 13, 14].every((i) => Number.isFinite(n(i)))) return undefined;
  return { comm: text.slice(open + 1, close), utime: n(11), stime: n(12), cutime: n(13), cstime: n(14) };
}

function stat(pid: number): ReturnType<typeof parseStatTimes> {
  try {
    return parseStatTimes(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return undefined;
  }
}

/** The pids of a process's live children (from every thread's children file). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").trim().split(" ")) if (c) out.push(Number(c));
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}

function subtreeNs(pid: number, nsPerTick: number, depth: number): number {
  const own = threadsCpuNs(pid);
  if (own === undefined) return 0;
  const s = stat(pid);
  let ns = own + (s ? (s.cutime + s.cstime) * nsPerTick : 0);
  if (depth < 16) for (const c of childrenOf(pid)) ns += subtreeNs(c, nsPerTick, depth + 1);
  return ns;
}

/**
 * One reading of a process's tree, or undefined when the process is gone. The reaped figure is read
 * before the children are listed: a child reaped in between is in neither for this reading (it shows
 * at the next), never in both.
 */
export function readTreeCpu(pid: number, clockTicks: number): TreeCpu | undefined {
  const nsPerTick = 1e9 / clockTicks;
  const s = stat(pid);
  if (!s) return undefined;
  const reaped = (s.cutime + s.cstime) * nsPerTick;
  const self = threadsCpuNs(pid);
  if (self === undefined) return undefined;
  const byChild: Record<string, number> = {};
  let bpftracePid: number | undefined;
  for (const c of childrenOf(pid)) {
    const name = stat(c)?.comm ?? "?";
    if (name === "bpftrace") bpftracePid ??= c;
    byChild[name] = (byChild[name] ?? 0) + subtreeNs(c, nsPerTick, 1);
  }
  return { self, byChild, reaped, ...(bpftracePid !== undefined ? { bpftracePid } : {}) };
}

/** Sum of run_time_ns over the BPF program fds in /proc/<pid>/fdinfo text blocks; null when none is a program. */
export function sumBpfRunTime(fdinfos: string[]): { runNs: number; runs: number; programs: number } | null {
  let runNs = 0;
  let runs = 0;
  let programs = 0;
  for (const text of fdinfos) {
    if (!/^prog_id:/m.test(text)) continue;
    programs++;
    runNs += Number(/^run_time_ns:\s*(\d+)/m.exec(text)?.[1] ?? 0);
    runs += Number(/^run_cnt:\s*(\d+)/m.exec(text)?.[1] ?? 0);
  }
  return programs ? { runNs, runs, programs } : null;
}

/** The run time of every BPF program a process holds open (needs kernel.bpf_stats_enabled=1 to grow). */
export function readBpfRunTime(pid: number): ReturnType<typeof sumBpfRunTime> {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return null;
  }
  const texts: string[] = [];
  for (const fd of fds) {
    try {
      texts.push(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "latin1"));
    } catch {
      // closed meanwhile
    }
  }
  return sumBpfRunTime(texts);
}

const STATS = "/proc/sys/kernel/bpf_stats_enabled";

/**
 * Turn on the kernel's BPF run-time statistics (a global setting, off by default; it adds a clock
 * read per program run) and return the function that puts the old value back; null with a reason when
 * it cannot be turned on (not root, or no such sysctl).
 */
export function enableBpfStats(write: (path: string, value: string) => void): { restore: () => void } | { reason: string } {
  let old: string;
  try {
    old = readFileSync(STATS, "utf8").trim();
  } catch {
    return { reason: `${STATS} cannot be read (kernel older than 5.1?)` };
  }
  if (old === "1") return { restore: () => {} };
  try {
    write(STATS, "1");
  } catch (err) {
    return { reason: `${STATS} cannot be written (${(err as Error).message.split("\n")[0]}): needs root` };
  }
  let restored = false;
  return {
    restore: () => {
      if (restored) return;
      restored = true;
      try {
        write(STATS, old);
      } catch {
        // nothing more to do: the report says it was on
      }
    },
  };
}
