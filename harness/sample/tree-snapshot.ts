/**
 * One reading of a measured process and its whole tree (a worker started through `sh` or `npm`
 * has children: their CPU is the worker's CPU).
 */
import {
  childrenMap,
  processTree,
  readContextSwitches,
  readIo,
  readRssBytes,
  readStat,
  type ProcIo,
} from "./proc.js";

export interface TreeSnapshot {
  /** monotonic time of the reading, seconds */
  at: number;
  alive: boolean;
  /** CPU in clock ticks over the tree: utime+stime+cutime+cstime of every live member */
  cpuTicks: number;
  /** context switches over every thread of every live member */
  ctxSwitches: number;
  io: ProcIo;
  rssBytes: number;
  members: { pid: number; comm: string }[];
}

export interface MeasuredProcess {
  pid: number;
  /** start time (clock ticks after boot) recorded when the harness first saw the pid; guards pid reuse */
  startTicks: number;
}

export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Identify a pid for later readings: undefined when it is not running. */
export function identify(pid: number): MeasuredProcess | undefined {
  const st = readStat(pid);
  return st ? { pid, startTicks: st.startTicks } : undefined;
}

export function snapshotTree(target: MeasuredProcess, children: Map<number, number[]> = childrenMap()): TreeSnapshot {
  const at = nowSeconds();
  const root = readStat(target.pid);
  const empty: TreeSnapshot = {
    at,
    alive: false,
    cpuTicks: 0,
    ctxSwitches: 0,
    io: { syscr: 0, syscw: 0, rchar: 0, wchar: 0 },
    rssBytes: 0,
    members: [],
  };
  // A different start time means the pid now belongs to another program: never read it as ours.
  if (!root || root.startTicks !== target.startTicks || root.state === "Z") return empty;
  const snap: TreeSnapshot = { ...empty, alive: true, io: { ...empty.io }, members: [] };
  for (const pid of processTree(target.pid, children)) {
    const st = pid === target.pid ? root : readStat(pid);
    if (!st) continue;
    snap.cpuTicks += st.cpuTicks;
    snap.ctxSwitches += readContextSwitches(pid) ?? 0;
    const io = readIo(pid);
    if (io) {
      snap.io.syscr += io.syscr;
      snap.io.syscw += io.syscw;
      snap.io.rchar += io.rchar;
      snap.io.wchar += io.wchar;
    }
    snap.rssBytes += readRssBytes(pid) ?? 0;
    snap.members.push({ pid, comm: st.comm });
  }
  return snap;
}
