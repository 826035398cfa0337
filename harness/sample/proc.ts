/**
 * Language-neutral readers of Linux /proc. Everything the harness knows about a process's CPU,
 * wake-ups and I/O comes from here, read the same way for the reference system and a user's own.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

/**
 * One buffer for every small /proc file (stat, status, io are under 4 KB): open, read, close with no
 * allocation per call. readFileSync costs about 3x the CPU here (it stats the file and allocates), and
 * the sampler reads several files per process per tick, so this is most of the harness's own cost.
 */
const scratch = Buffer.alloc(64 * 1024);

/**
 * Files the sampler reads every tick stay open and are re-read from offset 0 (a /proc file is
 * regenerated on each read from the start): a third of the CPU of open+read+close. An open /proc fd
 * stays bound to its process: once that process is gone, reads fail with ESRCH, even if the pid is
 * reused, so a kept file can never report another program. Bounded, and released by releaseProcFiles().
 */
const kept = new Map<string, number>();
const MAX_KEPT = 2000;

function readAll(fd: number, position: number | null): number {
  let n = 0;
  while (n < scratch.length) {
    const got = readSync(fd, scratch, n, scratch.length - n, position === null ? null : position + n);
    if (got === 0) break;
    n += got;
  }
  return n;
}

/**
 * Text of a small /proc file, or undefined when it cannot be read (the process is gone). `keep`
 * keeps the file open for the next read (for files read every tick).
 */
