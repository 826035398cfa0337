/**
 * Periodic readings of every measured process: exact /proc tick snapshots of the whole tree (the
 * source of every mean), and pidusage's per-interval percentage (the curve shown over time).
 */
import pidusage from "pidusage";
import { childrenMap } from "./proc.js";
import { snapshotTree, type MeasuredProcess, type TreeSnapshot } from "./tree-snapshot.js";

export interface Reading {
  /** seconds since the window started (negative during warm-up) */
  t: number;
  snap: TreeSnapshot;
  /** pidusage's CPU percent for the tree since its previous reading (undefined on the first) */
  pidusageCpu?: number;
}

export interface Track {
  key: string;
  target: MeasuredProcess;
  readings: Reading[];
  /** the last reading taken while the process was alive */
  lastAlive?: Reading;
}

export class Sampler {
  readonly tracks = new Map<string, Track>();
  private seenByPidusage = new Set<number>();
  windowStart = Number.NaN;

  add(key: string, target: MeasuredProcess): void {
    this.tracks.set(key, { key, target, readings: [] });
  }

  /** Take one reading of every track, stamped relative to the window start (monotonic seconds). */
  async tick(now: number): Promise<void> {
    const children = childrenMap();
    const t = Number.isNaN(this.windowStart) ? Number.NEGATIVE_INFINITY : now - this.windowStart;
    for (const track of this.tracks.values()) {
      const snap = snapshotTree(track.target, children);
      const reading: Reading = { t, snap };
      if (snap.alive) {
        reading.pidusageCpu = await this.pidusageCpu(snap.members.map((m) => m.pid));
        track.lastAlive = reading;
      }
      track.readings.push(reading);
    }
  }

  /** Sum of pidusage's CPU over the members; undefined while any member has no history yet. */
  private async pidusageCpu(pids: number[]): Promise<number | undefined> {
    const results = await Promise.allSettled(pids.map((pid) => pidusage(pid)));
    let total = 0;
    let complete = true;
    results.forEach((r, i) => {
      const pid = pids[i] as number;
      if (r.status !== "fulfilled") return;
      // pidusage's first reading of a pid averages over the process's whole life: not a sample.
      if (!this.seenByPidusage.has(pid)) {
        this.seenByPidusage.add(pid);
        complete = false;
        return;
      }
      total += r.value.cpu;
    });
    return complete ? total : undefined;
  }

  /** Readings inside [t0, t1] of the window (inclusive), in order. */
  static within(track: Track, t0: number, t1: number): Reading[] {
    return track.readings.filter((r) => r.t >= t0 - 1e-6 && r.t <= t1 + 1e-6);
  }

  close(): void {
    pidusage.clear();
  }
}
