/** Turn a process's readings into its window figures: exact means from /proc tick deltas. */
import type { Reading, Track } from "../sample/sampler.js";
import { pageSizeBytes } from "../sample/proc.js";
import type { IntervalFigure, ProcessResult, Role, RoleSummary, Sample } from "./result-types.js";

export interface WindowBounds {
  /** the reading marked "start" (the first reading when none is marked) */
  start: Reading;
  /** the reading marked "end", or the last one taken alive after the start */
  end: Reading;
  /** the readings from start to end, both included */
  readings: Reading[];
}

const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The window is the span between the reading marked "start" and the one marked "end" (or the last
 * reading alive, for a process that exited or a run cut short). Never chosen by the sign or size of
 * a timestamp: a timer that fires a little early or late moves the reading, not the window's edge.
 */
export function windowBounds(track: Track): WindowBounds | undefined {
  const marked = track.readings.findIndex((r) => r.mark === "start");
  const from = marked >= 0 ? marked : 0;
  const start = track.readings[from];
  if (!start?.snap.alive) return undefined;
  let to = from;
  for (let i = from + 1; i < track.readings.length; i++) {
    const r = track.readings[i] as Reading;
    if (!r.snap.alive) break;
    to = i;
    if (r.mark === "end") break;
  }
  if (to === from) return undefined;
  const readings = track.readings.slice(from, to + 1);
  return { start, end: readings.at(-1) as Reading, readings };
}

function rate(delta: number, seconds: number): number {
  return seconds > 0 ? delta / seconds : 0;
}

export interface ProcessMeta {
  role: Role;
  name: string;
  group: string;
  pid: number;
  command: string[];
  log: string;
  exit?: { code: number | null; signal: string | null; atS: number };
}

/** CPU seconds between two readings and where they came from: the cgroup when both have it, else the /proc tree. */
function cpuBetween(track: Track, a: Reading, z: Reading, clkTck: number): { seconds: number; source: NonNullable<ProcessResult["cpuSource"]> } {
  if (track.cgroup && a.cgroupUsec !== undefined && z.cgroupUsec !== undefined && z.cgroupUsec >= a.cgroupUsec) {
    return { seconds: (z.cgroupUsec - a.cgroupUsec) / 1e6, source: track.cgroup.source };
  }
  return { seconds: (z.totals.cpuTicks - a.totals.cpuTicks) / clkTck, source: "proc-tree" };
}

/**
 * The window figures of one process tree. `problems` receives what made a figure fall back (a
 * cgroup counter that went down).
 */
export function processFigures(track: Track, meta: ProcessMeta, durationS: number, intervalS: number, clkTck: number, problems: string[] = []): ProcessResult {
  const b = windowBounds(track);
  const members = new Map<number, string>();
  for (const r of b?.readings ?? []) for (const m of r.snap.members) members.set(m.pid, m.comm);
  const base: ProcessResult = {
    ...meta,
    members: [...members.entries()].map(([pid, comm]) => ({ pid, comm })),
    cpuPercent: 0,
    cpuSeconds: 0,
    wakeupsPerS: 0,
    syscallsPerS: 0,
    readBytesPerS: 0,
    writeBytesPerS: 0,
    rssMB: 0,
    samples: [],
    intervals: [],
  };
  if (!b) return base;
  const { start, end } = b;
  const seconds = end.snap.at - start.snap.at;
  if (track.cgroup && start.cgroupUsec !== undefined && end.cgroupUsec !== undefined && end.cgroupUsec < start.cgroupUsec) {
    problems.push(`${meta.name}: its cgroup's CPU counter went down over the window (${start.cgroupUsec} to ${end.cgroupUsec} µs); CPU comes from the /proc tree instead`);
  }
  const cpu = cpuBetween(track, start, end, clkTck);
  const procTreeS = (end.totals.cpuTicks - start.totals.cpuTicks) / clkTck;
  const samples: Sample[] = [];
  for (const r of b.readings.slice(1)) if (r.intervalCpu !== undefined) samples.push({ t: round(r.t, 1), cpuPercent: round(r.intervalCpu) });
  const voluntary = rate(end.totals.voluntary - start.totals.voluntary, seconds);
  const involuntary = rate(end.totals.involuntary - start.totals.involuntary, seconds);
  let rss = 0;
  for (const m of end.snap.members) if (m.state !== "Z") rss += m.rssPages * pageSizeBytes();
  return {
    ...base,
    cpuPercent: round(rate(cpu.seconds, seconds) * 100, 3),
    cpuSeconds: round(cpu.seconds, 3),
    cpuSource: cpu.source,
    ...(cpu.source !== "proc-tree" ? { procTreeCpuPercent: round(rate(procTreeS, seconds) * 100, 3) } : {}),
    // one voluntary switch is one block and one wake-up; involuntary ones are preemption by other load
    wakeupsPerS: round(voluntary, 1),
    voluntaryWakeupsPerS: round(voluntary, 1),
    involuntaryWakeupsPerS: round(involuntary, 1),
    syscallsPerS: round(rate(end.totals.syscr + end.totals.syscw - start.totals.syscr - start.totals.syscw, seconds), 1),
    readBytesPerS: round(rate(end.totals.rchar - start.totals.rchar, seconds), 0),
    writeBytesPerS: round(rate(end.totals.wchar - start.totals.wchar, seconds), 0),
    rssMB: round(rss / 1024 / 1024, 1),
    samples,
    intervals: intervalFigures(track, durationS, intervalS, clkTck),
  };
}

