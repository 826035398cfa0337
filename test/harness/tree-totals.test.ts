/**
 * The tree logic on synthetic /proc-like readings: members that come and go (zombies, orphans,
 * reaped and auto-reaped children, exiting threads), counters that go down, and the window's edges
 * when a timer fires early.
 */
import { describe, expect, it } from "vitest";
import { TreeAccumulator } from "../../harness/sample/tree-totals.js";
import type { MemberReading, TreeSnapshot } from "../../harness/sample/tree-snapshot.js";
import type { Reading, ReadingMark, Track } from "../../harness/sample/sampler.js";
import { processFigures, windowBounds } from "../../harness/analyze/process-figures.js";
import { ProcessCgroup } from "../../harness/sample/cgroup.js";

const CLK = 100;

interface M {
  pid: number;
  ppid?: number;
  own: number;
  child?: number;
  state?: string;
  /** start time, seconds after boot */
  born?: number;
  threads?: [number, number, number][];
  syscr?: number;
}

function member(m: M): MemberReading {
  return {
    pid: m.pid,
    ppid: m.ppid ?? 1,
    comm: `p${m.pid}`,
    state: m.state ?? "S",
    startTicks: Math.round((m.born ?? 0) * CLK),
    ownTicks: m.own,
    childTicks: m.child ?? 0,
    threads: (m.threads ?? [[m.pid, 0, 0]]).map(([tid, voluntary, involuntary]) => ({ tid, voluntary, involuntary })),
    io: { syscr: m.syscr ?? 0, syscw: 0, rchar: 0, wchar: 0 },
    rssPages: 10,
  };
}

/** A reading every second starting 100 s after boot; `at` is monotonic seconds. */
function snap(i: number, members: M[], alive = true): TreeSnapshot {
  return { at: 1000 + i, uptimeS: 100 + i, alive, members: alive ? members.map(member) : [] };
}

/** Fold snapshots into the cumulative figures the sampler would record. */
function fold(snaps: TreeSnapshot[]): { acc: TreeAccumulator; totals: ReturnType<typeof totalsOf>[]; problems: string[] } {
  const acc = new TreeAccumulator(CLK);
  const totals: ReturnType<typeof totalsOf>[] = [];
  const problems: string[] = [];
  for (const s of snaps) {
    problems.push(...acc.update(s));
    totals.push(totalsOf(acc));
  }
  return { acc, totals, problems };
}
const totalsOf = (acc: TreeAccumulator) => ({ ...acc.totals });

function trackOf(snaps: TreeSnapshot[], marks: Record<number, ReadingMark>, tOf: (i: number) => number, cgroupUsec?: (i: number) => number): Track {
  const acc = new TreeAccumulator(CLK);
  const readings: Reading[] = snaps.map((s, i) => {
    acc.update(s);
    const r: Reading = { t: tOf(i), snap: s, totals: { ...acc.totals } };
    if (marks[i]) r.mark = marks[i];
    if (cgroupUsec) r.cgroupUsec = cgroupUsec(i);
    return r;
  });
  return { key: "w", target: { pid: 10, startTicks: 0 }, readings, accumulator: acc, problems: [] };
}
const meta = { role: "worker" as const, name: "w", group: "w", pid: 10, command: [], log: "" };

