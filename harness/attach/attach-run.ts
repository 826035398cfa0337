/**
 * `harness attach`: measure processes that are already running, over a fixed window, with the same
 * sampler, analysis and report as `harness run`. It reads /proc, the kernel's TCP counters (ss) and
 * syscall counts (perf stat, our own child) and optionally a Prometheus endpoint: it never starts,
 * signals or stops a measured process. A process that exits
 * during the window is marked in the result, and its figures cover the time it was alive.
 */
import type { AttachTarget } from "./targets.js";
import { Sampler } from "../sample/sampler.js";
import { WireSource } from "../sample/wire-source.js";
import { WakeupSource } from "../sample/wakeup-source.js";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { tryScrape, type PromSample } from "../sample/prometheus.js";
import { clockTicksPerSecond } from "../sample/proc.js";
import { chooseIntervalS, processFigures, summariseRoles } from "../analyze/process-figures.js";
import { emptyServerFigures, metricNames, serverFigures, type MetricNames } from "../analyze/server-figures.js";
import { describeMachine } from "../analyze/machine.js";
import { stoppedNotes } from "../analyze/stopped.js";
import { SCHEMA_VERSION, type Role, type RunResult } from "../analyze/result-types.js";
import { scrapeTimes, wallClockOf, WindowDriver } from "../run/window.js";
import { toolVersion } from "../util/version.js";
import { diagnose } from "../diagnose/diagnose.js";
import type { TickView } from "../run/execute-run.js";

export interface AttachOptions {
  targets: AttachTarget[];
  warmupS: number;
  durationS: number;
  sampleS: number;
  metricsUrl?: string;
  metricsMap?: Partial<MetricNames>;
  command: string;
  signal: AbortSignal;
  onTick?: (view: TickView) => void;
  onEvent?: (message: string) => void;
  /** count who wakes whom (bpftrace; default true where the machine allows it); false for `--wakeups off` */
  wakeups?: boolean;
}

