/** attach --prometheus, pure parts: the queries, counter windows (resets, gaps, coarse data) and the conversion to ProcessResult rows. */
import { describe, expect, it } from "vitest";
import { adjustedCumulative, counterWindow, medianSpacing } from "../../harness/attach/prometheus-counters.js";
import { convertSeries, type SourceData } from "../../harness/attach/prometheus-convert.js";
import { braces, detectQuery, rawSamplesQuery, recordingRules, SOURCES } from "../../harness/attach/prometheus-queries.js";
import type { PromSeries } from "../../harness/attach/prometheus-source.js";
import { attachCommand, parseTime, type AttachCommandOptions } from "../../harness/attach/attach-command.js";
import { renderRunMarkdown } from "../../harness/report/run-markdown.js";
import { summariseRoles } from "../../harness/analyze/process-figures.js";
import { emptyServerFigures } from "../../harness/analyze/server-figures.js";
import { SCHEMA_VERSION, type RunResult } from "../../harness/analyze/result-types.js";

const T0 = 1_800_000_000;

/** a counter scraped every `step` s from T0-`before` to T0+`len`, rising `perS` a second (plus `base`) */
function counter(labels: Record<string, string>, perS: number, opts: { step?: number; before?: number; len?: number; base?: number; drop?: (t: number) => boolean } = {}): PromSeries {
  const step = opts.step ?? 1;
  const points: [number, number][] = [];
  for (let t = T0 - (opts.before ?? 5); t <= T0 + (opts.len ?? 10) + 1e-9; t += step) {
    if (opts.drop?.(t)) continue;
    points.push([t, (opts.base ?? 100) + perS * (t - T0 + 100)]);
  }
  return { labels, points };
}

const pe = SOURCES["process-exporter"];
const lab = (group: string, mode: string, instance = "h1:9256"): Record<string, string> => ({ __name__: pe.cpu.metric, groupname: group, mode, instance, job: "pe" });

