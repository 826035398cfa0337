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
import { nowSeconds } from "../sample/tree-snapshot.js";
import { tryScrape, type PromSample } from "../sample/prometheus.js";
import { clockTicksPerSecond } from "../sample/proc.js";
import { chooseIntervalS, processFigures, summariseRoles } from "../analyze/process-figures.js";
import { emptyServerFigures, metricNames, serverFigures, type MetricNames } from "../analyze/server-figures.js";
import { describeMachine } from "../analyze/machine.js";
import { SCHEMA_VERSION, type Role, type RunResult } from "../analyze/result-types.js";
import { sleep } from "../supervise/supervisor.js";
import { toolVersion } from "../util/version.js";
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
}

export async function attachRun(opts: AttachOptions): Promise<{ result: RunResult; exitCode: number }> {
  const { targets, signal } = opts;
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  const emit = opts.onEvent ?? (() => {});
  const sampler = new Sampler();
  const wire = new WireSource(sampler);
  for (const t of targets) sampler.add(t.name, t.target);
  const goneAt = new Map<string, number>();
  let metricsStart: PromSample[] | undefined;
  let metricsEnd: PromSample[] | undefined;
  let measuredS = 0;

  const tick = async (): Promise<void> => {
    await sampler.tick(nowSeconds());
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

  const t0 = nowSeconds();
  const windowStart = t0 + opts.warmupS;
  const windowEnd = windowStart + opts.durationS;
  sampler.windowStart = windowStart;
  try {
    // A first reading before the window primes pidusage (its first reading per pid is no sample).
    for (let k = 0; !signal.aborted; k++) {
      const at = t0 + k * opts.sampleS;
      if (at >= windowStart - 1e-3) break;
      await sleep(Math.max(0, (at - nowSeconds()) * 1000), signal);
      await tick();
      opts.onTick?.({ phase: "warmup", secondsLeft: windowEnd - nowSeconds(), cpuByRole: live() });
    }
    const steps = Math.max(1, Math.round(opts.durationS / opts.sampleS));
    for (let k = 0; k <= steps && !signal.aborted; k++) {
      const at = k === steps ? windowEnd : windowStart + k * opts.sampleS;
      await sleep(Math.max(0, (at - nowSeconds()) * 1000), signal);
      if (signal.aborted) break;
      await tick();
      if (k === 0 && opts.metricsUrl) metricsStart = await tryScrape(opts.metricsUrl, problems);
      if (k === steps && opts.metricsUrl) metricsEnd = await tryScrape(opts.metricsUrl, problems);
      measuredS = nowSeconds() - windowStart;
      // after the figures above, so the wire's own time (perf attaching, ss) shifts none of them
      if (k === 0) await wire.start(opts.durationS);
      if (k === steps) await wire.end();
      opts.onTick?.({ phase: "window", secondsLeft: Math.max(0, windowEnd - nowSeconds()), cpuByRole: live() });
      if (goneAt.size === targets.length) {
        problems.push("every attached process exited: the measurement ended early");
        break;
      }
    }
  } finally {
    opts.onTick?.({ phase: "stopping", secondsLeft: 0, cpuByRole: {} });
    await wire.stop();
    sampler.close();
  }

  if (signal.aborted) problems.push("the measurement was interrupted before its window ended: figures cover only the part measured");
  const clk = clockTicksPerSecond();
  const intervalS = chooseIntervalS(opts.durationS, opts.sampleS);
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
    return { ...processFigures(track, meta, opts.durationS, intervalS, clk), ...wire.figures(t.name) };
  });
  const server =
    opts.metricsUrl && metricsStart && metricsEnd && measuredS > 0
      ? serverFigures(opts.metricsUrl, metricsStart, metricsEnd, measuredS, metricNames(opts.metricsMap))
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
    window: { warmupS: opts.warmupS, durationS: opts.durationS, sampleS: opts.sampleS, measuredS: Math.round(measuredS * 1000) / 1000, intervalS },
    profiled: false,
    processes,
    roles: summariseRoles(processes),
    server,
  };
  return { result, exitCode: status === "ok" ? 0 : 1 };
}