export function readProcFile(path: string, keep = false): string | undefined {
  const open = kept.get(path);
  if (open !== undefined) {
    try {
      return scratch.toString("latin1", 0, readAll(open, 0));
    } catch {
      kept.delete(path);
      closeQuietly(open);
      return undefined;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  let text: string | undefined;
  try {
    text = scratch.toString("latin1", 0, readAll(fd, keep ? 0 : null));
  } catch {
    text = undefined;
  }
  if (keep && text !== undefined && kept.size < MAX_KEPT) kept.set(path, fd);
  else closeQuietly(fd);
  return text;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Close every file kept open by readProcFile(path, true). */
export function releaseProcFiles(): void {
  for (const fd of kept.values()) closeQuietly(fd);
  kept.clear();
}

/** Close kept files whose path starts with one of the prefixes (e.g. `/proc/123/` when 123 is gone). */
export function releaseProcFilesUnder(prefix: string): void {
  for (const [path, fd] of kept) {
    if (path.startsWith(prefix)) {
      closeQuietly(fd);
      kept.delete(path);
    }
  }
}

let pageSize: number | undefined;
/** Bytes per memory page, the unit of rss in /proc/<pid>/stat. */
export function pageSizeBytes(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

let clkTck: number | undefined;
/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** process group id (field 5): the harness starts every process as its own group leader */
  pgrp: number;
  /** utime + stime + cutime + cstime in clock ticks (own time plus that of reaped children). */
  cpuTicks: number;
  /** utime + stime: the process's own CPU (every thread, live and exited), clock ticks */
  ownTicks: number;
  /** cutime + cstime: CPU of children this process reaped with wait(), clock ticks */
  childTicks: number;
  /** start time after boot in clock ticks: with the pid it identifies a process against pid reuse. */
  startTicks: number;
  numThreads: number;
  /** resident set size in pages (field 24; times pageSizeBytes() is VmRSS) */
  rssPages: number;
}

/** Parse the text of /proc/<pid>/stat. The comm field may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error("malformed /proc stat line");
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field n is f[n - 3].
  const num = (field: number): number => Number(f[field - 3] ?? 0);
  return {
    pid,
    comm,
    state: f[0] ?? "?",
    ppid: num(4),
    pgrp: num(5),
    cpuTicks: num(14) + num(15) + num(16) + num(17),
    ownTicks: num(14) + num(15),
    childTicks: num(16) + num(17),
    numThreads: num(20),
    startTicks: num(22),
    rssPages: num(24),
  };
}

export function readStat(pid: number, keep = false): ProcStat | undefined {
  const text = readProcFile(`/proc/${pid}/stat`, keep);
  if (text === undefined) {
    if (keep) releaseProcFilesUnder(`/proc/${pid}/`); // the process is gone: drop its other kept files
    return undefined;
  }
  try {
    return parseStat(text);
  } catch {
    return undefined;
  }
}

/** Context switches of one thread, from /proc/<pid>/task/<tid>/status. */
export interface ThreadSwitches {
  tid: number;
  /** the thread blocked and was woken (one block ≈ one wake-up) */
  voluntary: number;
  /** the thread was preempted (other load wanted the core) */
  involuntary: number;
}

export interface TaskReading {
  /** every thread's context switches (a thread that exits between the listing and its read is missing) */
  threads: ThreadSwitches[];
  /** direct children of any thread (a child forked by a non-main thread is listed under that thread) */
  children: number[];
}

/**
 * Threads of a process in one pass: context switches from each thread's status and, with
 * `withChildren`, its children from /proc/<pid>/task/<tid>/children, so finding a tree's
 * descendants needs no scan of all of /proc.
 */
export function readTasks(pid: number, numThreads = 0, keep = false, withChildren = true): TaskReading | undefined {
  let tasks: string[];
  if (numThreads === 1) {
    tasks = [String(pid)]; // single-threaded: the only thread id is the pid, no directory listing needed
  } else {
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return undefined;
    }
  }
  const out: TaskReading = { threads: [], children: [] };
  for (const tid of tasks) {
    const status = readProcFile(`/proc/${pid}/task/${tid}/status`, keep);
    if (status === undefined) continue; // the thread exited between readdir and read
    out.threads.push({ tid: Number(tid), ...parseSwitches(status) });
    if (!withChildren) continue;
    const kids = readProcFile(`/proc/${pid}/task/${tid}/children`, keep);
    if (kids) for (const c of kids.trim().split(" ")) if (c) out.children.push(Number(c));
  }
  return out;
}

let childrenFiles: boolean | undefined;
/** Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN, on in mainstream kernels). */
export function hasChildrenFiles(): boolean {
  childrenFiles ??= readProcFile(`/proc/${process.pid}/task/${process.pid}/children`) !== undefined;
  return childrenFiles;
}

/** Voluntary and involuntary context switches of one thread's status text. */
export function parseSwitches(statusText: string): { voluntary: number; involuntary: number } {
  const vol = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(statusText);
  const invol = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(statusText);
  return { voluntary: Number(vol?.[1] ?? 0), involuntary: Number(invol?.[1] ?? 0) };
}

/** Voluntary + involuntary context switches of a status text. */
export function parseContextSwitches(statusText: string): number {
  const s = parseSwitches(statusText);
  return s.voluntary + s.involuntary;
}

export function readRssBytes(pid: number): number | undefined {
  const text = readProcFile(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface ProcIo {
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

export function parseIo(text: string): ProcIo {
  const io: ProcIo = { syscr: 0, syscw: 0, rchar: 0, wchar: 0 };
  for (const m of text.matchAll(/^(syscr|syscw|rchar|wchar):\s+(\d+)/gm)) io[m[1] as keyof ProcIo] = Number(m[2]);
  return io;
}

export function readIo(pid: number, keep = false): ProcIo | undefined {
  const text = readProcFile(`/proc/${pid}/io`, keep);
  return text === undefined ? undefined : parseIo(text);
}

export function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** Map of parent pid → child pids, from one scan of /proc. */
export function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (!st) continue;
    const list = map.get(st.ppid);
    if (list) list.push(st.pid);
    else map.set(st.ppid, [st.pid]);
  }
  return map;
}

/** The pid and all its live descendants, root first. */
export function processTree(root: number, children: Map<number, number[]> = childrenMap()): number[] {
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

/**
 * Seconds since boot from /proc/uptime (the clock of a process's start time, /proc/<pid>/stat field
 * 22), so a reading can tell a process born after the previous reading from one it missed.
 */
export function readUptimeSeconds(): number | undefined {
  const text = readProcFile("/proc/uptime", true);
  if (text === undefined) return undefined;
  const v = Number(text.split(" ")[0]);
  return Number.isFinite(v) ? v : undefined;
}
