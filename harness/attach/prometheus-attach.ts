/**
 * `harness attach --prometheus <url>`: the same result.json and report as a local attach, read from
 * a Prometheus server's raw samples over a window (live: the next --duration seconds; or one that
 * already happened: --from/--to). Every query goes through PrometheusClient (counted and timed);
 * every metric name and selector comes from prometheus-queries.ts; the conversion is
 * prometheus-convert.ts. Nothing is started on the measured hosts.
 */
import { RunError } from "../util/errors.js";
import { chooseIntervalS, summariseRoles } from "../analyze/process-figures.js";
import { emptyServerFigures, metricNames, parseSelector, serverFigures, type MetricNames } from "../analyze/server-figures.js";
import { describeMachine } from "../analyze/machine.js";
import { SCHEMA_VERSION, type PrometheusSourceFigures, type Role, type RunResult, type ServerFigures } from "../analyze/result-types.js";
import type { PromSample } from "../sample/prometheus.js";
import { toolVersion } from "../util/version.js";
import { diagnose } from "../diagnose/diagnose.js";
import { PrometheusClient, type PromSeries } from "./prometheus-source.js";
import { braces, detectQuery, rawSamplesQuery, SOURCE_NAMES, SOURCES, type MetricSpec, type SourceName } from "./prometheus-queries.js";
import { convertSeries, type SourceData } from "./prometheus-convert.js";
import { counterWindow, medianSpacing } from "./prometheus-counters.js";

