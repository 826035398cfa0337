/**
 * One run: plan → supervisor starts processes → sampler collects readings over warm-up and window →
 * analysis builds the result → exporters write result.json and report.md. Data flows one way.
 */
import { mkdirSync, accessSync, constants } from "node:fs";
import { join, relative } from "node:path";
import { RunError, UsageError } from "../util/errors.js";
import type { Plan, ProcessSpec } from "../scenario/plan.js";
import { Supervisor, sleep, type Started } from "../supervise/supervisor.js";
import { openRunRecord } from "../supervise/run-record.js";
import { markRunInProgress } from "../report/in-progress.js";
import { Sampler } from "../sample/sampler.js";
import { WireSource } from "../sample/wire-source.js";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { scrapeMetrics, tryScrape, type PromSample } from "../sample/prometheus.js";
import { clockTicksPerSecond } from "../sample/proc.js";
import { chooseIntervalS, processFigures, summariseRoles } from "../analyze/process-figures.js";
import { emptyServerFigures, metricNames, serverFigures } from "../analyze/server-figures.js";
import { addSeriesFigures, type TimedScrape } from "../analyze/server-series.js";
import { describeMachine } from "../analyze/machine.js";
import { SCHEMA_VERSION, type RunResult, type Role } from "../analyze/result-types.js";
import { fillPlaceholders } from "../scenario/plan.js";
import { toolVersion } from "../util/version.js";

export type Phase = "starting" | "warmup" | "window" | "stopping";

export interface TickView {
  phase: Phase;
  secondsLeft: number;
  /** live CPU percent by role (sum over processes), from the last sampling interval */
  cpuByRole: Partial<Record<Role, number>>;
}

export interface RunOptions {
  plan: Plan;
  outDir: string;
  scenarioFile: string;
  params: Record<string, string | number | boolean>;
  command: string;
  signal: AbortSignal;
  onTick?: (view: TickView) => void;
  onEvent?: (message: string) => void;
  /** receives a synchronous kill-everything function, for a second Ctrl-C or an exiting harness */
  registerKill?: (kill: () => void) => void;
  /** the profiler the processes run under (harness/profile), recorded as result.profiled */
  profiled?: string | false;
  /** SIGTERM-to-SIGKILL grace when stopping (profilers write their files after SIGTERM) */
  stopGraceMs?: number;
}

export interface RunOutcome {
  result: RunResult;
  exitCode: number;
}

/** Create the output folder and prove it writable before anything starts. */
export function prepareOutDir(outDir: string): void {
  try {
    mkdirSync(join(outDir, "logs"), { recursive: true });
    accessSync(outDir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`output folder ${outDir} cannot be written: ${(err as Error).message}`);
  }
}

