/**
 * One run: plan → supervisor starts processes → sampler collects readings over warm-up and window →
 * analysis builds the result → exporters write result.json and report.md. Data flows one way.
 */
import { accessSync, constants } from "node:fs";
import { join, relative } from "node:path";
import { RunError, UsageError } from "../util/errors.js";
import type { Plan, ProcessSpec } from "../scenario/plan.js";
import { Supervisor, type Started } from "../supervise/supervisor.js";
import { liveRunUsing, openRunRecord } from "../supervise/run-record.js";
import { markRunInProgress } from "../report/in-progress.js";
import { Sampler } from "../sample/sampler.js";
import { detectCgroups, RunCgroups, type ProcessCgroup } from "../sample/cgroup.js";
import { scrapeTimes, wallClockOf, WindowDriver } from "./window.js";
import { makeDirs } from "../util/make-dirs.js";
import { WireSource } from "../sample/wire-source.js";
import { WakeupSource } from "../sample/wakeup-source.js";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { scrapeAll, tryScrapeAll, type PromSample } from "../sample/prometheus.js";
import { prepareCluster, type Cluster } from "../supervise/postgres-cluster.js";
import { clockTicksPerSecond } from "../sample/proc.js";
import { chooseIntervalS, processFigures, summariseRoles } from "../analyze/process-figures.js";
import { emptyServerFigures, metricNames, serverFigures } from "../analyze/server-figures.js";
import { addSeriesFigures, type TimedScrape } from "../analyze/server-series.js";
import { describeMachine } from "../analyze/machine.js";
import { stoppedNotes } from "../analyze/stopped.js";
import { SCHEMA_VERSION, type RunResult, type Role } from "../analyze/result-types.js";
import { fillPlaceholders } from "../scenario/plan.js";
import { toolVersion } from "../util/version.js";
import { diagnose } from "../diagnose/diagnose.js";

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
  /** a profiler's work at the window's edges (--profile cpu: the scheduler's off-CPU times) */
  profileWindow?: {
    prepare(started: { name: string; pid: number }[], windowStartS: number, windowS: number): void;
    start(): Promise<void>;
    end(): void;
    stop(): Promise<void>;
  };
  /** count who wakes whom (bpftrace; default true where the machine allows it); false for `--wakeups off` */
  wakeups?: boolean;
}

export interface RunOutcome {
  result: RunResult;
  exitCode: number;
}

