/**
 * One reading of a measured process and its whole tree (a worker started through `sh` or `npm`
 * has children: their CPU is the worker's CPU).
 */
import {
  childrenMap,
  hasChildrenFiles,
  processTree,
  readContextSwitches,
  readTasks,
  pageSizeBytes,
  readIo,
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

/**
 * One reading of the tree. With `children` (a map from one scan of /proc) the tree comes from it;
 * without, descendants are found through each member's /proc/<pid>/task/<tid>/children files, which
 * costs reads per member instead of a read of every process on the machine.
 */
export function snapshotTree(target: MeasuredProcess, children?: Map<number, number[]>, keep = false): TreeSnapshot {
  const at = nowSeconds();
  const root = readStat(target.pid, keep);
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
  const walkFiles = children === undefined && hasChildrenFiles();
  const map = walkFiles ? undefined : (children ?? childrenMap());
  const pending = map ? processTree(target.pid, map) : [target.pid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = pid === target.pid ? root : readStat(pid, keep);
    if (!st || st.state === "Z") continue;
    snap.cpuTicks += st.cpuTicks;
    if (walkFiles) {
      const tasks = readTasks(pid, st.numThreads, keep);
      snap.ctxSwitches += tasks?.ctxSwitches ?? 0;
      pending.push(...(tasks?.children ?? []));
    } else {
      snap.ctxSwitches += readContextSwitches(pid) ?? 0;
    }
    const io = readIo(pid, keep);
    if (io) {
      snap.io.syscr += io.syscr;
      snap.io.syscw += io.syscw;
      snap.io.rchar += io.rchar;
      snap.io.wchar += io.wchar;
    }
    snap.rssBytes += st.rssPages * pageSizeBytes(); // the same figure as VmRSS, without reading status again
    snap.members.push({ pid, comm: st.comm });
  }
  return snap;
}