describe("tree totals", () => {
  it("counts a zombie's ticks once: at its last readings, not again when its parent reaps it", () => {
    const { totals, problems } = fold([
      snap(0, [{ pid: 10, own: 100 }, { pid: 11, ppid: 10, own: 50 }]),
      // the child exited (zombie, utime/stime final) after 30 more ticks
      snap(1, [{ pid: 10, own: 105 }, { pid: 11, ppid: 10, own: 80, state: "Z" }]),
      // the parent reaped it: its 80 ticks moved into the parent's cutime/cstime
      snap(2, [{ pid: 10, own: 110, child: 80 }]),
    ]);
    expect(totals.map((t) => t.cpuTicks)).toEqual([0, 35, 40]);
    expect(problems).toEqual([]);
  });

  it("a child reaped between readings counts what it used after its last reading, and unseen children count whole", () => {
    const { totals } = fold([
      snap(0, [{ pid: 10, own: 100 }, { pid: 11, ppid: 10, own: 50 }]),
      // the child used 20 more ticks, exited and was reaped; an unseen short-lived child added 5
      snap(1, [{ pid: 10, own: 100, child: 70 + 5 }]),
    ]);
    expect(totals[1]!.cpuTicks).toBe(20 + 5);
  });

  it("an orphaned child (reparented to init) keeps its last-seen ticks: the tree's figure never drops", () => {
    const { totals, problems } = fold([
      snap(0, [{ pid: 10, own: 100 }, { pid: 11, ppid: 10, own: 50 }]),
      snap(1, [{ pid: 10, own: 100 }, { pid: 11, ppid: 10, own: 90 }]),
      // the parent's cutime does not grow: the child lives on under init, out of the tree
      snap(2, [{ pid: 10, own: 101 }]),
    ]);
    expect(totals.map((t) => t.cpuTicks)).toEqual([0, 40, 41]);
    expect(problems).toEqual([]);
  });

  it("a child auto-reaped (SIGCHLD ignored) takes nothing away", () => {
    const { totals } = fold([snap(0, [{ pid: 10, own: 100 }, { pid: 11, ppid: 10, own: 50 }]), snap(1, [{ pid: 10, own: 102 }])]);
    expect(totals[1]!.cpuTicks).toBe(2);
  });

  it("a member born after the previous reading counts whole; one first seen but older counts from then", () => {
    const { totals } = fold([
      snap(0, [{ pid: 10, own: 100 }]),
      snap(1, [{ pid: 10, own: 100 }, { pid: 12, ppid: 10, own: 30, born: 100.5 }, { pid: 13, ppid: 10, own: 500, born: 20 }]),
      snap(2, [{ pid: 10, own: 100 }, { pid: 12, ppid: 10, own: 31, born: 100.5 }, { pid: 13, ppid: 10, own: 507, born: 20 }]),
    ]);
    expect(totals.map((t) => t.cpuTicks)).toEqual([0, 30, 38]);
  });

  it("a thread that exits mid-window keeps its last-seen switches; a new thread counts whole", () => {
    const { totals, problems } = fold([
      snap(0, [{ pid: 10, own: 0, threads: [[10, 100, 7], [11, 50, 3]] }]),
      snap(1, [{ pid: 10, own: 0, threads: [[10, 110, 7], [11, 60, 4]] }]),
      // thread 11 exited; thread 12 was born and blocked 4 times
      snap(2, [{ pid: 10, own: 0, threads: [[10, 120, 8], [12, 4, 0]] }]),
    ]);
    expect(totals.map((t) => t.voluntary)).toEqual([0, 20, 34]);
    expect(totals.map((t) => t.involuntary)).toEqual([0, 1, 2]);
    expect(problems).toEqual([]);
  });

  it("a counter that goes down is a problem, never a negative figure", () => {
    const { totals, problems } = fold([
      snap(0, [{ pid: 10, own: 100, syscr: 50 }]),
      snap(1, [{ pid: 10, own: 90, syscr: 40 }]),
      snap(2, [{ pid: 10, own: 95, syscr: 45 }]),
    ]);
    expect(totals.map((t) => t.cpuTicks)).toEqual([0, 0, 5]);
    expect(totals.map((t) => t.syscr)).toEqual([0, 0, 5]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/pid 10 .*utime\+stime went down .*100 to 90/);
  });

  it("a reading after the root is gone changes nothing", () => {
    const { totals } = fold([snap(0, [{ pid: 10, own: 100 }]), snap(1, [{ pid: 10, own: 120 }]), snap(2, [], false)]);
    expect(totals[2]).toEqual(totals[1]);
  });
});

