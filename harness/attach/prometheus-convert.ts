/**
 * Raw samples from a Prometheus server → the same ProcessResult rows a local attach writes, one per
 * process group and host (the `--by` labels), plus per-host and fleet totals. Pure: tests feed it
 * series. A figure the source cannot see is null (its sentence is in `unavailable`), never 0.
 */
import type { IntervalFigure, PrometheusSourceFigures, ProcessResult, Role, Sample } from "../analyze/result-types.js";
import { counterWindow, gaugeAt, medianSpacing, rateBetween, type CounterWindow } from "./prometheus-counters.js";
import type { SourceSpec } from "./prometheus-queries.js";
import type { PromSeries } from "./prometheus-source.js";

export interface SourceData {
  cpu: PromSeries[];
  voluntary: PromSeries[] | null;
  involuntary: PromSeries[] | null;
  rss: PromSeries[] | null;
  procs: PromSeries[] | null;
}

export interface ConvertOptions {
  spec: SourceSpec;
  /** labels naming one process; default: the source's group label and `instance` */
  by?: string[];
  /** role per group name (default worker) */
  roles?: Map<string, Role>;
  /** the window, unix seconds */
  t0: number;
  t1: number;
  intervalS: number;
}

export interface Converted {
  processes: ProcessResult[];
  notes: string[];
  resolutionS: number | null;
  by: string[];
  hosts: PrometheusSourceFigures["hosts"];
  fleet: PrometheusSourceFigures["fleet"];
  groups: PrometheusSourceFigures["groups"];
  /** the median span the process figures divide by (seconds between their first and last scrape) */
  coveredS: number;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const clock = (t: number): string => new Date(t * 1000).toISOString().slice(11, 19);

/** The labels naming a process: the user's, else the source's first group label present, and instance. */
export function defaultBy(spec: SourceSpec, cpu: PromSeries[]): string[] {
  const group = spec.groupLabels.find((l) => cpu.some((s) => s.labels[l] !== undefined));
  return [...(group ? [group] : []), "instance"];
}

function keyOf(labels: Record<string, string>, by: string[]): string {
  return JSON.stringify(by.map((l) => labels[l] ?? ""));
}

function nameParts(labels: Record<string, string>, by: string[]): { group: string; instance: string } {
  const group = by.filter((l) => l !== "instance").map((l) => labels[l] ?? "").filter((v) => v !== "").join("/") || "(unlabelled)";
  return { group, instance: labels.instance ?? "" };
}

/** The summed rate (per second) of the series of one key over the window, or null when none gave one. */
interface SummedRate {
  perS: number;
  seconds: number;
  /** the windows of the series that gave one */
  windows: CounterWindow[];
  /** aligned with the series: null where a series gave no window */
  bySeries: (CounterWindow | null)[];
}

function summedRate(series: PromSeries[], t0: number, t1: number, res: number): SummedRate | null {
  let perS = 0;
  let seconds = 0;
  const bySeries: (CounterWindow | null)[] = [];
  for (const s of series) {
    const w = counterWindow(s, t0, t1, res);
    if (!w || w.toT <= w.fromT) {
      bySeries.push(null);
      continue;
    }
    perS += w.increase / (w.toT - w.fromT);
    seconds += w.increase;
    bySeries.push(w);
  }
  const windows = bySeries.filter((w): w is CounterWindow => w !== null);
  return windows.length ? { perS, seconds, windows, bySeries } : null;
}

function group<T extends { labels: Record<string, string> }>(series: T[] | null, by: string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const s of series ?? []) {
    const k = keyOf(s.labels, by);
    const list = out.get(k) ?? [];
    list.push(s);
    out.set(k, list);
  }
  return out;
}

