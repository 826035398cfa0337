/**
 * Periodic readings of every measured process: exact /proc tick snapshots of the whole tree, the
 * source of every mean and of the per-sample curve.
 *
 * The curve used to come from pidusage, which reads the same /proc/<pid>/stat again (plus
 * /proc/uptime) for every pid: at 100 processes that was most of the harness's own CPU. The curve is
 * now the tick delta between two consecutive readings of the tree, which is what pidusage computes,
 * from the reading we take anyway (see bench/overhead.ts for the cost).
 */
import { setFlagsFromString } from "node:v8";
import { beginReadingRound, childrenMap, clockTicksPerSecond, endReadingRound, hasChildrenFiles, readUptimeSeconds, releaseProcFiles } from "./proc.js";
import { snapshotTree, type MeasuredProcess, type TreeSnapshot } from "./tree-snapshot.js";
import { TreeAccumulator, type TreeTotals } from "./tree-totals.js";
import type { ProcessCgroup } from "./cgroup.js";

/** The window's first and last readings are marked: the window is exactly the span between them. */
export type ReadingMark = "start" | "end";

export interface Reading {
  /** seconds since the nominal window start (the start reading may be a little before or after it) */
  t: number;
  mark?: ReadingMark;
  /** the raw reading of the tree */
  snap: TreeSnapshot;
  /** the tree's cumulative figures at this reading (tree-totals.ts: never drop) */
  totals: TreeTotals;
  /** the tree's cgroup CPU at this reading, microseconds (when the harness started it in one) */
  cgroupUsec?: number;
  /**
   * CPU percent of one core for the tree since its previous reading (undefined on the first, or
   * after a reading where the process was not alive).
   */
  intervalCpu?: number;
}

export interface Track {
  key: string;
  target: MeasuredProcess;
  readings: Reading[];
  /** the last reading taken while the process was alive */
  lastAlive?: Reading;
  /** the cgroup the tree runs in, when the harness started it in one */
  cgroup?: ProcessCgroup;
  accumulator: TreeAccumulator;
  /** what went wrong reading it (negative deltas), one sentence each */
  problems: string[];
}

/**
 * Two V8 settings for the sampling process, which runs a little JavaScript once a second for the whole
 * window (bench/results/harness-cost.md; per-thread schedstat of `harness attach` on 100 idle
 * `sleep`s, 3-11 s and 11-19 s after start, one run each, load 0.6-1.4):
 * - no optimizing compiler (TurboFan): it kept compiling the sampler's functions on V8's worker
 *   threads through a 20 s window (1.64% then 0.92% of a core with it, 0.68% then 0.32% without),
 *   and the main thread's own time stayed the same (about 3 ms a second either way);
 * - no memory reducer: its full collections about 8 s after start (40-44 ms of main thread in cpu
 *   profiles at 100 processes, 16-19 ms with it off) hand back memory the sampler keeps anyway.
 * Both are read when V8 decides (to optimize a function, when the reducer's timer fires), so setting
 * them here, before the window, is in time. An engine without them ignores or refuses them.
 */
let enginePrepared = false;
function prepareEngine(): void {
  if (enginePrepared) return;
  enginePrepared = true;
  for (const flag of ["--no-opt", "--no-memory-reducer"]) {
    try {
      setFlagsFromString(flag);
    } catch {
      // not this engine's flag: it keeps its default
    }
  }
}

export class Sampler {
  readonly tracks = new Map<string, Track>();
  windowStart = Number.NaN;
  private readonly clk = clockTicksPerSecond();
  private pidusageLoaded: { clear(): void } | undefined;

  constructor() {
    prepareEngine();
  }

  add(key: string, target: MeasuredProcess, cgroup?: ProcessCgroup): void {
    this.tracks.set(key, { key, target, readings: [], cgroup, accumulator: new TreeAccumulator(this.clk), problems: [] });
  }

  /**
   * Take one reading of every track, stamped relative to the window start (monotonic seconds).
   * Readings in between skip the reads of threads that did not run (proc.ts readTasks); the marked
   * start and end readings read every file, so the window's figures are exact.
   */
  async tick(now: number, mark?: ReadingMark): Promise<void> {
    // Without children files (an unusual kernel), one scan of /proc per tick serves every track.
    const children = hasChildrenFiles() ? undefined : childrenMap();
    const t = Number.isNaN(this.windowStart) ? Number.NEGATIVE_INFINITY : now - this.windowStart;
    beginReadingRound();
    // one clock read for every track: taken before any of them, it counts whole only members born after it
    const uptimeS = readUptimeSeconds();
    for (const track of this.tracks.values()) {
      const snap = snapshotTree(track.target, children, true, mark !== undefined, uptimeS);
      // at the window's start, a member forked before its root was moved into the cgroup joins it
      if (mark === "start" && track.cgroup && snap.alive) for (const m of snap.members) if (m.state !== "Z") track.cgroup.move(m.pid);
      const cgroupUsec = track.cgroup?.usageUsec();
      for (const p of track.accumulator.update(snap)) track.problems.push(`${track.key}: ${p}`);
      const reading: Reading = { t, snap, totals: { ...track.accumulator.totals } };
      if (mark) reading.mark = mark;
      if (cgroupUsec !== undefined) reading.cgroupUsec = cgroupUsec;
      if (snap.alive) {
        const prev = track.readings.at(-1);
        if (prev?.snap.alive && snap.at > prev.snap.at) {
          const cpuS =
            reading.cgroupUsec !== undefined && prev.cgroupUsec !== undefined
              ? (reading.cgroupUsec - prev.cgroupUsec) / 1e6
              : (reading.totals.cpuTicks - prev.totals.cpuTicks) / this.clk;
          reading.intervalCpu = Math.max(0, (cpuS / (snap.at - prev.snap.at)) * 100);
        }
        track.lastAlive = reading;
      }
      track.readings.push(reading);
    }
    endReadingRound();
  }

  /** Every track's problems, one sentence each. */
  problems(): string[] {
    return [...this.tracks.values()].flatMap((t) => t.problems);
  }

  /**
   * An independent cross-check of the /proc figures: pidusage's own reading of each root process.
   * Called once at the window's start (which primes pidusage's history) and once at its end, so the
   * second call is pidusage's mean over the window, for the root process only (not its children).
   * Two calls per process per run: no cost worth counting, unlike a call per pid per sample.
   */
  async pidusageMark(windowS: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // loaded here, not at start-up: `harness attach` never calls it
    const { default: pidusage } = await import("pidusage");
    this.pidusageLoaded = pidusage;
    for (const track of this.tracks.values()) {
      try {
        // history must outlive the window, or the end reading falls back to the process's life
        const stat = await pidusage(track.target.pid, { maxage: Math.ceil((windowS + 60) * 1000) });
        out.set(track.key, stat.cpu);
      } catch {
        // the process is gone: no cross-check for it
      }
    }
    return out;
  }

  /** Close the /proc files kept open between ticks. */
  close(): void {
    this.pidusageLoaded?.clear();
    releaseProcFiles();
  }
}
