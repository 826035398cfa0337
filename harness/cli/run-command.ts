/** `harness run <scenario>`: validate, start, measure, write result.json and report.md. */
import { verdictLines, verdictsOf } from "../diagnose/diagnose.js";
import { join, resolve } from "node:path";
import { loadScenario, type LoadedScenario } from "../scenario/load.js";
import { buildPlan, type Plan, type Role } from "../scenario/plan.js";
import { commandPlan } from "../scenario/command.js";
import { UsageError } from "../util/errors.js";
import { displayPath } from "../report/portable-paths.js";
import { ERROR_PREFIX } from "./errors-out.js";
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
import { probeDatabase } from "../supervise/postgres-cluster.js";
import { useColour } from "../util/colour.js";
import { humanStream, printResult } from "./result-output.js";

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
  /** run the processes under a profiler (harness/profile): cpu | flame | doctor | perf | syscalls; true (a bare --profile): cpu */
  profile?: ProfilerName | true;
  /** `run -- <command> [args...]`: measure this one program instead of a scenario */
  command?: string[];
  /** with `command`: the run's and the process's name, and its role */
  name?: string;
  role?: string;
  /** each run's result on stdout as one JSON line; summaries and messages on stderr */
  json?: boolean;
  /** `--wakeups off`: do not count who wakes whom */
  wakeups?: "on" | "off";
}

export function defaultOutDir(scenario: string): string {
  return join("runs", `${scenario}-${timestamp()}`);
}

/** What one run measures: a scenario (built-in name or file), or one program given after `--`. */
function loadRunSource(source: string | string[], opts: RunCommandOptions): LoadedScenario & { plan: Plan } {
  const window: Record<string, number> = {};
  if (opts.duration !== undefined) window.durationS = opts.duration;
  if (opts.warmup !== undefined) window.warmupS = opts.warmup;
  if (opts.sample !== undefined) window.sampleS = opts.sample;
  if (Array.isArray(source)) {
    const { plan, scenario, label } = commandPlan(source, { name: opts.name, role: opts.role as Role | undefined, window });
    return { plan, scenario, file: label, params: {} };
  }
  const loaded = loadScenario(source, opts.set, window);
  return { ...loaded, plan: buildPlan(loaded.scenario, loaded.file) };
}

/** Run one scenario (or one program); resolves with the result and the exit code the process should end with. */
export async function runOne(source: string | string[], opts: RunCommandOptions): Promise<{ result: RunResult; written: RunResult; exitCode: number; outDir: string }> {
  const { plan, ...loaded } = loadRunSource(source, opts);
  // an existing database that refuses connections: one line, exit 1, before anything starts
  if (plan.database?.kind === "url") await probeDatabase(plan.database.url);
  const outDir = resolve(opts.out ?? defaultOutDir(loaded.scenario.name));
  prepareOutDir(outDir);
  const profiling = opts.profile ? startProfiling(opts.profile === true ? "cpu" : opts.profile, plan, outDir) : undefined;
  for (const note of profiling?.notes ?? []) process.stderr.write(`${ERROR_PREFIX}${note}\n`);

  const progress = new Progress(process.stderr, opts.quiet);
  const signals = installSignalHandlers();
  try {
    progress.event(`running ${loaded.scenario.name}: ${loaded.scenario.window.warmupS} s warm-up, ${loaded.scenario.window.durationS} s window; output in ${displayPath(outDir)}`);
    const { result, exitCode } = await executeRun({
      plan: profiling?.plan ?? plan,
      profiled: profiling?.profiled,
      stopGraceMs: profiling?.stopGraceMs,
      profileWindow: profiling?.window,
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
    const written = writeRunOutputs(outDir, result, { sections });
    const code = signals.signal.aborted ? signals.exitCode() : exitCode;
    return { result, written, exitCode: code, outDir };
  } finally {
    signals.dispose();
  }
}

export async function runCommand(scenarios: string[], opts: RunCommandOptions): Promise<number> {
  const command = opts.command;
  if (command && scenarios.length) throw new UsageError(`run: give scenarios or -- <command>, not both (got ${scenarios.map((x) => `"${x}"`).join(", ")} before --)`);
  if (command && command.length === 0) throw new UsageError("run -- <command>: expected the program to run after --");
  if (!command && scenarios.length === 0) throw new UsageError("run: missing a scenario (see `harness list`) or -- <command> [args...]");
  if (command && (opts.sweep || (opts.repeat ?? 1) > 1 || opts.set.length)) throw new UsageError("run -- <command>: --sweep, --repeat and --set need a scenario file");
  if (!command && (opts.name !== undefined || opts.role !== undefined)) throw new UsageError("run: --name and --role go with -- <command>; a scenario names its own processes");
  const orphans = describeDeadRuns(findDeadRuns());
  if (orphans) process.stderr.write(`${ERROR_PREFIX}warning: ${orphans.replace(/\n/g, `\n${ERROR_PREFIX}`)}\n`);
  const repeat = opts.repeat ?? 1;
  const sweep = opts.sweep ? parseSweep(opts.sweep) : undefined;
  if (command || (scenarios.length === 1 && repeat === 1 && !sweep)) {
    const { result, written, exitCode, outDir } = await runOne(command ?? (scenarios[0] as string), opts);
    const verdicts = verdictLines(verdictsOf(result)).map((v) => (v.startsWith("  ") ? v : `verdict: ${v}`));
    printResult(
      opts,
      written,
      (human) =>
        `${terminalSummary(result)}\n${verdicts.length ? `${verdicts.join("\n")}\n` : ""}\n${asciiCpuChart(result, { colour: useColour(human) })}\n\nreport: ${displayPath(join(outDir, "report.md"))}\nresult: ${displayPath(join(outDir, "result.json"))}\n`,
    );
    return exitCode;
  }
  const { exitCode, comparison, markdown } = await runSeries(scenarios, opts, harnessCommandLine());
  humanStream(opts)?.write(`${renderComparisonTables(comparison)}\n\ncomparison: ${displayPath(markdown)}\n`);
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
    if (!opts.quiet) process.stderr.write(`${ERROR_PREFIX}run ${i + 1} of ${runs.length}: ${r.commandLine}\n`);
    const { result, written, exitCode, outDir } = await runOne(r.ref, { ...opts, set: r.set, out: r.out, commandLine: r.commandLine });
    const verdicts = verdictLines(verdictsOf(result), { missing: false }).map((v) => `verdict: ${v}`);
    // --json: one result per line on stdout (newline-delimited JSON), the summary on stderr
    printResult(opts, written, () => `${terminalSummary(result)}\n${verdicts.join("\n")}\n\nreport: ${displayPath(join(outDir, "report.md"))}\n\n`);
    saved.push({ path: outDir, result });
    worst = Math.max(worst, exitCode);
    if (exitCode >= 128) break;
  }
  const comparison = buildComparison(relativeTo(parent, saved));
  const { markdown } = writeComparisonOutputs(parent, comparison, { command: commandLine });
  return { exitCode: worst, parent, saved, comparison, markdown };
}
