/**
 * Cumulative figures of a process tree whose members come and go, from successive raw readings
 * (tree-snapshot.ts). The figures never drop:
 *
 * - A member counts from the first reading that saw it; a member born after the previous reading
 *   (its start time is later) counts whole, since all of its life lies inside the interval.
 * - A member that vanishes keeps its last-seen ticks, switches and I/O.
 * - A member reaped by another member moves its ticks (and I/O) into that parent's cutime/cstime:
 *   the parent's increase then holds the child's last-seen total, which is subtracted so nothing is
 *   counted twice. A child auto-reaped (SIGCHLD ignored) or orphaned to init takes its ticks with it;
 *   the parent's cutime does not grow by them, and the child keeps its last-seen values (what it used
 *   after its last reading is lost: a cgroup's own accounting has it, see cgroup.ts).
 * - A thread that exits keeps its last-seen context switches (a process's status shows only live
 *   threads'); a new thread of a known member counts whole.
 * - A counter that goes down between two readings of the same process is reported as a problem and
 *   contributes nothing: it is never a figure.
 */
import type { ProcIo } from "./proc.js";
import type { MemberReading, TreeSnapshot } from "./tree-snapshot.js";

export interface TreeTotals {
  /** CPU, clock ticks, cumulative since the track's first reading */
  cpuTicks: number;
  voluntary: number;
  involuntary: number;
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

export const zeroTotals = (): TreeTotals => ({ cpuTicks: 0, voluntary: 0, involuntary: 0, syscr: 0, syscw: 0, rchar: 0, wchar: 0 });

interface MemberState {
  pid: number;
  ppid: number;
  comm: string;
  ownTicks: number;
  childTicks: number;
  threads: Map<number, { voluntary: number; involuntary: number }>;
  io: ProcIo;
  gone: boolean;
}

const IO_KEYS = ["syscr", "syscw", "rchar", "wchar"] as const;
const zeroIo = (): ProcIo => ({ syscr: 0, syscw: 0, rchar: 0, wchar: 0 });
const keyOf = (m: { pid: number; startTicks: number }): string => `${m.pid}:${m.startTicks}`;

export class TreeAccumulator {
  readonly totals: TreeTotals = zeroTotals();
  private readonly members = new Map<string, MemberState>();
  private prevUptimeS: number | undefined;
  private readonly reported = new Set<string>();

  /** @param clk clock ticks per second (start times are in ticks) */
  constructor(private readonly clk: number) {}

  /**
   * Fold one reading into the totals. Returns problems found (negative deltas), each once per member
   * and counter. A reading of a tree whose root is gone changes nothing: every member keeps its
   * last-seen values.
   */
  update(snap: TreeSnapshot): string[] {
    const problems: string[] = [];
    if (!snap.alive) return problems;
    const first = this.members.size === 0;
    const current = new Map<string, MemberReading>();
    for (const m of snap.members) current.set(keyOf(m), m);

    // Members gone since the last reading: find the nearest member still present above each, its
    // likely reaper (a chain through members that vanished together, e.g. a child and its parent).
    const reapedBy = new Map<string, MemberState[]>();
    const byPid = new Map<number, string>();
    for (const [k, st] of this.members) if (!st.gone) byPid.set(st.pid, k);
    for (const [k, st] of this.members) {
      if (st.gone || current.has(k)) continue;
      st.gone = true;
      let parent = byPid.get(st.ppid);
      const visited = new Set<string>([k]);
      while (parent !== undefined && !current.has(parent) && !visited.has(parent)) {
        visited.add(parent);
        parent = byPid.get(this.members.get(parent)?.ppid ?? -1);
      }
      if (parent !== undefined && current.has(parent)) {
        const list = reapedBy.get(parent) ?? [];
        list.push(st);
        reapedBy.set(parent, list);
      }
    }

    for (const [k, m] of current) {
      const st = this.members.get(k);
      if (!st) {
        const bornInInterval =
          !first && this.prevUptimeS !== undefined && m.startTicks / this.clk >= this.prevUptimeS - 1 / this.clk;
        const fresh: MemberState = {
          pid: m.pid,
          ppid: m.ppid,
          comm: m.comm,
          ownTicks: bornInInterval ? 0 : m.ownTicks,
          childTicks: bornInInterval ? 0 : m.childTicks,
          threads: new Map(),
          io: bornInInterval ? zeroIo() : { ...(m.io ?? zeroIo()) },
          gone: false,
        };
        if (!bornInInterval) for (const t of m.threads ?? []) fresh.threads.set(t.tid, { voluntary: t.voluntary, involuntary: t.involuntary });
        this.members.set(k, fresh);
        this.advance(fresh, m, [], problems);
        continue;
      }
      this.advance(st, m, reapedBy.get(k) ?? [], problems);
    }
    this.prevUptimeS = snap.uptimeS;
    return problems;
  }

  /** Add a present member's increase since its last reading, net of children it reaped. */
  private advance(st: MemberState, m: MemberReading, reaped: MemberState[], problems: string[]): void {
    st.gone = false;
    const dOwn = this.nonNegative(st, "utime+stime", st.ownTicks, m.ownTicks, problems);
    let dChild = this.nonNegative(st, "cutime+cstime", st.childTicks, m.childTicks, problems);
    const dIo = zeroIo();
    if (m.io) for (const key of IO_KEYS) dIo[key] = this.nonNegative(st, key, st.io[key], m.io[key], problems);
    // A reaped child's whole total moved into this member's cutime/cstime (and its I/O into this
    // member's): take out what was already counted as the child's own.
    for (const c of reaped) {
      const total = c.ownTicks + c.childTicks;
      const fitsIo = !m.io || IO_KEYS.every((key) => dIo[key] >= c.io[key]);
      if (dChild >= total && fitsIo) {
        dChild -= total;
        if (m.io) for (const key of IO_KEYS) dIo[key] -= c.io[key];
      }
    }
    this.totals.cpuTicks += dOwn + dChild;
    for (const key of IO_KEYS) this.totals[key] += dIo[key];
    st.ownTicks = m.ownTicks;
    st.childTicks = m.childTicks;
    if (m.io) st.io = { ...m.io };
    st.ppid = m.ppid;
    st.comm = m.comm;
    for (const t of m.threads ?? []) {
      const prev = st.threads.get(t.tid);
      // a thread not seen before was born since the last reading (every thread is listed each time);
      // the threads of a member first seen in this reading were entered at their current values
      const base = prev ?? { voluntary: 0, involuntary: 0 };
      this.totals.voluntary += this.nonNegative(st, `voluntary switches of thread ${t.tid}`, base.voluntary, t.voluntary, problems);
      this.totals.involuntary += this.nonNegative(st, `involuntary switches of thread ${t.tid}`, base.involuntary, t.involuntary, problems);
      st.threads.set(t.tid, { voluntary: t.voluntary, involuntary: t.involuntary });
    }
  }

  private nonNegative(st: MemberState, what: string, before: number, after: number, problems: string[]): number {
    const d = after - before;
    if (d >= 0) return d;
    const key = `${st.pid}:${what}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      problems.push(`pid ${st.pid} (${st.comm}): ${what} went down between two readings (${before} to ${after}); that interval counts nothing for it`);
    }
    return 0;
  }

  /** Every member seen so far, live or gone. */
  seen(): { pid: number; comm: string; gone: boolean }[] {
    return [...this.members.values()].map((m) => ({ pid: m.pid, comm: m.comm, gone: m.gone }));
  }
}