export interface PrometheusAttachOptions {
  url: string;
  match?: string;
  by?: string[];
  source: SourceName | "auto";
  /** live: measure the next durationS seconds; else the window [from, to] (unix seconds) */
  durationS?: number;
  from?: number;
  to?: number;
  roles: Map<string, Role>;
  metricsMap?: Partial<MetricNames>;
  command: string;
  signal: AbortSignal;
  onEvent?: (message: string) => void;
  /** seconds before the window and after it also fetched, to find the scrapes around it */
  marginS?: number;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const nowUnix = (): number => Date.now() / 1000;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Which source has series (one query); --source auto prefers process-exporter, then otel, then cadvisor. */
async function resolveSource(client: PrometheusClient, wanted: SourceName | "auto", match: string | undefined, at: number, notes: string[]): Promise<SourceName> {
  const answer = await client.query(detectQuery(match), at);
  const found = SOURCE_NAMES.filter((n) => answer.vector.some((v) => v.labels.__name__ === SOURCES[n].cpu.metric));
  const where = `${client.base.href}${match ? ` matching ${braces(match)}` : ""}`;
  if (wanted !== "auto") {
    if (!found.includes(wanted)) throw new RunError(`no series of ${SOURCES[wanted].cpu.metric} (source ${wanted}) at ${where} at ${new Date(at * 1000).toISOString()}${found.length ? `; found ${found.join(", ")} (try --source ${found[0]})` : ""}`);
    return wanted;
  }
  const first = found[0];
  if (!first) throw new RunError(`no per-process CPU series at ${where} at ${new Date(at * 1000).toISOString()} (looked for ${SOURCE_NAMES.map((n) => SOURCES[n].cpu.metric).join(", ")})`);
  if (found.length > 1) notes.push(`series of several sources match (${found.join(", ")}): ${first} was used (choose with --source)`);
  return first;
}

async function raw(client: PrometheusClient, spec: MetricSpec | null, match: string | undefined, rangeS: number, at: number): Promise<PromSeries[] | null> {
  if (!spec) return null;
  return (await client.query(rawSamplesQuery(spec, match, rangeS), at)).matrix;
}

/** The application's counters (reference names with the metricsMap laid over them), in one query. */
async function serverCounters(client: PrometheusClient, names: MetricNames, rangeS: number, at: number): Promise<PromSeries[]> {
  const counters = [names.polls, names.emptyPolls, names.claims, names.enqueued, names.notifications, names.notifiedPolls, names.notifiedEmptyPolls, names.longPolls].map((n) => parseSelector(n).name);
  const histograms = [names.pollGap, names.pickupLatency].flatMap((n) => [`${parseSelector(n).name}_bucket`, `${parseSelector(n).name}_count`]);
  const regex = [...new Set([...counters, ...histograms])].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return (await client.query(`{__name__=~"${regex}"}[${Math.ceil(rangeS)}s]`, at)).matrix;
}

/**
 * Start and end samples of the application's counters, reset-adjusted, for serverFigures: the same
 * window analysis as a local attach's two scrapes. Returns the seconds they span.
 */
function serverSamples(series: PromSeries[], t0: number, t1: number, notes: string[]): { start: PromSample[]; end: PromSample[]; seconds: number } | null {
  const res = medianSpacing(series);
  if (res === null) return null;
  const start: PromSample[] = [];
  const end: PromSample[] = [];
  const spans: number[] = [];
  for (const s of series) {
    const w = counterWindow(s, t0, t1, res);
    if (!w) continue;
    const name = s.labels.__name__ ?? "";
    const labels = { ...s.labels };
    delete labels.__name__;
    if (w.resets.length) notes.push(`application counter ${name}${braces(Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(","))} was reset in the window (the application restarted): counted as Prometheus increase() does`);
    start.push({ name, labels, value: 0 });
    end.push({ name, labels, value: w.increase });
    spans.push(w.toT - w.fromT);
  }
  if (!end.length) return null;
  spans.sort((a, b) => a - b);
  return { start, end, seconds: spans[Math.floor(spans.length / 2)] as number };
}

/**
 * Polls per second and requests per day per process group: by the label of the polls counter whose
 * values are the process groups' names (the reference server's `worker`), else by the --by labels
 * the counter carries, else by job.
 */
function requestsByKey(series: PromSeries[], pollsSelector: string, by: string[], groups: Set<string>, t0: number, t1: number): PrometheusSourceFigures["requests"] {
  const sel = parseSelector(pollsSelector);
  const polls = series.filter((s) => s.labels.__name__ === sel.name && Object.entries(sel.match).every(([k, v]) => s.labels[k] === v));
  const res = medianSpacing(polls);
  if (res === null) return [];
  const labels = [...new Set(polls.flatMap((s) => Object.keys(s.labels)))].filter((l) => l !== "__name__").sort();
  const linked = labels.find((l) => polls.some((s) => groups.has(s.labels[l] ?? "")));
  const present = by.filter((l) => labels.includes(l));
  const keys = linked ? [linked] : present.length ? present : ["job"];
  const sums = new Map<string, number>();
  for (const s of polls) {
    const w = counterWindow(s, t0, t1, res);
    if (!w || w.toT <= w.fromT) continue;
    const key = keys.map((k) => `${k}=${s.labels[k] ?? ""}`).join(",");
    sums.set(key, (sums.get(key) ?? 0) + w.increase / (w.toT - w.fromT));
  }
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, perS]) => ({ key, pollsPerS: round(perS), requestsPerDay: Math.round(perS * 86_400) }));
}

