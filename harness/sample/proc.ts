/**
 * Language-neutral readers of Linux /proc. Everything the harness knows about a process's CPU,
 * wake-ups and I/O comes from here, read the same way for the reference system and a user's own.
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

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
  /** start time after boot in clock ticks: with the pid it identifies a process against pid reuse. */
  startTicks: number;
  numThreads: number;
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
    numThreads: num(20),
    startTicks: num(22),
  };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Voluntary + involuntary context switches summed over every thread of the process. */
export function readContextSwitches(pid: number): number | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const tid of tasks) {
    try {
      total += parseContextSwitches(readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"));
    } catch {
      // thread exited between readdir and read
    }
  }
  return total;
}

export function parseContextSwitches(statusText: string): number {
  let total = 0;
  for (const m of statusText.matchAll(/^(?:nonvoluntary|voluntary)_ctxt_switches:\s+(\d+)/gm)) total += Number(m[1]);
  return total;
}

export function readRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

export interface ProcIo {
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

export function parseIo(text: string): ProcIo {
  const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { syscr: get("syscr"), syscw: get("syscw"), rchar: get("rchar"), wchar: get("wchar") };
}

export function readIo(pid: number): ProcIo | undefined {
  try {
    return parseIo(readFileSync(`/proc/${pid}/io`, "utf8"));
  } catch {
    return undefined;
  }
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