export function convertSeries(data: SourceData, opts: ConvertOptions): Converted {
  const { spec, t0, t1, intervalS } = opts;
  const by = opts.by?.length ? opts.by : defaultBy(spec, data.cpu);
  const notes: string[] = [];
  const res = medianSpacing(data.cpu) ?? Number.NaN;
  const windowS = t1 - t0;
  if (!Number.isFinite(res)) {
    notes.push("no CPU series had two samples in or around the window: no figure could be computed");
  } else if (res > windowS / 2) {
    notes.push(`the data's resolution (${round(res, 1)} s between samples) is coarser than half the ${round(windowS, 1)} s window: each figure is one or two scrapes; measure a window of at least ${Math.ceil(res * 10)} s for a stable mean`);
  }
  // with the default labels, a series without the group label is a total over groups (cAdvisor's pod
  // and root cgroups): summing it in would count its members twice
  const groupLabel = opts.by?.length ? null : by.find((l) => l !== "instance");
  const unlabelled = groupLabel ? data.cpu.filter((s) => !s.labels[groupLabel]) : [];
  if (unlabelled.length) notes.push(`${unlabelled.length} series of ${spec.cpu.metric} without a ${groupLabel} label were left out (totals over groups, such as a pod's or the root cgroup, would count their members twice); name them with --by to include them`);
  const cpuBy = group(
    data.cpu.filter((s) => !unlabelled.includes(s)),
    by,
  );
  const volBy = group(data.voluntary, by);
  const involBy = group(data.involuntary, by);
  const rssBy = group(data.rss, by);
  const procsBy = group(data.procs, by);
  const processes: ProcessResult[] = [];
  const spans: number[] = [];
  const maxAge = Number.isFinite(res) ? 2 * res : windowS;

  for (const [key, cpuSeries] of [...cpuBy.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { group: groupName, instance } = nameParts((cpuSeries[0] as PromSeries).labels, by);
    const name = instance && by.includes("instance") ? `${groupName}@${instance}` : groupName;
    const cpu = Number.isFinite(res) ? summedRate(cpuSeries, t0, t1, res) : null;
    if (!cpu) {
      notes.push(`${name}: fewer than two samples of ${spec.cpu.metric} around the window: left out (no rate can be computed from one scrape)`);
      continue;
    }
    const first = cpu.windows[0] as CounterWindow;
    spans.push(first.toT - first.fromT);
    if (first.widened) notes.push(`${name}: fewer than two scrapes inside the window, so its figures cover ${clock(first.fromT)}–${clock(first.toT)} UTC (${round(first.toT - first.fromT, 1)} s), wider than the window: the data allows no finer`);
    for (const g of first.gaps) notes.push(`${name}: no sample from ${clock(g[0])} to ${clock(g[1])} UTC (${round(g[1] - g[0], 1)} s; the resolution is ${round(res, 1)} s): the window's total is still exact (a cumulative counter), but the CPU-over-time rows cannot split that stretch`);
    const resets = [...new Set(cpu.windows.flatMap((w) => w.resets))].sort((a, b) => a - b);
    if (resets.length) notes.push(`${name}: ${spec.cpu.metric} went down at ${resets.map(clock).join(", ")} UTC (a counter reset: the exporter or the process restarted); the increase after it is counted as Prometheus increase() does, and the time between the last scrape before and the reset is not seen`);
    const coveredFrom = Math.min(...cpu.windows.map((w) => w.fromT));
    const coveredTo = Math.max(...cpu.windows.map((w) => w.toT));
    if (!first.widened && coveredFrom > t0 + 2 * res) notes.push(`${name}: its series starts ${round(coveredFrom - t0, 1)} s into the window (the group appeared, or its exporter started then): its figures cover the part seen`);
    const exited = !first.widened && coveredTo < t1 - 2 * res;
    if (exited) notes.push(`${name}: its series ends ${round(t1 - coveredTo, 1)} s before the window's end (the group's processes exited, or its exporter stopped): its figures cover the part seen`);

    const vol = volBy.has(key) ? summedRate(volBy.get(key) as PromSeries[], t0, t1, res) : null;
    const invol = involBy.has(key) ? summedRate(involBy.get(key) as PromSeries[], t0, t1, res) : null;
    const rssValues = (rssBy.get(key) ?? []).map((s) => gaugeAt(s, t1, maxAge)).filter((v): v is number => v !== null);
    const procValues = (procsBy.get(key) ?? []).map((s) => gaugeAt(s, t1, maxAge)).filter((v): v is number => v !== null);
    const wake = vol ? round(vol.perS, 1) : null;
    const row: ProcessResult = {
      role: opts.roles?.get(groupName) ?? opts.roles?.get(name) ?? "worker",
      name,
      group: groupName,
      // a group of processes on another host has no pid of ours to give
      pid: 0,
      command: [],
      members: [],
      instance: instance || undefined,
      processCount: data.procs ? (procValues.length ? procValues.reduce((s, v) => s + v, 0) : null) : null,
      cpuPercent: round(cpu.perS * 100),
      cpuSeconds: round(cpu.seconds),
      wakeupsPerS: wake,
      ...(vol ? { voluntaryWakeupsPerS: round(vol.perS, 1) } : {}),
      ...(invol ? { involuntaryWakeupsPerS: round(invol.perS, 1) } : {}),
      syscallsPerS: null,
      readBytesPerS: null,
      writeBytesPerS: null,
      rssMB: rssValues.length ? round(rssValues.reduce((s, v) => s + v, 0) / 1024 / 1024, 1) : null,
      samples: samplesOf(cpuSeries, cpu, t0, res),
      intervals: intervalsOf(cpuSeries, cpu, volBy.get(key) ?? null, vol, t0, intervalS, res),
      ...(exited ? { exit: { code: null, signal: null, atS: round(coveredTo - t0, 1) } } : {}),
      log: "",
    };
    processes.push(row);
  }

  const hostMap = new Map<string, { processes: number; cpuPercent: number }>();
  const groupMap = new Map<string, { instances: Set<string>; cpuPercent: number }>();
  for (const p of processes) {
    const h = hostMap.get(p.instance ?? "") ?? { processes: 0, cpuPercent: 0 };
    h.processes += 1;
    h.cpuPercent = round(h.cpuPercent + p.cpuPercent);
    hostMap.set(p.instance ?? "", h);
    const g = groupMap.get(p.group) ?? { instances: new Set<string>(), cpuPercent: 0 };
    g.instances.add(p.instance ?? "");
    g.cpuPercent = round(g.cpuPercent + p.cpuPercent);
    groupMap.set(p.group, g);
  }
  const hosts = [...hostMap.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([instance, h]) => ({ instance, ...h }));
  const groups = [...groupMap.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, g]) => ({ group: name, instances: g.instances.size, cpuPercent: g.cpuPercent, meanCpuPercent: round(g.cpuPercent / g.instances.size) }));
  spans.sort((a, b) => a - b);
  return {
    processes,
    notes,
    resolutionS: Number.isFinite(res) ? round(res, 3) : null,
    by,
    hosts,
    fleet: { hosts: hosts.length, processes: processes.length, cpuPercent: round(processes.reduce((s, p) => s + p.cpuPercent, 0)) },
    groups,
    coveredS: spans.length ? (spans[Math.floor(spans.length / 2)] as number) : windowS,
  };
}

