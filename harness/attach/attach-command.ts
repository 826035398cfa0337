/** `harness attach --pid <pid>... --duration <s>`: measure running processes, write result.json + report.md. */
import { join, resolve } from "node:path";
import { UsageError } from "../util/errors.js";
import { prepareOutDir } from "../run/execute-run.js";
import { Progress } from "../run/progress.js";
import { writeRunOutputs } from "../report/write-run.js";
import { verdictLines, verdictsOf } from "../diagnose/diagnose.js";
import { terminalSummary } from "../report/terminal-summary.js";
import { harnessCommandLine, timestamp } from "../cli/command-line.js";
import { installSignalHandlers } from "../cli/signals.js";
import { resolveTargets } from "./targets.js";
import { attachRun } from "./attach-run.js";
import type { Role } from "../analyze/result-types.js";
import { displayPath } from "../report/portable-paths.js";
import { printResult } from "../cli/result-output.js";

export interface AttachCommandOptions {
  pid: string[];
  name: string[];
  role: string[];
  /** required for a local attach; with --prometheus, or --from/--to */
  duration?: number;
  warmup?: number;
  sample?: number;
  out?: string;
  metrics?: string;
  metricsMap: string[];
  quiet?: boolean;
  prometheus?: string;
  match?: string;
  by?: string;
  source?: string;
  from?: string;
  to?: string;
  /** the result on stdout as one JSON document; the summary on stderr */
  json?: boolean;
  /** `--wakeups off`: do not count who wakes whom */
  wakeups?: "on" | "off";
}

/** A time for --from/--to: ISO 8601, unix seconds, `now`, or `now-<n>s|m|h` (also `-<n>s|m|h`). */
export function parseTime(text: string, option: string, now = Date.now() / 1000): number {
  const t = text.trim();
  if (t === "now") return now;
  const rel = /^(?:now)?-(\d+(?:\.\d+)?)(s|m|h)$/.exec(t);
  if (rel) return now - Number(rel[1]) * { s: 1, m: 60, h: 3600 }[rel[2] as "s" | "m" | "h"];
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new UsageError(`${option}: expected an ISO time (2026-12-01T17:00:00Z), unix seconds, now or now-10m, got "${text}"`);
  return ms / 1000;
}

/**
 * `--metrics-map` values, checked against the scenario schema's map. The schema (zod) is loaded only
 * when the option is given: it costs about 60 ms of CPU to load, a lot for a short attach.
 */
async function parseMetricsMap(values: string[]): Promise<Record<string, string>> {
  if (values.length === 0) return {};
  const { metricsMapSchema } = await import("../scenario/schema.js");
  const raw: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`--metrics-map expects <key>=<metric>, e.g. polls=myapp_requests_total, got "${v}"`);
    raw[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const parsed = metricsMapSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const key = i?.code === "unrecognized_keys" ? i.keys.join(", ") : String(i?.path[0] ?? "");
    throw new UsageError(`--metrics-map ${key}: ${i?.code === "unrecognized_keys" ? `unknown key (expected one of ${Object.keys(metricsMapSchema.shape).join(", ")})` : i?.message}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.data)) if (v !== undefined) out[k] = v;
  return out;
}

export async function attachCommand(opts: AttachCommandOptions): Promise<number> {
  if (opts.prometheus !== undefined) return prometheusAttachCommand(opts);
  for (const o of ["match", "by", "source", "from", "to"] as const) if (opts[o] !== undefined) throw new UsageError(`--${o} needs --prometheus <url>`);
  if (opts.duration === undefined) throw new UsageError("attach needs --duration <s>");
  const targets = resolveTargets(opts.pid, opts.name, opts.role);
  const metricsMap = await parseMetricsMap(opts.metricsMap);
  if (Object.keys(metricsMap).length && !opts.metrics) throw new UsageError("--metrics-map needs --metrics <url>, the Prometheus endpoint to scrape");
  if (opts.metrics) {
    try {
      new URL(opts.metrics);
    } catch {
      throw new UsageError(`--metrics: expected a URL such as http://127.0.0.1:8080/metrics, got "${opts.metrics}"`);
    }
  }
  const outDir = resolve(opts.out ?? join("runs", `attach-${timestamp()}`));
  prepareOutDir(outDir);
  const warmupS = opts.warmup ?? 0;
  const sampleS = opts.sample ?? 1;
  const progress = new Progress(process.stderr, opts.quiet);
  const signals = installSignalHandlers();
  try {
    progress.event(`attached to ${targets.map((t) => `${t.name} (pid ${t.target.pid}, ${t.role})`).join(", ")}: measuring ${opts.duration} s; output in ${displayPath(outDir)}`);
    const { result, exitCode } = await attachRun({
      targets,
      warmupS,
      durationS: opts.duration,
      sampleS,
      metricsUrl: opts.metrics,
      metricsMap,
      command: harnessCommandLine(),
      signal: signals.signal,
      onTick: (v) => progress.tick(v),
      onEvent: (m) => progress.event(m),
      wakeups: opts.wakeups !== "off",
    });
    const written = writeRunOutputs(outDir, result);
    const verdicts = verdictLines(verdictsOf(result)).map((v) => (v.startsWith("  ") ? v : `verdict: ${v}`));
    printResult(opts, written, () => `${terminalSummary(result)}\n${verdicts.join("\n")}\n\nreport: ${displayPath(join(outDir, "report.md"))}\nresult: ${displayPath(join(outDir, "result.json"))}\n`);
    return signals.signal.aborted ? signals.exitCode() : exitCode;
  } finally {
    signals.dispose();
  }
}

