/**
 * Where `harness attach`'s CPU goes (bench/harness-cost.ts): its tree's readings (bench/tree-cpu.ts,
 * every quarter second) turned into the same steady / second-half / whole-life figures for the Node
 * process, bpftrace, the BPF programs bpftrace loaded (kernel time), perf, the other children (ss
 * through bash, getconf, ... mostly reaped between readings) and the total. Pure: tests feed it readings.
 */
import { cpuPercentBetween, type CpuReading } from "./process-cpu.js";
import type { TreeCpu } from "./tree-cpu.js";

export const PARTS = ["node", "bpftrace", "bpfKernel", "perf", "other"] as const;
export type PartName = (typeof PARTS)[number];

/** One reading of the harness's tree: ns on CPU so far, by part (bpfKernel null when not measured). */
export interface TreeReading {
  t: number;
  node: number;
  bpftrace: number;
  perf: number;
  /** the other live children's subtrees plus every reaped child */
  other: number;
  /** run time of bpftrace's BPF programs so far (0 before it loads them); null when the kernel does not count it */
  bpfKernel: number | null;
}

export interface PartCost {
  /** % of one core over the steady stretch */
  steadyPercent: number | null;
  /** % of one core over the stretch's second half */
  latePercent: number | null;
  /** % of one core over the whole life (CPU ms / wall) */
  lifePercent: number | null;
  lifeCpuMs: number | null;
}

export interface HarnessTreeCost {
  wallS: number;
  exitCode: number | null;
  /** node + bpftrace + perf + other + bpfKernel (bpfKernel counted when measured) */
  total: PartCost;
  parts: Record<PartName, PartCost>;
  /** whether the total includes the BPF programs' kernel time */
  totalHasBpfKernel: boolean;
  /** whole-life CPU ms of node + children from the readings (to check against perf's task-clock) */
  readingsLifeCpuMs: number | null;
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** Turn one tree reading into per-part cumulative ns; the BPF figure carries the last one seen (bpftrace may be gone). */
export function toTreeReading(t: number, tree: TreeCpu, bpfRunNs: number | null | undefined, lastBpf: number | null): TreeReading {
  let other = tree.reaped;
  for (const [name, ns] of Object.entries(tree.byChild)) if (name !== "bpftrace" && name !== "perf") other += ns;
  const bpfKernel = lastBpf === null ? null : Math.max(lastBpf, bpfRunNs ?? 0);
  return { t, node: tree.self, bpftrace: tree.byChild.bpftrace ?? 0, perf: tree.byChild.perf ?? 0, other, bpfKernel };
}

function series(readings: TreeReading[], pick: (r: TreeReading) => number | null): CpuReading[] {
  const out: CpuReading[] = [];
  for (const r of readings) {
    const ns = pick(r);
    if (ns !== null) out.push({ t: r.t, ns });
  }
  return out;
}

/**
 * The figures of one harness run. `perfLifeCpuMs`: perf stat's task-clock of the whole tree (exact,
 * every child included, reaped or not), or null without perf (then the readings' last total, which
 * misses the last quarter second). Whole life by part: node, bpftrace and perf from their last
 * readings; `other` is the rest of the total (short-lived children, and the tails after the last reading).
 */
export function treeCost(readings: TreeReading[], wallS: number, exitCode: number | null, perfLifeCpuMs: number | null, steadyFrom: number, steadyTo: number): HarnessTreeCost {
  const bpfMeasured = readings.length > 0 && readings.every((r) => r.bpfKernel !== null);
  const pickers: Record<PartName, (r: TreeReading) => number | null> = {
    node: (r) => r.node,
    bpftrace: (r) => r.bpftrace,
    bpfKernel: (r) => r.bpfKernel,
    perf: (r) => r.perf,
    other: (r) => r.other,
  };
  const pct = (ms: number | null): number | null => (ms === null || wallS <= 0 ? null : round((ms / 1000 / wallS) * 100));
  const rate = (s: CpuReading[], from: number): number | null => ((p) => (p === null ? null : round(p)))(cpuPercentBetween(s, from, steadyTo));
  const lateFrom = Math.max(steadyFrom, steadyTo / 2);
  const maxMs = (pick: (r: TreeReading) => number | null): number | null => {
    const v = readings.map(pick).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) / 1e6 : null;
  };
  const parts = {} as Record<PartName, PartCost>;
  for (const name of PARTS) {
    const s = series(readings, pickers[name]);
    parts[name] = { steadyPercent: rate(s, steadyFrom), latePercent: rate(s, lateFrom), lifePercent: null, lifeCpuMs: null };
  }
  const last = readings.at(-1);
  const readingsLife = last ? (last.node + last.bpftrace + last.perf + last.other) / 1e6 : null;
  const processesLife = perfLifeCpuMs ?? readingsLife;
  const lifeOf: Record<PartName, number | null> = {
    node: last ? last.node / 1e6 : null,
    bpftrace: maxMs((r) => r.bpftrace),
    perf: maxMs((r) => r.perf),
    bpfKernel: bpfMeasured ? maxMs((r) => r.bpfKernel) : null,
    other: null,
  };
  if (processesLife !== null && lifeOf.node !== null) lifeOf.other = processesLife - lifeOf.node - (lifeOf.bpftrace ?? 0) - (lifeOf.perf ?? 0);
  for (const name of PARTS) {
    const ms = lifeOf[name];
    parts[name].lifeCpuMs = ms === null ? null : round(ms, 1);
    parts[name].lifePercent = pct(ms);
  }
  const totalSeries = series(readings, (r) => r.node + r.bpftrace + r.perf + r.other + (bpfMeasured ? (r.bpfKernel ?? 0) : 0));
  const totalLife = processesLife === null ? null : processesLife + (bpfMeasured ? (lifeOf.bpfKernel ?? 0) : 0);
  return {
    wallS: round(wallS, 2),
    exitCode,
    total: { steadyPercent: rate(totalSeries, steadyFrom), latePercent: rate(totalSeries, lateFrom), lifePercent: pct(totalLife), lifeCpuMs: totalLife === null ? null : round(totalLife, 1) },
    parts,
    totalHasBpfKernel: bpfMeasured,
    readingsLifeCpuMs: readingsLife === null ? null : round(readingsLife, 1),
  };
}
