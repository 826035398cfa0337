/**
 * One raw reading of a measured process and its whole tree (a worker started through `sh` or `npm`
 * has children: their CPU is the worker's CPU). Raw: each member's own counters as /proc shows them,
 * zombies included (a zombie's stat keeps its utime/stime until its parent reaps it). Turning
 * successive readings into the tree's cumulative figures is tree-totals.ts's job.
 */
import { childrenMap, hasChildrenFiles, processTree, readProcess, readStat, readUptimeSeconds, type ProcIo, type ThreadSwitches } from "./proc.js";

export interface MemberReading {
  pid: number;
  ppid: number;
  comm: string;
  /** /proc state letter: "Z" for a zombie (exited, not yet reaped) */
  state: string;
  startTicks: number;
  /** utime + stime, clock ticks */
  ownTicks: number;
  /** cutime + cstime (children reaped with wait()), clock ticks */
  childTicks: number;
  /** per-thread context switches; undefined when the task folder could not be read */
  threads?: ThreadSwitches[];
  /** /proc/<pid>/io (includes exited threads and reaped children); undefined when unreadable */
  io?: ProcIo;
  rssPages: number;
}

export interface TreeSnapshot {
  /** monotonic time of the reading, seconds */
  at: number;
  /** seconds since boot at the reading (/proc/uptime), the clock of members' start times */
  uptimeS?: number;
  /** the root process is running (not gone, not a zombie, not a reused pid) */
  alive: boolean;
  /** the root first, then its descendants (zombies included) */
  members: MemberReading[];
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
 *
 * `keep` (the sampler's periodic readings) keeps files open and skips the reads of processes and
 * threads that did not execute since the last reading (proc.ts readProcess, readTasks); `full` reads
 * everything anyway, for the window's marked start and end readings. `uptimeS`: /proc/uptime read
 * once for several trees (a stamp taken before the reading only counts whole a member born after it).
 */
export function snapshotTree(target: MeasuredProcess, children?: Map<number, number[]>, keep = false, full = false, uptimeS = readUptimeSeconds()): TreeSnapshot {
  const at = nowSeconds();
  const walkFiles = children === undefined && hasChildrenFiles();
  const opts = { keep, withChildren: walkFiles, full };
  const rootReading = readProcess(target.pid, opts);
  const root = rootReading?.stat;
  // A different start time means the pid now belongs to another program: never read it as ours.
  if (!root || root.startTicks !== target.startTicks || root.state === "Z") return { at, uptimeS, alive: false, members: [] };
  const snap: TreeSnapshot = { at, uptimeS, alive: true, members: [] };
  const map = walkFiles ? undefined : (children ?? childrenMap());
  const pending = map ? processTree(target.pid, map) : [target.pid];
  const seen = new Set<number>();
  const parentOf = new ParentLinks();
  while (pending.length > 0) {
    const pid = pending.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const r = pid === target.pid ? rootReading : readProcess(pid, opts);
    if (!r) continue; // gone (reaped) between the listing and this read
    const { stat: st, tasks, io } = r;
    // A child remembered from a thread that has not run since is checked against its parent: a pid
    // reused by another program has another parent (or this parent ran, and its list was read anew).
    if (pid !== target.pid && map === undefined && !parentOf.has(pid, st.ppid)) continue;
    if (walkFiles) for (const c of tasks?.children ?? []) {
      pending.push(c);
      parentOf.add(c, pid);
    }
    snap.members.push({
      pid,
      ppid: st.ppid,
      comm: st.comm,
      state: st.state,
      startTicks: st.startTicks,
      ownTicks: st.ownTicks,
      childTicks: st.childTicks,
      threads: tasks?.threads,
      io,
      rssPages: st.rssPages,
    });
  }
  return snap;
}

/** Which parents listed a pid as their child in this reading (a pid can be listed by two during a reparenting). */
class ParentLinks {
  private readonly links = new Map<number, number[]>();
  add(child: number, parent: number): void {
    const l = this.links.get(child);
    if (l) l.push(parent);
    else this.links.set(child, [parent]);
  }
  has(child: number, parent: number): boolean {
    return this.links.get(child)?.includes(parent) ?? false;
  }
}
