/**
 * Every metric name and PromQL expression `harness attach --prometheus` sends, in one place, per
 * source. Each source is a per-process (or per-container) exporter whose series Prometheus stores:
 *
 * - process-exporter (ncabatoff/process-exporter, Debian `prometheus-process-exporter`): one series
 *   per process group (`groupname`), summed over the group's processes and, by default, their
 *   children; CPU from utime+stime in /proc/<pid>/stat, context switches from /proc/<pid>/status.
 * - otel: the OpenTelemetry collector's hostmetrics `process` scraper exported to Prometheus (the
 *   collector's `prometheus` exporter or remote write) with resource attributes turned into labels
 *   (`resource_to_telemetry_conversion`): process.cpu.time → process_cpu_time_seconds_total{state},
 *   process.context_switches (off by default in the collector) → process_context_switches_total{type},
 *   process.memory.usage → process_memory_usage_bytes. One series per process (`process_pid`).
 * - cadvisor: cAdvisor or the kubelet's /metrics/cadvisor: container_cpu_usage_seconds_total per
 *   container (cgroup accounting); no context switches.
 *
 * Only CPU states that are CPU time are summed: process-exporter's mode="user|system" and the
 * collector's state="user|system" (its "wait" is I/O wait, not time on a core).
 */

export type SourceName = "process-exporter" | "otel" | "cadvisor";
export const SOURCE_NAMES: readonly SourceName[] = ["process-exporter", "otel", "cadvisor"];

/** One counter or gauge of a source: a metric name plus the matchers that pick the part we use. */
export interface MetricSpec {
  metric: string;
  /** PromQL label matchers always added, e.g. `mode=~"user|system"` */
  matchers: string;
  /** the unit the value is in, so the converter never guesses */
  unit: "seconds" | "count" | "bytes";
}

export interface SourceSpec {
  name: SourceName;
  /** what the source is, for the report */
  description: string;
  /** CPU seconds, summed over the matched states (a counter) */
  cpu: MetricSpec;
  /** voluntary / involuntary context switches (counters); null when the source has none */
  voluntary: MetricSpec | null;
  involuntary: MetricSpec | null;
  /** resident memory in bytes (a gauge); null when the source has none */
  rss: MetricSpec | null;
  /** processes in the group (a gauge); null when the source has no such count */
  procs: MetricSpec | null;
  /** labels that name a process group, first present wins; `instance` names the host */
  groupLabels: string[];
  /** figures this source cannot give, one sentence each (they stay null in result.json) */
  unavailable: string[];
}

const NO_SYSCALLS = "syscalls/s: no Prometheus process source counts syscalls (locally they come from /proc/<pid>/io); null, not 0.";
const NO_IO = "read/write bytes/s: the source's I/O counters are storage bytes, not the bytes through read/write syscalls the local figure counts; null, not 0.";
const NO_WIRE = "connections and round trips (wire evidence): need the kernel's per-socket counters on the host (a local `harness attach`); not in Prometheus.";
const NO_THREADS = "per-thread wake-ups and syscalls by type: need the host (perf, /proc/<pid>/task); not in Prometheus.";