/** Create the output folder and prove it writable before anything starts. */
export function prepareOutDir(outDir: string): void {
  try {
    // one level at a time: Node's recursive mkdir spins forever on some paths under /proc
    makeDirs(join(outDir, "logs"));
    accessSync(outDir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`output folder ${outDir} cannot be written: ${(err as Error).message}`);
  }
  // two runs in one folder would delete each other's result.json and interleave their logs
  const other = liveRunUsing(outDir);
  if (other) throw new UsageError(`output folder ${outDir} is in use by another harness run (pid ${other.harness.pid}, scenario ${other.scenario}, started ${other.startedAt}): wait for it to end or pass another --out`);
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
  // Each started tree gets its own cgroup where the harness can make one: its CPU is then the kernel's own accounting.
  const support = detectCgroups();
  const cgroups = support.kind ? new RunCgroups(support, (dir) => runRecord?.addCgroup(dir)) : undefined;
  if (!support.kind) problems.push(`no cgroup for the started processes (${support.reason}): CPU comes from their /proc process trees`);
  const treeCgroups = new Map<Started, ProcessCgroup>();
  supervisor.onStarted = (p) => {
    runRecord?.add({ name: p.spec.name, role: p.spec.role, pid: p.pid, startTicks: p.target.startTicks, stopSignal: p.spec.stopSignal });
    // right after spawn, before the process is likely to fork: its children are then born inside
    const cg = cgroups?.create(p.spec.name);
    if (cg?.move(p.pid)) treeCgroups.set(p, cg);
    else if (cgroups) problems.push(`${p.spec.role} "${p.spec.name}": could not be moved into a cgroup; its CPU comes from its /proc process tree`);
  };
  let cluster: Cluster | undefined;
  opts.registerKill?.(() => {
    supervisor.killAllNow();
    cluster?.remove();
  });
  const sampler = new Sampler();
  const wire = new WireSource(sampler);
  const wakeups = new WakeupSource(sampler, opts.wakeups !== false);
  const clk = clockTicksPerSecond();
  const emit = opts.onEvent ?? (() => {});
  let windowStart = Number.NaN;
  let metricsStart: PromSample[] | undefined;
  let metricsEnd: PromSample[] | undefined;
  let pidusageAtEnd = new Map<string, number>();
  /** every scrape of the window, for the per-interval series */
  const scrapes: TimedScrape[] = [];
  /** the server's /metrics, or with replicas every replica's (scraped together and summed) */
  const metricsUrls: string[] = [];
  let metricsUrl: string | null = null;
  /** a scrape timed out: no more per-interval scrapes this window (each would delay the readings) */
  let seriesHung = false;
  let measuredS = 0;
  let clock: WindowDriver | undefined;
  let scrapeStartAt = Number.NaN;
  let scrapeEndAt = Number.NaN;
  let failed = false;
  const exitAt = new Map<Started, number>();

  supervisor.onUnexpectedExit = (p) => {
    exitAt.set(p, nowSeconds());
    const how = p.exit?.signal ? `signal ${p.exit.signal}` : `code ${p.exit?.code}`;
    const crash = p.spec.role === "server" || p.spec.role === "database" || !plan.scenario.expectCrashes;
    if (crash) failed = true;
    // 126/127: the status exec gives when the program cannot be run (not a program, no interpreter)
    const hint = p.exit?.code === 126 || p.exit?.code === 127 ? `: ${p.exit.code} means its program could not be executed; check its command (${p.argv[0] ?? ""})` : "";
    const msg = `${p.spec.role} "${p.spec.name}" exited (${how}) during the run${hint}${crash ? "" : " (expected by the scenario)"}`;
    problems.push(msg);
    emit(msg);
  };

  try {
    opts.onTick?.({ phase: "starting", secondsLeft: w.warmupS + w.durationS, cpuByRole: {} });
    // server.reference.store: postgres: the database first (a throw-away cluster, or an existing one by URL)
    let databaseUrl: string | undefined;
    if (plan.database?.kind === "cluster") {
      emit("making a throw-away PostgreSQL cluster (initdb)");
      cluster = await prepareCluster((dir) => runRecord?.addDir(dir), signal);
      const db = await supervisor.startAndWait(cluster.spec, undefined, signal);
      databaseUrl = cluster.url;
      emit(`database ready at 127.0.0.1:${cluster.port} (pid ${db.pid}, cluster in ${cluster.dir})`);
    } else if (plan.database?.kind === "url") {
      databaseUrl = plan.database.url;
    }
    const withDatabase = (spec: ProcessSpec): ProcessSpec => (databaseUrl ? { ...spec, env: { ...spec.env, JOBS_DATABASE_URL: databaseUrl } } : spec);
    // the server, then its replicas (each announces its own URL)
    const serverUrls: string[] = [];
    for (const spec of [plan.server, ...(plan.replicas ?? [])]) {
      // A server with a fixed `url` can use {server.url} / {server.port} in its own command and ready.http.
      const givenUrl = spec.url && !spec.url.includes("{server.") ? fillPlaceholders(spec.url, { index: spec.index, name: spec.name }) : undefined;
      const server = await supervisor.startAndWait(withDatabase(spec), givenUrl, signal);
      const url = spec.url ? fillPlaceholders(spec.url, { index: spec.index, name: spec.name, serverUrl: server.readyCapture }) : server.readyCapture;
      emit(`${spec.role} "${spec.name}" ${spec.role === "server" ? "ready" : "started"}${url ? ` at ${url}` : ""} (pid ${server.pid})`);
      if (spec.metrics && url) metricsUrls.push(fillPlaceholders(spec.metrics, { index: spec.index, name: spec.name, serverUrl: url }));
      else if (spec.metrics && !url && spec === plan.server) metricsUrls.push(fillPlaceholders(spec.metrics, { index: 0, name: spec.name, serverUrl: url }));
      if (url) serverUrls.push(url);
      if (signal.aborted) break;
    }
    if (metricsUrls.length) metricsUrl = metricsUrls.join(" + ");
    const serverUrl = serverUrls[0];
    // workers spread over the replicas in turn; the load generator enqueues on the first
    for (const [k, spec] of plan.workers.entries()) {
      await supervisor.startAndWait(spec, serverUrls.length ? serverUrls[k % serverUrls.length] : undefined, signal);
      if (signal.aborted) break;
    }
    if (plan.load && !signal.aborted) await supervisor.startAndWait(plan.load, serverUrl, signal);
    if (!signal.aborted && (plan.workers.length || plan.load)) emit(`started ${plan.workers.length} worker process(es)${plan.load ? " and the load generator" : ""}`);
    for (const p of supervisor.started) sampler.add(p.spec.name, p.target, treeCgroups.get(p));

    // bpftrace compiles and attaches before the warm-up, so its start-up shifts none of the window's figures
    if (!signal.aborted) await wakeups.prepare(w.warmupS + w.durationS);
    clock = new WindowDriver(sampler, w, signal);
    windowStart = clock.windowStart;
    if (!signal.aborted) opts.profileWindow?.prepare(supervisor.started.map((p) => ({ name: p.spec.name, pid: p.pid })), windowStart, w.durationS);
    const windowEnd = clock.windowEnd;
    // series scrapes every scrapeEveryS (default every sample; 0 = start and end only)
    const scrapeStep = w.scrapeEveryS === undefined ? 1 : w.scrapeEveryS === 0 ? Infinity : Math.max(1, Math.round(w.scrapeEveryS / w.sampleS));
    const live = (phase: "warmup" | "window"): void =>
      opts.onTick?.({ phase, secondsLeft: Math.max(0, windowEnd - nowSeconds()), cpuByRole: liveCpu(sampler, supervisor) });
    await clock.run({
      onWindowStart: async () => {
        if (metricsUrl) {
          scrapeStartAt = nowSeconds();
          metricsStart = await tryScrapeAll(metricsUrls, problems);
          if (metricsStart) scrapes.push({ t: scrapeStartAt - windowStart, samples: metricsStart });
          else if (/timed out/.test(problems.at(-1) ?? "")) seriesHung = true;
        }
        await sampler.pidusageMark(w.durationS);
        // after the figures above, so the wire's own time (perf attaching, ss) shifts none of them
        await wire.start(w.durationS);
        // last: bpftrace's printout can take a while on a loaded machine, and its counts keep their own times
        await wakeups.start();
        await opts.profileWindow?.start();
      },
      onSample: async (p) => {
        // every sample in between too, for the series (a failed one is only a gap in it)
        if (!metricsUrl || seriesHung || p.k % scrapeStep !== 0) return;
        const at = nowSeconds();
        const scraped = await scrapeAll(metricsUrls).catch((err: Error) => {
          // an endpoint that hangs would make every reading of the window wait for it: stop asking
          if (/timed out/.test(err.message)) seriesHung = true;
          return undefined;
        });
        if (scraped) scrapes.push({ t: at - windowStart, samples: scraped });
      },
      onWindowEnd: async () => {
        if (metricsUrl) {
          scrapeEndAt = nowSeconds();
          metricsEnd = await tryScrapeAll(metricsUrls, problems);
          if (metricsEnd) scrapes.push({ t: scrapeEndAt - windowStart, samples: metricsEnd });
        }
        opts.profileWindow?.end();
        pidusageAtEnd = await sampler.pidusageMark(w.durationS);
        await wire.end();
        await wakeups.end();
      },
      afterReading: live,
    });
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
    await opts.profileWindow?.stop();
    await wakeups.stop();
    measuredS = clock?.measuredS ?? 0;
    await supervisor.stopAll(opts.stopGraceMs);
    problems.push(...supervisor.logNotes());
    sampler.close();
    const busy = (await cgroups?.remove()) ?? [];
    let clusterLeft = false;
    try {
      cluster?.remove();
    } catch (err) {
      clusterLeft = true;
      problems.push(`the database cluster folder ${cluster?.dir} could not be removed (${(err as Error).message}), left for \`harness clean\``);
    }
    if (busy.length) {
      // processes that left the process groups are still in them: keep the record for `harness clean`
      problems.push(`cgroup(s) still holding processes after the run, left for \`harness clean\`: ${busy.join(", ")}`);
    } else if (!clusterLeft) {
      runRecord?.remove();
    }
  }

  const status: RunResult["status"] = signal.aborted ? "interrupted" : failed ? "failed" : "ok";
  if (signal.aborted) {
    problems.push(
      clock?.reachedEnd
        ? "the run was interrupted after its window ended, while stopping its processes: the figures cover the whole window"
        : "the run was interrupted before its window ended: figures cover only the part measured",
    );
  }
  const intervalS = chooseIntervalS(w.durationS, w.sampleS);
  const wakeFigures = wakeups.figures();
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
    const figures = processFigures(track, meta, w.durationS, intervalS, clk, problems);
    const check = pidusageAtEnd.get(p.spec.name);
    const woken = wakeFigures?.get(p.spec.name);
    return { ...(check === undefined ? figures : { ...figures, pidusageCpuPercent: Math.round(check * 100) / 100 }), ...wire.figures(p.spec.name), ...(woken ? { wakeups: woken } : {}) };
  });
  problems.push(...sampler.problems());
  problems.push(...stoppedNotes(sampler.tracks, (key) => `${supervisor.started.find((p) => p.spec.name === key)?.spec.role ?? "process"} "${key}"`));
  if (seriesHung) problems.push(`a scrape of ${metricsUrl} timed out: the per-interval scrapes stopped there, so the server's series has a gap to the window's end`);
  const unmeasured = processes.filter((p) => p.samples.length === 0);
  if (unmeasured.length) {
    const aliveAtStart = (name: string): boolean => sampler.tracks.get(name)?.readings.some((r) => r.mark === "start" && r.snap.alive) ?? false;
    const why = (p: (typeof processes)[number]): string =>
      !p.exit ? "the run ended before the window's first reading" : aliveAtStart(p.name) ? "it exited after the window's start reading, before a second one could bound its CPU" : "it exited before the window's first reading";
    problems.push(`not measured (no two readings in the window): ${unmeasured.map((p) => `${p.role} "${p.name}" (${why(p)})`).join(", ")}; their CPU, wake-up, syscall and memory figures are unknown, shown as "–", not 0`);
  }
  // the server's counters cover the span between its two scrapes, which is what its rates divide by
  const serverS = scrapeEndAt - scrapeStartAt;
  const scraped = metricsUrl && metricsStart && metricsEnd && serverS > 0;
  const server = scraped ? serverFigures(metricsUrl as string, metricsStart as PromSample[], metricsEnd as PromSample[], serverS, metricNames(plan.server.metricsMap)) : emptyServerFigures(metricsUrl);
  const serverWithSeries = scraped ? addSeriesFigures(server, metricsStart as PromSample[], metricsEnd as PromSample[], scrapes, serverS, metricNames(plan.server.metricsMap)) : server;
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
    window: { warmupS: w.warmupS, durationS: w.durationS, sampleS: w.sampleS, measuredS: Math.round(measuredS * 1000) / 1000, intervalS, ...scrapeTimes(scrapeStartAt, scrapeEndAt, windowStart), ...wallClockOf(windowStart) },
    profiled: opts.profiled ?? false,
    processes,
    roles: summariseRoles(processes),
    server: serverWithSeries,
  };
  // diagnosis: pure rules over the evidence just gathered (harness/diagnose); the exporters render it
  result.verdicts = diagnose(result);
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