export async function executeRun(opts: RunOptions): Promise<RunOutcome> {
  const { plan, outDir, signal } = opts;
  const w = plan.scenario.window;
  const startedAt = new Date().toISOString();
  markRunInProgress(outDir, plan.scenario.name, startedAt);
  const problems: string[] = [];
  const supervisor = new Supervisor(join(outDir, "logs"));
  // A record of every started process group, so the orphans of a SIGKILLed harness can be found and cleaned.
  const runRecord = openRunRecord({ scenario: plan.scenario.name, outDir, command: opts.command }, (m) => (opts.onEvent ?? (() => {}))(m));
  supervisor.onStarted = (p) => runRecord?.add({ name: p.spec.name, role: p.spec.role, pid: p.pid, startTicks: p.target.startTicks });
  opts.registerKill?.(() => supervisor.killAllNow());
  const sampler = new Sampler();
  const wire = new WireSource(sampler);
  const clk = clockTicksPerSecond();
  const emit = opts.onEvent ?? (() => {});
  let windowStart = Number.NaN;
  let metricsStart: PromSample[] | undefined;
  let metricsEnd: PromSample[] | undefined;
  let pidusageAtEnd = new Map<string, number>();
  /** every scrape of the window, for the per-interval series */
  const scrapes: TimedScrape[] = [];
  let metricsUrl: string | null = null;
  let measuredS = 0;
  let failed = false;
  const exitAt = new Map<Started, number>();

  supervisor.onUnexpectedExit = (p) => {
    exitAt.set(p, nowSeconds());
    const how = p.exit?.signal ? `signal ${p.exit.signal}` : `code ${p.exit?.code}`;
    const crash = p.spec.role === "server" || !plan.scenario.expectCrashes;
    if (crash) failed = true;
    const msg = `${p.spec.role} "${p.spec.name}" exited (${how}) during the run${crash ? "" : " (expected by the scenario)"}`;
    problems.push(msg);
    emit(msg);
  };

  try {
    opts.onTick?.({ phase: "starting", secondsLeft: w.warmupS + w.durationS, cpuByRole: {} });
    // A server with a fixed `url` can use {server.url} / {server.port} in its own command and ready.http.
    const givenUrl = plan.server.url && !plan.server.url.includes("{server.") ? fillPlaceholders(plan.server.url, { index: 0, name: plan.server.name }) : undefined;
    const server = await supervisor.startAndWait(plan.server, givenUrl, signal);
    const serverUrl = plan.server.url ? fillPlaceholders(plan.server.url, { index: 0, name: plan.server.name, serverUrl: server.readyCapture }) : server.readyCapture;
    emit(`server "${plan.server.name}" ready${serverUrl ? ` at ${serverUrl}` : ""} (pid ${server.pid})`);
    if (plan.server.metrics) metricsUrl = fillPlaceholders(plan.server.metrics, { index: 0, name: plan.server.name, serverUrl });
    const specs: ProcessSpec[] = [...plan.workers, ...(plan.load ? [plan.load] : [])];
    for (const spec of specs) {
      await supervisor.startAndWait(spec, serverUrl, signal);
      if (signal.aborted) break;
    }
    if (!signal.aborted) emit(`started ${plan.workers.length} worker process(es)${plan.load ? " and the load generator" : ""}`);
    for (const p of supervisor.started) sampler.add(p.spec.name, p.target);

    const t0 = nowSeconds();
    windowStart = t0 + w.warmupS;
    sampler.windowStart = windowStart;
    const windowEnd = windowStart + w.durationS;
    // Warm-up: readings prime the per-sample CPU (a delta needs a previous reading) and feed the live view; none counts.
    for (let k = 0; !signal.aborted; k++) {
      const at = t0 + k * w.sampleS;
      if (at >= windowStart - 1e-3) break;
      await sleep(Math.max(0, (at - nowSeconds()) * 1000), signal);
      await sampler.tick(nowSeconds());
      opts.onTick?.({ phase: "warmup", secondsLeft: windowEnd - nowSeconds(), cpuByRole: liveCpu(sampler, supervisor) });
    }
    // Window: a reading at its start, every sampleS, and at its end; metrics at start and end.
    const steps = Math.round(w.durationS / w.sampleS);
    // series scrapes every scrapeEveryS (default every sample; 0 = start and end only)
    const scrapeStep = w.scrapeEveryS === undefined ? 1 : w.scrapeEveryS === 0 ? Infinity : Math.max(1, Math.round(w.scrapeEveryS / w.sampleS));
    const scrapeDue = (k: number): boolean => k % scrapeStep === 0;
    for (let k = 0; k <= steps && !signal.aborted; k++) {
      const at = k === steps ? windowEnd : windowStart + k * w.sampleS;
      await sleep(Math.max(0, (at - nowSeconds()) * 1000), signal);
      if (signal.aborted) break;
      await sampler.tick(nowSeconds());
      if (k === 0) await sampler.pidusageMark(w.durationS);
      if (k === steps) pidusageAtEnd = await sampler.pidusageMark(w.durationS);
      const scrapeAt = nowSeconds() - windowStart;
      if (k === 0 && metricsUrl) metricsStart = await tryScrape(metricsUrl, problems);
      if (k === steps && metricsUrl) metricsEnd = await tryScrape(metricsUrl, problems);
      // every sample in between too, for the series (a failed one is only a gap in it)
      const scraped = k === 0 ? metricsStart : k === steps ? metricsEnd : metricsUrl && scrapeDue(k) ? await scrapeMetrics(metricsUrl).catch(() => undefined) : undefined;
      if (scraped) scrapes.push({ t: scrapeAt, samples: scraped });
      measuredS = nowSeconds() - windowStart;
      // after the figures above, so the wire's own time (perf attaching, ss) shifts none of them
      if (k === 0) await wire.start(w.durationS);
      if (k === steps) await wire.end();
      opts.onTick?.({ phase: "window", secondsLeft: Math.max(0, windowEnd - nowSeconds()), cpuByRole: liveCpu(sampler, supervisor) });
    }
  } catch (err) {
    if (err instanceof RunError && !signal.aborted) {
      failed = true;
      problems.push(err.message);
      emit(err.message);
    } else if (!signal.aborted) {
      throw err;
    }
  } finally {
    opts.onTick?.({ phase: "stopping", secondsLeft: 0, cpuByRole: {} });
    await wire.stop();
    await supervisor.stopAll(opts.stopGraceMs);
    runRecord?.remove();
    sampler.close();
  }

  const status: RunResult["status"] = signal.aborted ? "interrupted" : failed ? "failed" : "ok";
  if (signal.aborted) problems.push("the run was interrupted before its window ended: figures cover only the part measured");
  const intervalS = chooseIntervalS(w.durationS, w.sampleS);
  const processes = supervisor.started.map((p) => {
    const track = sampler.tracks.get(p.spec.name);
    const exitedAt = exitAt.get(p);
    const meta = {
      role: p.spec.role,
      name: p.spec.name,
      group: p.spec.group,
      pid: p.pid,
      command: p.spec.shell ? ["/bin/sh", "-c", p.argv.join(" ")] : p.argv,
      log: relative(outDir, p.logFile),
      exit: exitedAt !== undefined && p.exit ? { code: p.exit.code, signal: p.exit.signal, atS: Math.round((exitedAt - windowStart) * 10) / 10 } : undefined,
    };
    if (!track) return { ...meta, members: [], cpuPercent: 0, cpuSeconds: 0, wakeupsPerS: 0, syscallsPerS: 0, readBytesPerS: 0, writeBytesPerS: 0, rssMB: 0, samples: [], intervals: [] };
    const figures = processFigures(track, meta, w.durationS, intervalS, clk);
    const check = pidusageAtEnd.get(p.spec.name);
    return { ...(check === undefined ? figures : { ...figures, pidusageCpuPercent: Math.round(check * 100) / 100 }), ...wire.figures(p.spec.name) };
  });
  const server = metricsUrl && metricsStart && metricsEnd && measuredS > 0 ? serverFigures(metricsUrl, metricsStart, metricsEnd, measuredS, metricNames(plan.server.metricsMap)) : emptyServerFigures(metricsUrl);
  const serverWithSeries = metricsStart && metricsEnd ? addSeriesFigures(server, metricsStart, metricsEnd, scrapes, measuredS, metricNames(plan.server.metricsMap)) : server;
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "idle-cpu-harness", version: toolVersion() },
    status,
    problems,
    scenario: { name: plan.scenario.name, description: plan.scenario.description, file: opts.scenarioFile, timeScale: plan.scenario.timeScale },
    params: opts.params,
    command: opts.command,
    startedAt,
    machine: describeMachine(),
    window: { warmupS: w.warmupS, durationS: w.durationS, sampleS: w.sampleS, measuredS: Math.round(measuredS * 1000) / 1000, intervalS },
    profiled: opts.profiled ?? false,
    processes,
    roles: summariseRoles(processes),
    server: serverWithSeries,
  };
  return { result, exitCode: status === "ok" ? 0 : 1 };
}

function liveCpu(sampler: Sampler, supervisor: Supervisor): Partial<Record<Role, number>> {
  const out: Partial<Record<Role, number>> = {};
  for (const p of supervisor.started) {
    const last = sampler.tracks.get(p.spec.name)?.readings.at(-1);
    if (last?.intervalCpu === undefined) continue;
    out[p.spec.role] = (out[p.spec.role] ?? 0) + last.intervalCpu;
  }
  return out;
}
