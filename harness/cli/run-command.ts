/** `harness run <scenario>`: validate, start, measure, write result.json and report.md. */
import { verdictLines, verdictsOf } from "../diagnose/diagnose.js";
import { join, resolve } from "node:path";
import { loadScenario } from "../scenario/load.js";
import { buildPlan } from "../scenario/plan.js";
import { executeRun, prepareOutDir } from "../run/execute-run.js";
import { Progress } from "../run/progress.js";
import { writeRunOutputs } from "../report/write-run.js";
import { terminalSummary } from "../report/terminal-summary.js";
import { asciiCpuChart } from "../report/ascii-chart.js";
import type { RunResult } from "../analyze/result-types.js";
import { installSignalHandlers } from "./signals.js";
import { describeDeadRuns, findDeadRuns } from "../supervise/run-record.js";
import { parseSweep, planRuns, safeName } from "../compare/run-plan.js";
import { buildComparison, type SavedRun } from "../compare/build-comparison.js";
import type { Comparison } from "../compare/comparison-types.js";
import { relativeTo } from "../compare/compare-command.js";
import { writeComparisonOutputs } from "../report/comparison-files.js";
import { renderComparisonTables } from "../report/comparison-markdown.js";
import { startProfiling } from "../profile/choose.js";
import type { ProfilerName } from "../profile/types.js";
import { harnessCommandLine, timestamp } from "./command-line.js";

export { harnessCommandLine, timestamp };

export interface RunCommandOptions {
  duration?: number;
  warmup?: number;
  sample?: number;
  out?: string;
  set: string[];
  quiet?: boolean;
  /** `key=v1,v2,v3`: one run per value, through --set (see harness/compare/run-plan.ts) */
  sweep?: string;
  /** run each scenario (or sweep value) this many times; the comparison reports median and min–max */
  repeat?: number;
  /** the command line recorded in result.json (default: this process's own) */
  commandLine?: string;
  /** run the processes under a profiler (harness/profile): flame | doctor | perf */
  profile?: ProfilerName;
  /** `--wakeups off`: do not count who wakes whom */
  wakeups?: "on" | "off";
}

export function defaultOutDir(scenario: string): string {
  return join("runs", `${scenario}-${timestamp()}`);
}

/** Run one scenario; resolves with the result and the exit code the process should end with. */
export async function runOne(ref: string, opts: RunCommandOptions): Promise<{ result: RunResult; exitCode: number; outDir: string }> {
  const window: Record<string, number> = {};
  if (opts.duration !== undefined) window.durationS = opts.duration;
  if (opts.warmup !== undefined) window.warmupS = opts.warmup;
  if (opts.sample !== undefined) window.sampleS = opts.sample;
  const loaded = loadScenario(ref, opts.set, window);
  const plan = buildPlan(loaded.scenario, loaded.file);
  const outDir = resolve(opts.out ?? defaultOutDir(loaded.scenario.name));
  prepareOutDir(outDir);
  const profiling = opts.profile ? startProfiling(opts.profile, plan, outDir) : undefined;
  for (const note of profiling?.notes ?? []) process.stderr.write(`harness: ${note}\n`);

  const progress = new Progress(process.stderr, opts.quiet);
  const signals = installSignalHandlers();
  try {
    progress.event(`running ${loaded.scenario.name}: ${loaded.scenario.window.warmupS} s warm-up, ${loaded.scenario.window.durationS} s window; output in ${outDir}`);
    const { result, exitCode } = await executeRun({
      plan: profiling?.plan ?? plan,
      profiled: profiling?.profiled,
      stopGraceMs: profiling?.stopGraceMs,
      outDir,
      scenarioFile: loaded.file,
      params: loaded.params,
      command: opts.commandLine ?? harnessCommandLine(),
      signal: signals.signal,
      onTick: (v) => progress.tick(v),
      onEvent: (m) => progress.event(m),
      registerKill: signals.registerKill,
      wakeups: opts.wakeups !== "off",
    });
    if (profiling?.profiled) progress.event(`reading the ${profiling.profiled} profiles`);
    const sections = profiling ? await profiling.finish(result) : [];
    writeRunOutputs(outDir, result, { sections });
    const code = signals.signal.aborted ? signals.exitCode() : exitCode;
    return { result, exitCode: code, outDir };
  } finally {
    signals.dispose();
  }
}