export const SOURCES: Record<SourceName, SourceSpec> = {
  "process-exporter": {
    name: "process-exporter",
    description: "process-exporter (namedprocess_namegroup_*): one series per process group, children included",
    cpu: { metric: "namedprocess_namegroup_cpu_seconds_total", matchers: 'mode=~"user|system"', unit: "seconds" },
    voluntary: { metric: "namedprocess_namegroup_context_switches_total", matchers: 'ctxswitchtype="voluntary"', unit: "count" },
    involuntary: { metric: "namedprocess_namegroup_context_switches_total", matchers: 'ctxswitchtype="nonvoluntary"', unit: "count" },
    rss: { metric: "namedprocess_namegroup_memory_bytes", matchers: 'memtype="resident"', unit: "bytes" },
    procs: { metric: "namedprocess_namegroup_num_procs", matchers: "", unit: "count" },
    groupLabels: ["groupname"],
    unavailable: [NO_SYSCALLS, NO_IO, NO_WIRE, NO_THREADS],
  },
  otel: {
    name: "otel",
    description: "OpenTelemetry collector hostmetrics process scraper (process_cpu_time_seconds_total): one series per process",
    cpu: { metric: "process_cpu_time_seconds_total", matchers: 'state=~"user|system"', unit: "seconds" },
    voluntary: { metric: "process_context_switches_total", matchers: 'type="voluntary"', unit: "count" },
    involuntary: { metric: "process_context_switches_total", matchers: 'type="involuntary"', unit: "count" },
    rss: { metric: "process_memory_usage_bytes", matchers: "", unit: "bytes" },
    procs: null,
    groupLabels: ["process_executable_name", "process_command", "service_name", "job"],
    unavailable: [NO_SYSCALLS, NO_IO, NO_WIRE, NO_THREADS],
  },
  cadvisor: {
    name: "cadvisor",
    description: "cAdvisor / kubelet (container_cpu_usage_seconds_total): one series per container, from its cgroup",
    cpu: { metric: "container_cpu_usage_seconds_total", matchers: 'container!="POD"', unit: "seconds" },
    voluntary: null,
    involuntary: null,
    rss: { metric: "container_memory_rss", matchers: 'container!="POD"', unit: "bytes" },
    procs: null,
    groupLabels: ["container", "name", "id"],
    unavailable: ["wake-ups/s: cAdvisor exports no context switches; null, not 0.", NO_SYSCALLS, NO_IO, NO_WIRE, NO_THREADS],
  },
};

/** `{a="1",b=~"x"}` from matcher texts, skipping empty ones. */
export function braces(...matchers: (string | undefined)[]): string {
  const parts = matchers.map((m) => (m ?? "").trim().replace(/^\{|\}$/g, "").trim()).filter((m) => m !== "");
  return parts.length ? `{${parts.join(",")}}` : "";
}

/**
 * The raw samples of one metric over `rangeS` seconds ending at the query's time: a range-vector
 * selector sent to /api/v1/query. Raw samples, not query_range's resampled steps, so every figure
 * divides by the time between two real scrapes and every gap or reset can be seen and named.
 */
export function rawSamplesQuery(spec: MetricSpec, userMatch: string | undefined, rangeS: number): string {
  return rangeSelector(`${spec.metric}${braces(spec.matchers, userMatch)}`, rangeS);
}

/** A selector's samples over the last `rangeS` seconds (whole seconds, at least 1). */
function rangeSelector(selector: string, rangeS: number): string {
  return `${selector}[${Math.max(1, Math.ceil(rangeS))}s]`;
}

/** One query that says which sources have series (for --source auto): a count per metric name. */
export function detectQuery(userMatch: string | undefined): string {
  const names = SOURCE_NAMES.map((n) => SOURCES[n].cpu.metric).join("|");
  return `count by (__name__) ({__name__=~"${names}"${userMatch ? `,${braces(userMatch).slice(1, -1)}` : ""}})`;
}

/** The application's own poll counters (a scenario's metricsMap value `name{label="v"}`) as a raw-samples selector. */
export function counterSamplesQuery(selector: string, rangeS: number): string {
  return rangeSelector(selector.trim(), rangeS);
}

/**
 * Recording rules for a fleet dashboard: idle CPU (percent of one core) and requests/day per worker
 * group, from process-exporter and the application's poll counter (docs/fleet.md).
 */
export function recordingRules(pollsMetric = "jobs_polls_total", rateWindow = "1m"): string {
  const cpu = SOURCES["process-exporter"].cpu;
  const cpuPercent = (by: string): string => `100 * sum by (${by}) (rate(${cpu.metric}${braces(cpu.matchers)}[${rateWindow}]))`;
  return [
    "groups:",
    "  - name: idle-cpu-harness",
    "    rules:",
    "      - record: group_instance:cpu_percent:rate" + rateWindow,
    `        expr: ${cpuPercent("groupname, instance")}`,
    "      - record: group:cpu_percent:rate" + rateWindow,
    `        expr: ${cpuPercent("groupname")}`,
    "      - record: job:requests_per_day:rate" + rateWindow,
    `        expr: 86400 * sum by (job) (rate(${pollsMetric}[${rateWindow}]))`,
    "",
  ].join("\n");
}