/** CPU between consecutive scrapes of the key's first series (the others are summed at the same scrapes). */
function samplesOf(series: PromSeries[], cpu: SummedRate, t0: number, res: number): Sample[] {
  const leadAt = cpu.bySeries.findIndex((w) => w !== null);
  const w = cpu.bySeries[leadAt] as CounterWindow;
  const pts = (series[leadAt] as PromSeries).points;
  const out: Sample[] = [];
  for (let i = 1; i < pts.length; i++) {
    const [ta] = pts[i - 1] as [number, number];
    const [tb] = pts[i] as [number, number];
    if (ta < w.fromT - 1e-9 || tb > w.toT + 1e-9) continue;
    const perS = sumRates(series, cpu.bySeries, ta, tb, res / 2);
    if (perS !== null) out.push({ t: round(tb - t0, 1), cpuPercent: round(perS * 100, 2) });
  }
  return out;
}

/** The summed rate of the series between the scrapes nearest two times; null when one series has none. */
function sumRates(series: PromSeries[], windows: (CounterWindow | null)[], from: number, to: number, tolS: number): number | null {
  let perS = 0;
  for (let k = 0; k < series.length; k++) {
    const cw = windows[k];
    if (!cw) continue; // a series with no window at all is left out of the figure too (its note says so)
    const r = rateBetween(series[k] as PromSeries, cw.adjusted, from, to, tolS);
    if (r === null) return null;
    perS += r;
  }
  return perS;
}

/** CPU and voluntary wake-ups per report interval, between the scrapes nearest its bounds (within half an interval). */
function intervalsOf(cpuSeries: PromSeries[], cpu: SummedRate, volSeries: PromSeries[] | null, vol: SummedRate | null, t0: number, intervalS: number, res: number): IntervalFigure[] {
  const out: IntervalFigure[] = [];
  // an interval shorter than the data's resolution cannot be measured: the rows are then one per scrape or none
  const tol = Math.max(intervalS, res) / 2;
  const end = Math.max(...cpu.windows.map((w) => w.toT)) - t0;
  for (let t = intervalS; t <= end + tol + 1e-6; t += intervalS) {
    const c = sumRates(cpuSeries, cpu.bySeries, t0 + t - intervalS, t0 + t, tol);
    if (c === null) continue;
    const v = volSeries && vol ? sumRates(volSeries, vol.bySeries, t0 + t - intervalS, t0 + t, tol) : null;
    out.push({ t: round(t, 1), cpuPercent: round(c * 100, 2), wakeupsPerS: v === null ? null : round(v, 1) });
  }
  return out;
}