export async function attachRun(opts: AttachOptions): Promise<{ result: RunResult; exitCode: number }> {
  const { targets, signal } = opts;
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  const emit = opts.onEvent ?? (() => {});
  const sampler = new Sampler();
  const wire = new WireSource(sampler);
  const wakeups = new WakeupSource(sampler, opts.wakeups !== false);
  for (const t of targets) sampler.add(t.name, t.target);
  const goneAt = new Map<string, number>();
  let metricsStart: PromSample[] | undefined;
  let metricsEnd: PromSample[] | undefined;
  let measuredS = 0;

  const noteGone = (): void => {
    for (const t of targets) {
      const last = sampler.tracks.get(t.name)?.readings.at(-1);
      if (last && !last.snap.alive && !goneAt.has(t.name)) {
        goneAt.set(t.name, nowSeconds());
        const msg = `${t.role} "${t.name}" (pid ${t.target.pid}) exited during the measurement; its figures cover the time it was alive`;
        problems.push(msg);
        emit(msg);
      }
    }
  };
  const live = (): Partial<Record<Role, number>> => {
    const out: Partial<Record<Role, number>> = {};
    for (const t of targets) {
      const cpu = sampler.tracks.get(t.name)?.readings.at(-1)?.intervalCpu;
      if (cpu !== undefined) out[t.role] = (out[t.role] ?? 0) + cpu;
    }
    return out;
  };

  // bpftrace compiles and attaches before the warm-up, so its start-up shifts none of the window's figures
  try {
    if (!signal.aborted) await wakeups.prepare(opts.warmupS + opts.durationS);
  } catch (err) {
    await wakeups.stop();
    throw err;
  }
  const clock = new WindowDriver(sampler, opts, signal);
  const windowStart = clock.windowStart;
  const windowEnd = clock.windowEnd;
  let scrapeStartAt = Number.NaN;
  let scrapeEndAt = Number.NaN;
  try {
    await clock.run({
      onWindowStart: async () => {
        if (opts.metricsUrl) {
          scrapeStartAt = nowSeconds();
          metricsStart = await tryScrape(opts.metricsUrl, problems);
        }
        // after the figures above, so the wire's own time (perf attaching, ss) shifts none of them
        await wire.start(opts.durationS);
        // last: bpftrace's printout can take a while on a loaded machine, and its counts keep their own times
        await wakeups.start();
      },
      onWindowEnd: async () => {
        if (opts.metricsUrl) {
          scrapeEndAt = nowSeconds();
          metricsEnd = await tryScrape(opts.metricsUrl, problems);
        }
        await wire.end();
        await wakeups.end();
      },
      afterReading: (phase) => {
        noteGone();
        opts.onTick?.({ phase, secondsLeft: Math.max(0, windowEnd - nowSeconds()), cpuByRole: live() });
      },
      stopEarly: () => {
        if (goneAt.size < targets.length) return false;
        problems.push("every attached process exited: the measurement ended early");
        return true;
      },
    });
  } finally {
    measuredS = clock.measuredS;
    opts.onTick?.({ phase: "stopping", secondsLeft: 0, cpuByRole: {} });
    await wire.stop();
    await wakeups.stop();
    sampler.close();
  }

  if (signal.aborted) problems.push("the measurement was interrupted before its window ended: figures cover only the part measured");
  const clk = clockTicksPerSecond();
  const intervalS = chooseIntervalS(opts.durationS, opts.sampleS);
  const wakeFigures = wakeups.figures();
  const processes = targets.map((t) => {
    const track = sampler.tracks.get(t.name);
    const gone = goneAt.get(t.name);
    const meta = {
      role: t.role,
      name: t.name,
      group: t.name,
      pid: t.target.pid,
      command: t.command,
      log: "",
      // the exit status of a process we did not start is not ours to know: code and signal stay null
      exit: gone !== undefined ? { code: null, signal: null, atS: Math.round((gone - windowStart) * 10) / 10 } : undefined,
    };
    if (!track) throw new Error(`internal: no track for ${t.name}`);
    const woken = wakeFigures?.get(t.name);
    return { ...processFigures(track, meta, opts.durationS, intervalS, clk, problems), ...wire.figures(t.name), ...(woken ? { wakeups: woken } : {}) };
  });
  problems.push(...sampler.problems());
  problems.push(...stoppedNotes(sampler.tracks, (key) => `${targets.find((t) => t.name === key)?.role ?? "process"} "${key}"`));
  // the server's counters cover the span between its two scrapes, which is what its rates divide by
  const serverS = scrapeEndAt - scrapeStartAt;
  const server =
    opts.metricsUrl && metricsStart && metricsEnd && serverS > 0
      ? serverFigures(opts.metricsUrl, metricsStart, metricsEnd, serverS, metricNames(opts.metricsMap))
      : emptyServerFigures(opts.metricsUrl ?? null);
  const status: RunResult["status"] = signal.aborted ? "interrupted" : "ok";
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "idle-cpu-harness", version: toolVersion() },
    status,
    problems,
    scenario: { name: "attach", description: `attached to running process(es) ${targets.map((t) => `${t.name} (pid ${t.target.pid})`).join(", ")}; the harness did not start them and left them running`, file: "(none: harness attach)" },
    params: {},
    command: opts.command,
    startedAt,
    machine: describeMachine(),
    window: { warmupS: opts.warmupS, durationS: opts.durationS, sampleS: opts.sampleS, measuredS: Math.round(measuredS * 1000) / 1000, intervalS, ...scrapeTimes(scrapeStartAt, scrapeEndAt, windowStart), ...wallClockOf(windowStart) },
    profiled: false,
    processes,
    roles: summariseRoles(processes),
    server,
  };
  // diagnosis: pure rules over the evidence just gathered (harness/diagnose); the exporters render it
  result.verdicts = diagnose(result);
  return { result, exitCode: status === "ok" ? 0 : 1 };
}