describe("prometheus queries", () => {
  it("builds raw-sample selectors with the source's and the user's matchers", () => {
    expect(rawSamplesQuery(pe.cpu, 'groupname=~"w.*"', 130.2)).toBe('namedprocess_namegroup_cpu_seconds_total{mode=~"user|system",groupname=~"w.*"}[131s]');
    expect(rawSamplesQuery(pe.procs!, undefined, 10)).toBe("namedprocess_namegroup_num_procs[10s]");
    expect(braces("", "{a=\"1\"}")).toBe('{a="1"}');
    expect(detectQuery('instance="x"')).toContain('__name__=~"namedprocess_namegroup_cpu_seconds_total|process_cpu_time_seconds_total|container_cpu_usage_seconds_total",instance="x"');
    expect(recordingRules()).toContain("rate(namedprocess_namegroup_cpu_seconds_total{mode=~\"user|system\"}[1m])");
  });

  it("refuses option mixes with one usage line each, before any query", async () => {
    const base: AttachCommandOptions = { pid: [], name: [], role: [], metricsMap: [], prometheus: "http://127.0.0.1:9/" };
    const fails = (o: Partial<AttachCommandOptions>): Promise<number> => attachCommand({ ...base, ...o });
    await expect(fails({ duration: 5, pid: ["1"] })).rejects.toThrow(/--pid and --prometheus do not mix/);
    await expect(fails({ from: "now-1m" })).rejects.toThrow(/needs --duration <s>, or --from <time> and --to <time>/);
    await expect(fails({ duration: 5, from: "now-1m", to: "now" })).rejects.toThrow(/not both/);
    await expect(fails({ from: "now", to: "now-1m" })).rejects.toThrow(/--to must be after --from/);
    await expect(fails({ duration: 5, source: "nagios" })).rejects.toThrow(/--source: expected process-exporter, otel, cadvisor or auto/);
    await expect(fails({ duration: 5, match: "worker" })).rejects.toThrow(/--match: expected PromQL label matchers/);
    await expect(fails({ duration: 5, metrics: "http://x/metrics" })).rejects.toThrow(/--metrics and --prometheus do not mix/);
    await expect(fails({ duration: 5, prometheus: "prometheus:9090" })).rejects.toThrow(/--prometheus: expected the server's URL/);
    await expect(attachCommand({ ...base, prometheus: undefined, duration: 5, match: 'a="b"' })).rejects.toThrow(/--match needs --prometheus/);
  });

  it("reads --from/--to times", () => {
    expect(parseTime("now-10m", "--from", 1000)).toBe(400);
    expect(parseTime("-30s", "--from", 1000)).toBe(970);
    expect(parseTime("1800000000.5", "--from")).toBe(1800000000.5);
    expect(parseTime("2027-01-15T08:00:00Z", "--from")).toBe(Date.parse("2027-01-15T08:00:00Z") / 1000);
    expect(() => parseTime("yesterday", "--from")).toThrow(/ISO time/);
  });
});

describe("counter windows", () => {
  it("takes the increase between the scrape at the window's start and the last one before its end", () => {
    const s = counter({}, 0.3);
    expect(medianSpacing([s])).toBe(1);
    const w = counterWindow(s, T0, T0 + 10, 1)!;
    expect(w.fromT).toBe(T0);
    expect(w.toT).toBe(T0 + 10);
    expect(w.increase).toBeCloseTo(3, 6);
    expect(w.resets).toEqual([]);
    expect(w.gaps).toEqual([]);
    expect(w.widened).toBe(false);
  });

  it("counts a reset as Prometheus increase() does, and names it", () => {
    const points: [number, number][] = [
      [T0, 50],
      [T0 + 1, 51],
      [T0 + 2, 0.5],
      [T0 + 3, 1.5],
    ];
    expect(adjustedCumulative(points).resetsAt).toEqual([T0 + 2]);
    const w = counterWindow({ labels: {}, points }, T0, T0 + 3, 1)!;
    expect(w.increase).toBeCloseTo(1 + 0.5 + 1, 6);
    expect(w.resets).toEqual([T0 + 2]);
  });

  it("keeps the total across a scrape gap exact and reports the gap", () => {
    const s = counter({}, 0.5, { drop: (t) => t > T0 + 2 && t < T0 + 8 });
    const w = counterWindow(s, T0, T0 + 10, 1)!;
    expect(w.increase).toBeCloseTo(5, 6);
    expect(w.gaps).toEqual([[T0 + 2, T0 + 8]]);
  });

  it("widens to the scrapes around a window shorter than the scrape interval, and says so", () => {
    const s = counter({}, 0.2, { step: 15, before: 30, len: 45 });
    const w = counterWindow(s, T0 + 3, T0 + 10, 15)!;
    expect(w.widened).toBe(true);
    expect(w.fromT).toBe(T0);
    expect(w.toT).toBe(T0 + 15);
    expect(counterWindow({ labels: {}, points: [[T0, 1]] }, T0, T0 + 1, 1)).toBeNull();
  });
});

describe("convertSeries", () => {
  const data = (cpu: PromSeries[], extra: Partial<SourceData> = {}): SourceData => ({ cpu, voluntary: null, involuntary: null, rss: null, procs: null, ...extra });

  it("sums a group's modes, names rows <group>@<instance>, and totals hosts and the fleet", () => {
    const cpu = [counter(lab("w", "user"), 0.2), counter(lab("w", "system"), 0.1), counter(lab("w", "user", "h2:9256"), 0.05), counter(lab("idle", "user"), 0)];
    const vol = [counter({ ...lab("w", ""), ctxswitchtype: "voluntary" }, 40), counter({ ...lab("w", "", "h2:9256"), ctxswitchtype: "voluntary" }, 4), counter({ ...lab("idle", ""), ctxswitchtype: "voluntary" }, 1)];
    const c = convertSeries(data(cpu, { voluntary: vol }), { spec: pe, t0: T0, t1: T0 + 10, intervalS: 2, roles: new Map([["idle", "server"]]) });
    expect(c.by).toEqual(["groupname", "instance"]);
    expect(c.resolutionS).toBe(1);
    const w1 = c.processes.find((p) => p.name === "w@h1:9256")!;
    expect(w1.cpuPercent).toBeCloseTo(30, 3);
    expect(w1.cpuSeconds).toBeCloseTo(3, 3);
    expect(w1.group).toBe("w");
    expect(w1.instance).toBe("h1:9256");
    expect(w1.wakeupsPerS).toBe(40);
    expect(w1.syscallsPerS).toBeNull();
    expect(w1.rssMB).toBeNull();
    expect(w1.samples).toHaveLength(10);
    expect(w1.intervals.map((i) => i.cpuPercent)).toEqual([30, 30, 30, 30, 30]);
    expect(c.processes.find((p) => p.name === "idle@h1:9256")!.role).toBe("server");
    expect(c.hosts).toEqual([
      { instance: "h1:9256", processes: 2, cpuPercent: 30 },
      { instance: "h2:9256", processes: 1, cpuPercent: 5 },
    ]);
    expect(c.fleet).toEqual({ hosts: 2, processes: 3, cpuPercent: 35 });
    expect(c.groups.find((g) => g.group === "w")).toEqual({ group: "w", instances: 2, cpuPercent: 35, meanCpuPercent: 17.5 });
    expect(c.notes).toEqual([]);
  });

  it("reports a series that ends early as an exit, one that starts late, and a reset", () => {
    const ended = counter(lab("gone", "user"), 0.1, { len: 4 });
    const late: PromSeries = { labels: lab("late", "user"), points: counter({}, 0.1).points.filter(([t]) => t >= T0 + 5) };
    const reset: PromSeries = { labels: lab("rs", "user"), points: counter({}, 0.1).points.map(([t, v]) => [t, t >= T0 + 6 ? v - 100 : v] as [number, number]) };
    const c = convertSeries(data([counter(lab("w", "user"), 0.1), ended, late, reset]), { spec: pe, t0: T0, t1: T0 + 10, intervalS: 2 });
    const gone = c.processes.find((p) => p.group === "gone")!;
    expect(gone.exit).toEqual({ code: null, signal: null, atS: 4 });
    expect(gone.cpuPercent).toBeCloseTo(10, 3);
    expect(c.notes.join("\n")).toMatch(/gone@h1:9256: its series ends 6 s before the window's end/);
    expect(c.notes.join("\n")).toMatch(/late@h1:9256: its series starts 5 s into the window/);
    expect(c.notes.join("\n")).toMatch(/rs@h1:9256: .* went down at .* \(a counter reset/);
  });

  it("says when the data's resolution is coarser than the window allows", () => {
    const c = convertSeries(data([counter(lab("w", "user"), 0.1, { step: 15, before: 30, len: 45 })]), { spec: pe, t0: T0 + 3, t1: T0 + 10, intervalS: 2 });
    expect(c.resolutionS).toBe(15);
    expect(c.notes.join("\n")).toMatch(/resolution \(15 s between samples\) is coarser than half the 7 s window/);
    expect(c.notes.join("\n")).toMatch(/wider than the window/);
    expect(c.processes[0]!.cpuPercent).toBeCloseTo(10, 3);
  });

  it("leaves wake-ups null for a source without context switches (cAdvisor), never 0", () => {
    const cad = SOURCES.cadvisor;
    const cpu = [
      counter({ __name__: cad.cpu.metric, container: "api", pod: "api-1", namespace: "prod", cpu: "total", instance: "node1" }, 0.02),
      // the pod's own cgroup (no container label): a total over its containers, never summed in
      counter({ __name__: cad.cpu.metric, pod: "api-1", namespace: "prod", cpu: "total", instance: "node1" }, 0.02),
    ];
    const c = convertSeries(data(cpu), { spec: cad, t0: T0, t1: T0 + 10, intervalS: 2 });
    expect(c.processes).toHaveLength(1);
    expect(c.notes.join("\n")).toMatch(/1 series of container_cpu_usage_seconds_total without a container label were left out/);
    expect(c.processes[0]!.name).toBe("api@node1");
    expect(c.processes[0]!.wakeupsPerS).toBeNull();
    expect(summariseRoles(c.processes).worker!.wakeupsPerS).toBeNull();
  });

  it("renders the fleet sections and the null figures in report.md", () => {
    const c = convertSeries(data([counter(lab("w", "user"), 0.2)]), { spec: pe, t0: T0, t1: T0 + 10, intervalS: 2 });
    const r: RunResult = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: "idle-cpu-harness", version: "test" },
      status: "ok",
      problems: [],
      scenario: { name: "attach", description: "", file: "" },
      params: {},
      command: "harness attach --prometheus http://p:9090",
      startedAt: "2027-01-01T00:00:00Z",
      machine: { cores: 2, cpuModel: "x", node: "v20", platform: "linux", kernel: "6", clockTicksPerSecond: 100, hostname: "h" },
      window: { warmupS: 0, durationS: 10, sampleS: 1, measuredS: 10, intervalS: 2 },
      profiled: false,
      processes: c.processes,
      roles: summariseRoles(c.processes),
      server: emptyServerFigures(null),
      prometheus: {
        url: "http://p:9090/",
        source: "process-exporter",
        match: null,
        by: c.by,
        from: "a",
        to: "b",
        fromUnix: T0,
        toUnix: T0 + 10,
        resolutionS: c.resolutionS,
        queries: 6,
        querySeconds: 0.05,
        unavailable: pe.unavailable,
        notes: ["a note"],
        hosts: c.hosts,
        fleet: c.fleet,
        groups: c.groups,
        requests: [{ key: "worker=w", pollsPerS: 10, requestsPerDay: 864_000 }],
      },
    };
    const md = renderRunMarkdown(r);
    expect(md).toContain("## Fleet (from Prometheus)");
    expect(md).toContain("**Resolution: 1.0 s between samples**");
    expect(md).toMatch(/\| worker \| w@h1:9256 \| 20\.00% \|.*\| – \|/);
    expect(md).toContain("864,000");
    expect(md).toContain("6 queries");
    expect(md).toContain("- a note");
    expect(md).not.toContain("/proc/<pid>/stat");
  });
});