/** Exact CPU and voluntary wake-ups per report interval (10 s like the seeds' tables), from the readings nearest its bounds. */
export function intervalFigures(track: Track, durationS: number, intervalS: number, clkTck: number): IntervalFigure[] {
  const b = windowBounds(track);
  if (!b) return [];
  const out: IntervalFigure[] = [];
  const nearest = (t: number): Reading | undefined => {
    let best: Reading | undefined;
    for (const r of b.readings) if (!best || Math.abs(r.t - t) < Math.abs(best.t - t)) best = r;
    return best && Math.abs(best.t - t) <= intervalS / 2 ? best : undefined;
  };
  for (let t = intervalS; t <= durationS + 1e-6; t += intervalS) {
    // the first interval starts at the start reading, wherever its timer put it
    const a = t === intervalS ? b.start : nearest(t - intervalS);
    const z = nearest(t);
    if (!a || !z || z.snap.at <= a.snap.at) continue;
    const s = z.snap.at - a.snap.at;
    out.push({
      t: round(t, 1),
      cpuPercent: round((cpuBetween(track, a, z, clkTck).seconds / s) * 100),
      wakeupsPerS: round((z.totals.voluntary - a.totals.voluntary) / s, 1),
    });
  }
  return out;
}

export function summariseRoles(processes: ProcessResult[]): Partial<Record<Role, RoleSummary>> {
  const out: Partial<Record<Role, RoleSummary>> = {};
  for (const p of processes) {
    const r = (out[p.role] ??= { count: 0, cpuPercent: 0, wakeupsPerS: 0, voluntaryWakeupsPerS: 0, involuntaryWakeupsPerS: 0, syscallsPerS: 0 });
    r.count += 1;
    r.cpuPercent = round(r.cpuPercent + p.cpuPercent, 3);
    // a figure one process could not see makes the role's sum unknown (null), never a partial sum
    const add = (a: number | null | undefined, b: number | null | undefined): number | null => (a === null || a === undefined || b === null || b === undefined ? null : round(a + b, 1));
    r.wakeupsPerS = add(r.wakeupsPerS, p.wakeupsPerS);
    const vol = add(r.voluntaryWakeupsPerS, p.voluntaryWakeupsPerS ?? p.wakeupsPerS);
    const invol = add(r.involuntaryWakeupsPerS, p.involuntaryWakeupsPerS ?? (p.wakeupsPerS === null ? null : 0));
    if (vol === null) delete r.voluntaryWakeupsPerS;
    else r.voluntaryWakeupsPerS = vol;
    if (invol === null) delete r.involuntaryWakeupsPerS;
    else r.involuntaryWakeupsPerS = invol;
    r.syscallsPerS = add(r.syscallsPerS, p.syscallsPerS);
  }
  return out;
}

/** The report interval: 10 s as in the seeds, shorter for short windows, never below the sample period. */
export function chooseIntervalS(durationS: number, sampleS: number): number {
  if (durationS >= 30) return Math.max(10, sampleS);
  const raw = durationS / 5;
  return Math.max(sampleS, Math.round(raw / sampleS) * sampleS);
}