export async function runCommand(scenarios: string[], opts: RunCommandOptions): Promise<number> {
  const orphans = describeDeadRuns(findDeadRuns());
  if (orphans) process.stderr.write(`harness: warning: ${orphans.replace(/\n/g, "\nharness: ")}\n`);
  const repeat = opts.repeat ?? 1;
  const sweep = opts.sweep ? parseSweep(opts.sweep) : undefined;
  if (scenarios.length === 1 && repeat === 1 && !sweep) {
    const { result, exitCode, outDir } = await runOne(scenarios[0] as string, opts);
    const verdicts = verdictLines(verdictsOf(result)).map((v) => (v.startsWith("  ") ? v : `verdict: ${v}`));
    process.stdout.write(`${terminalSummary(result)}\n${verdicts.length ? `${verdicts.join("\n")}\n` : ""}\n${asciiCpuChart(result, { colour: process.stdout.isTTY === true })}\n\nreport: ${join(outDir, "report.md")}\nresult: ${join(outDir, "result.json")}\n`);
    return exitCode;
  }
  const { exitCode, comparison, markdown } = await runSeries(scenarios, opts, harnessCommandLine());
  process.stdout.write(`${renderComparisonTables(comparison)}\n\ncomparison: ${markdown}\n`);
  return exitCode;
}

/**
 * Several runs (scenarios x sweep values x repeats) into one folder: a sub-folder per run and the
 * comparison of them all (comparison.md, .json, .svg). Used by `harness run` and `npm run replicate`.
 */
export async function runSeries(
  scenarios: string[],
  opts: RunCommandOptions,
  commandLine: string,
): Promise<{ exitCode: number; parent: string; saved: SavedRun[]; comparison: Comparison; markdown: string }> {
  let worst = 0;
  const repeat = opts.repeat ?? 1;
  const sweep = opts.sweep ? parseSweep(opts.sweep) : undefined;
  const first = scenarios[0] ?? "comparison";
  const parent = resolve(opts.out ?? join("runs", `${sweep ? `${safeName(first)}-sweep-${safeName(sweep.key)}` : "comparison"}-${timestamp()}`));
  const runs = planRuns(scenarios, { set: opts.set, sweep, repeat, parent, duration: opts.duration, warmup: opts.warmup, sample: opts.sample });
  // Validate every run's scenario and overrides before the first one starts.
  for (const r of runs) {
    const l = loadScenario(r.ref, r.set);
    buildPlan(l.scenario, l.file);
  }
  prepareOutDir(parent);
  const saved: SavedRun[] = [];
  for (const [i, r] of runs.entries()) {
    if (!opts.quiet) process.stderr.write(`harness: run ${i + 1} of ${runs.length}: ${r.commandLine}\n`);
    const { result, exitCode, outDir } = await runOne(r.ref, { ...opts, set: r.set, out: r.out, commandLine: r.commandLine });
    const verdicts = verdictLines(verdictsOf(result), { missing: false }).map((v) => `verdict: ${v}`);
    process.stdout.write(`${terminalSummary(result)}\n${verdicts.join("\n")}\n\nreport: ${join(outDir, "report.md")}\n\n`);
    saved.push({ path: outDir, result });
    worst = Math.max(worst, exitCode);
    if (exitCode >= 128) break;
  }
  const comparison = buildComparison(relativeTo(parent, saved));
  const { markdown } = writeComparisonOutputs(parent, comparison, { command: commandLine });
  return { exitCode: worst, parent, saved, comparison, markdown };
}
