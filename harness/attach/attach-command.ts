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

export interface AttachCommandOptions {
  pid: string[];
  name: string[];
  role: string[];
  duration: number;
  warmup?: number;
  sample?: number;
  out?: string;
  metrics?: string;
  metricsMap: string[];
  quiet?: boolean;
  /** `--wakeups off`: do not count who wakes whom */
  wakeups?: "on" | "off";
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
    progress.event(`attached to ${targets.map((t) => `${t.name} (pid ${t.target.pid}, ${t.role})`).join(", ")}: measuring ${opts.duration} s; output in ${outDir}`);
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
    writeRunOutputs(outDir, result);
    const verdicts = verdictLines(verdictsOf(result)).map((v) => (v.startsWith("  ") ? v : `verdict: ${v}`));
    process.stdout.write(`${terminalSummary(result)}\n${verdicts.join("\n")}\n\nreport: ${join(outDir, "report.md")}\nresult: ${join(outDir, "result.json")}\n`);
    return signals.signal.aborted ? signals.exitCode() : exitCode;
  } finally {
    signals.dispose();
  }
}