export async function prometheusAttach(opts: PrometheusAttachOptions): Promise<{ result: RunResult; exitCode: number }> {
  const emit = opts.onEvent ?? (() => {});
  const client = new PrometheusClient(opts.url);
  const notes: string[] = [];
  const startedAt = new Date().toISOString();
  const live = opts.durationS !== undefined;
  const t0 = live ? nowUnix() : (opts.from as number);
  const plannedT1 = live ? t0 + (opts.durationS as number) : (opts.to as number);
  // fail fast on a wrong URL, query or source before waiting out a live window
  const source = await resolveSource(client, opts.source, opts.match, live ? t0 : plannedT1, notes);
  const spec = SOURCES[source];
  let t1 = plannedT1;
  if (live) {
    emit(`reading ${spec.cpu.metric} from ${client.base.href} (${source}): measuring ${opts.durationS} s`);
    await abortableSleep((plannedT1 - nowUnix()) * 1000, opts.signal);
    t1 = Math.min(plannedT1, nowUnix());
    // let the scrape in progress at the window's end land in the server
    if (!opts.signal.aborted) await abortableSleep(1500, opts.signal);
  }
  if (opts.signal.aborted) notes.push("the measurement was interrupted before its window ended: figures cover only the part measured");
  const margin = opts.marginS ?? 120;
  const at = Math.min(nowUnix(), t1 + margin);
  const rangeS = at - (t0 - margin);
  // the source's queries in parallel: the server answers each from its own index
  const [cpu, voluntary, involuntary, rss, procs] = await Promise.all([spec.cpu, spec.voluntary, spec.involuntary, spec.rss, spec.procs].map((m) => raw(client, m, opts.match, rangeS, at)));
  const data: SourceData = { cpu: cpu ?? [], voluntary: voluntary ?? null, involuntary: involuntary ?? null, rss: rss ?? null, procs: procs ?? null };
  if (data.cpu.length === 0) throw new RunError(`no series of ${spec.cpu.metric}${braces(spec.cpu.matchers, opts.match)} between ${new Date(t0 * 1000).toISOString()} and ${new Date(t1 * 1000).toISOString()} at ${client.base.href}`);
  const windowS = t1 - t0;
  const res = medianSpacing(data.cpu) ?? 1;
  const intervalS = chooseIntervalS(windowS, Math.max(1, Math.ceil(res)));
  const conv = convertSeries(data, { spec, by: opts.by, roles: opts.roles, t0, t1, intervalS });
  if (conv.processes.length === 0) throw new RunError(`no process had two samples of ${spec.cpu.metric} around the window at ${client.base.href}: ${conv.notes.join("; ")}`);

  const names = metricNames(opts.metricsMap);
  const appSeries = await serverCounters(client, names, rangeS, at);
  const samples = appSeries.length ? serverSamples(appSeries, t0, t1, notes) : null;
  let server: ServerFigures = emptyServerFigures(null);
  if (samples) {
    server = serverFigures(`${client.base.href} (PromQL)`, samples.start, samples.end, samples.seconds, names);
    for (const l of server.perLoop) l.requestsPerDay = Math.round(l.pollsPerS * 86_400);
  }
  const requests = appSeries.length ? requestsByKey(appSeries, names.polls, conv.by, new Set(conv.processes.map((p) => p.group)), t0, t1) : [];
  const allNotes = [...notes, ...conv.notes, ...client.warnings.map((w) => `Prometheus warned: ${w}`)];
  const prometheus: PrometheusSourceFigures = {
    url: client.base.href,
    source,
    match: opts.match ?? null,
    by: conv.by,
    from: new Date(t0 * 1000).toISOString(),
    to: new Date(t1 * 1000).toISOString(),
    fromUnix: round(t0),
    toUnix: round(t1),
    resolutionS: conv.resolutionS,
    queries: client.costs.length,
    querySeconds: round(client.querySeconds),
    unavailable: spec.unavailable,
    notes: allNotes,
    hosts: conv.hosts,
    fleet: conv.fleet,
    groups: conv.groups,
    requests,
  };
  const status: RunResult["status"] = opts.signal.aborted ? "interrupted" : "ok";
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "idle-cpu-harness", version: toolVersion() },
    status,
    problems: allNotes,
    scenario: {
      name: "attach",
      description: `read from Prometheus at ${client.base.href} (${spec.description}): ${conv.fleet.processes} process group(s) on ${conv.fleet.hosts} host(s); the harness started nothing on them`,
      file: "(none: harness attach --prometheus)",
    },
    params: {},
    command: opts.command,
    startedAt,
    // the machine that ran the harness, not the measured hosts (those are the `instance` labels)
    machine: describeMachine(),
    window: { warmupS: 0, durationS: round(windowS), sampleS: conv.resolutionS ?? 0, measuredS: round(conv.coveredS), intervalS },
    profiled: false,
    processes: conv.processes,
    roles: summariseRoles(conv.processes),
    server,
    prometheus,
  };
  result.verdicts = diagnose(result);
  return { result, exitCode: status === "ok" ? 0 : 1 };
}