describe("the window's edges", () => {
  // 10 ticks of CPU per second: 10% of one core
  const steady = Array.from({ length: 11 }, (_, i) => snap(i, [{ pid: 10, own: 10 * i }]));

  it("keeps the start reading when its timer fired early (a slightly negative t)", () => {
    const track = trackOf(steady, { 0: "start", 10: "end" }, (i) => (i === 0 ? -0.0008 : i));
    const b = windowBounds(track);
    expect(b?.start).toBe(track.readings[0]);
    const fig = processFigures(track, meta, 10, 2, CLK);
    expect(fig.cpuSeconds).toBeCloseTo(1.0, 6); // 100 ticks over the whole window, not 90
    expect(fig.cpuPercent).toBeCloseTo(10, 3);
    expect(fig.intervals[0]!.cpuPercent).toBeCloseTo(10, 3);
  });

  it("ends at the reading marked end even when later readings exist", () => {
    const track = trackOf(steady, { 2: "start", 7: "end" }, (i) => i - 2);
    expect(windowBounds(track)?.readings.map((r) => r.snap.at)).toEqual([1002, 1003, 1004, 1005, 1006, 1007]);
    expect(processFigures(track, meta, 5, 1, CLK).cpuSeconds).toBeCloseTo(0.5, 6);
  });

  it("a process that exits mid-window is measured until its last reading alive", () => {
    const snaps = [...steady.slice(0, 6), snap(6, [], false), snap(7, [], false)];
    const track = trackOf(snaps, { 0: "start", 7: "end" }, (i) => i);
    expect(windowBounds(track)?.end).toBe(track.readings[5]);
    expect(processFigures(track, meta, 7, 1, CLK).cpuSeconds).toBeCloseTo(0.5, 6);
  });

  it("reports voluntary and involuntary switches apart; wake-ups are the voluntary rate", () => {
    const snaps = Array.from({ length: 3 }, (_, i) => snap(i, [{ pid: 10, own: 0, threads: [[10, 100 * i, 7 * i]] }]));
    const fig = processFigures(trackOf(snaps, { 0: "start", 2: "end" }, (i) => i), meta, 2, 1, CLK);
    expect(fig.voluntaryWakeupsPerS).toBe(100);
    expect(fig.involuntaryWakeupsPerS).toBe(7);
    expect(fig.wakeupsPerS).toBe(100);
    expect(fig.cpuSource).toBe("proc-tree");
  });

  it("takes CPU from the tree's cgroup when it has one, with the /proc figure beside it", () => {
    // the cgroup saw 0.3 s per second (children the walk missed); the tree 10 ticks = 0.1 s per second
    const track = trackOf(steady.slice(0, 5), { 0: "start", 4: "end" }, (i) => i, (i) => 5_000_000 + 300_000 * i);
    track.cgroup = new ProcessCgroup("v2", "/nonexistent/idle-cpu-harness-test/tree-w");
    const fig = processFigures(track, meta, 4, 1, CLK);
    expect(fig.cpuSource).toBe("cgroup-v2");
    expect(fig.cpuSeconds).toBeCloseTo(1.2, 6);
    expect(fig.cpuPercent).toBeCloseTo(30, 3);
    expect(fig.procTreeCpuPercent).toBeCloseTo(10, 3);
  });

  it("falls back to the /proc tree and says so when the cgroup's counter goes down", () => {
    const track = trackOf(steady.slice(0, 3), { 0: "start", 2: "end" }, (i) => i, (i) => 9_000_000 - i);
    track.cgroup = new ProcessCgroup("v1", "/nonexistent/idle-cpu-harness-test/tree-w");
    const problems: string[] = [];
    const fig = processFigures(track, meta, 2, 1, CLK, problems);
    expect(fig.cpuSource).toBe("proc-tree");
    expect(fig.cpuSeconds).toBeCloseTo(0.2, 6);
    expect(problems.join(" ")).toMatch(/cgroup's CPU counter went down/);
  });
});
