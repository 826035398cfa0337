/** Turn a process's readings into its window figures: exact means from /proc tick deltas. */
import type { Reading, Track } from "../sample/sampler.js";
import type { IntervalFigure, ProcessResult, Role, RoleSummary, Sample } from "./result-types.js";

export interface WindowBounds {
  /** reading at (or just after) the window start */
  start: Reading;
  /** reading at the window end, or the last one taken alive */
  end: Reading;
}

const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function windowBounds(track: Track, durationS: number): WindowBounds | undefined {
  const inWindow = track.readings.filter((r) => r.t >= -1e-6 && r.t <= durationS + 0.5 && r.snap.alive);
  const start = inWindow[0];
  const end = inWindow.at(-1);
  if (!start || !end || end === start) return undefined;
  return { start, end };
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

export function processFigures(track: Track, meta: ProcessMeta, durationS: number, intervalS: number, clkTck: number): ProcessResult {
  const b = windowBounds(track, durationS);
  const members = new Map<number, string>();
  for (const r of track.readings) if (r.t >= 0) for (const m of r.snap.members) members.set(m.pid, m.comm);
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
  const seconds = b.end.snap.at - b.start.snap.at;
  const cpuSeconds = (b.end.snap.cpuTicks - b.start.snap.cpuTicks) / clkTck;
  const samples: Sample[] = [];
  for (const r of track.readings) {
    if (r.t > 0 && r.t <= durationS + 0.5 && r.intervalCpu !== undefined) samples.push({ t: round(r.t, 1), cpuPercent: round(r.intervalCpu) });
  }
  return {
    ...base,
    cpuPercent: round(rate(cpuSeconds, seconds) * 100, 3),
    cpuSeconds: round(cpuSeconds, 3),
    wakeupsPerS: round(rate(b.end.snap.ctxSwitches - b.start.snap.ctxSwitches, seconds), 1),
    syscallsPerS: round(rate(b.end.snap.io.syscr + b.end.snap.io.syscw - b.start.snap.io.syscr - b.start.snap.io.syscw, seconds), 1),
    readBytesPerS: round(rate(b.end.snap.io.rchar - b.start.snap.io.rchar, seconds), 0),
    writeBytesPerS: round(rate(b.end.snap.io.wchar - b.start.snap.io.wchar, seconds), 0),
    rssMB: round(b.end.snap.rssBytes / 1024 / 1024, 1),
    samples,
    intervals: intervalFigures(track, durationS, intervalS, clkTck),
  };
}

/** Exact CPU and wake-ups per report interval (10 s like the seeds' tables), from tick deltas. */
export function intervalFigures(track: Track, durationS: number, intervalS: number, clkTck: number): IntervalFigure[] {
  const alive = track.readings.filter((r) => r.t >= -1e-6 && r.snap.alive);
  const out: IntervalFigure[] = [];
  const nearest = (t: number): Reading | undefined => {
    let best: Reading | undefined;
    for (const r of alive) if (!best || Math.abs(r.t - t) < Math.abs(best.t - t)) best = r;
    return best && Math.abs(best.t - t) <= intervalS / 2 ? best : undefined;
  };
  for (let t = intervalS; t <= durationS + 1e-6; t += intervalS) {
    const a = nearest(t - intervalS);
    const z = nearest(t);
    if (!a || !z || z.snap.at <= a.snap.at) continue;
    const s = z.snap.at - a.snap.at;
    out.push({
      t: round(t, 1),
      cpuPercent: round(((z.snap.cpuTicks - a.snap.cpuTicks) / clkTck / s) * 100),
      wakeupsPerS: round((z.snap.ctxSwitches - a.snap.ctxSwitches) / s, 1),
    });
  }
  return out;
}

export function summariseRoles(processes: ProcessResult[]): Partial<Record<Role, RoleSummary>> {
  const out: Partial<Record<Role, RoleSummary>> = {};
  for (const p of processes) {
    const r = (out[p.role] ??= { count: 0, cpuPercent: 0, wakeupsPerS: 0, syscallsPerS: 0 });
    r.count += 1;
    r.cpuPercent = round(r.cpuPercent + p.cpuPercent, 3);
    r.wakeupsPerS = round(r.wakeupsPerS + p.wakeupsPerS, 1);
    r.syscallsPerS = round(r.syscallsPerS + p.syscallsPerS, 1);
  }
  return out;
}

/** The report interval: 10 s as in the seeds, shorter for short windows, never below the sample period. */
export function chooseIntervalS(durationS: number, sampleS: number): number {
  if (durationS >= 30) return Math.max(10, sampleS);
  const raw = durationS / 5;
  return Math.max(sampleS, Math.round(raw / sampleS) * sampleS);
}