/** `harness attach --prometheus <url>`: the same outputs, from a Prometheus server's series. */
async function prometheusAttachCommand(opts: AttachCommandOptions): Promise<number> {
  const url = opts.prometheus as string;
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new UsageError(`--prometheus: expected the server's URL such as http://127.0.0.1:9090, got "${url}"`);
  }
  if (opts.pid.length) throw new UsageError("--pid and --prometheus do not mix: --prometheus reads process groups from the server (narrow them with --match)");
  if (opts.metrics) throw new UsageError("--metrics and --prometheus do not mix: with --prometheus the application's counters are read from the same server (map them with --metrics-map)");
  if (opts.name.length) throw new UsageError("--name does not apply with --prometheus: processes are named <group>@<instance> (choose the labels with --by)");
  const { SOURCE_NAMES } = await import("./prometheus-queries.js");
  const source = opts.source ?? "auto";
  if (source !== "auto" && !(SOURCE_NAMES as readonly string[]).includes(source)) throw new UsageError(`--source: expected ${SOURCE_NAMES.join(", ")} or auto, got "${source}"`);
  const live = opts.duration !== undefined;
  if (live && (opts.from !== undefined || opts.to !== undefined)) throw new UsageError("give either --duration (a live window) or --from and --to (a past one), not both");
  if (!live && (opts.from === undefined || opts.to === undefined)) throw new UsageError("attach --prometheus needs --duration <s>, or --from <time> and --to <time>");
  const now = Date.now() / 1000;
  const from = opts.from !== undefined ? parseTime(opts.from, "--from", now) : undefined;
  const to = opts.to !== undefined ? parseTime(opts.to, "--to", now) : undefined;
  if (from !== undefined && to !== undefined) {
    if (to <= from) throw new UsageError(`--to must be after --from (got ${new Date(from * 1000).toISOString()} to ${new Date(to * 1000).toISOString()})`);
    if (to > now + 1) throw new UsageError("--to is in the future: for a window that has not happened yet, use --duration");
  }
  if (opts.match !== undefined && !/^\{?\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"/.test(opts.match)) throw new UsageError(`--match: expected PromQL label matchers such as groupname=~"worker.*", got "${opts.match}"`);
  const by = opts.by !== undefined ? opts.by.split(",").map((l) => l.trim()).filter((l) => l !== "") : undefined;
  for (const l of by ?? []) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l)) throw new UsageError(`--by: "${l}" is not a label name`);
  const roles = new Map<string, Role>();
  for (const v of opts.role) {
    const eq = v.lastIndexOf("=");
    const role = v.slice(eq + 1);
    if (eq <= 0 || (role !== "server" && role !== "worker")) throw new UsageError(`--role with --prometheus expects <group>=server|worker, got "${v}"`);
    roles.set(v.slice(0, eq), role);
  }
  const metricsMap = await parseMetricsMap(opts.metricsMap);
  const outDir = resolve(opts.out ?? join("runs", `attach-${timestamp()}`));
  prepareOutDir(outDir);
  const progress = new Progress(process.stderr, opts.quiet);
  const signals = installSignalHandlers();
  try {
    const { prometheusAttach } = await import("./prometheus-attach.js");
    const t = Date.now();
    const { result, exitCode } = await prometheusAttach({
      url,
      match: opts.match?.trim().replace(/^\{|\}$/g, ""),
      by,
      source: source as "auto",
      durationS: opts.duration,
      from,
      to,
      roles,
      metricsMap,
      command: harnessCommandLine(),
      signal: signals.signal,
      onEvent: (m) => progress.event(m),
    });
    const written = writeRunOutputs(outDir, result);
    // a result set of this one reading (run-level figures); `harness check --current <out> --baseline <earlier out>` judges the result.json beside it per process
    const [{ buildResultSet }, { writeFileAtomic }] = await Promise.all([import("../gate/result-set.js"), import("../util/atomic-write.js")]);
    writeFileAtomic(join(outDir, "current-set.json"), JSON.stringify(buildResultSet([{ result, outDir }], { command: result.command }), null, 2) + "\n");
    const p = result.prometheus;
    const verdicts = verdictLines(verdictsOf(result)).map((v) => (v.startsWith("  ") ? v : `verdict: ${v}`));
    const cost = p ? `\nprometheus: ${p.queries} queries, ${p.querySeconds} s of queries (${((Date.now() - t) / 1000).toFixed(1)} s in all); resolution ${p.resolutionS ?? "unknown"} s` : "";
    // with --json the result owns stdout (as a local attach's): the summary and the query cost go to stderr
    printResult(opts, written, () => `${terminalSummary(result)}\n${verdicts.join("\n")}${cost}\n\nreport: ${displayPath(join(outDir, "report.md"))}\nresult: ${displayPath(join(outDir, "result.json"))}\n`);
    return signals.signal.aborted ? signals.exitCode() : exitCode;
  } finally {
    signals.dispose();
  }
}
