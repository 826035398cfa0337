/** `harness run <scenario>`: validate, start, measure, write result.json and report.md. */
import { join, resolve } from "node:path";
import { loadScenario } from "../scenario/load.js";
import { buildPlan } from "../scenario/plan.js";
import { executeRun, prepareOutDir } from "../run/execute-run.js";
import { Progress } from "../run/progress.js";
import { writeRunOutputs } from "../report/write-run.js";
import { terminalSummary } from "../report/terminal-summary.js";
import { shellQuote } from "../report/escape.js";
import type { RunResult } from "../analyze/result-types.js";
import { installSignalHandlers } from "./signals.js";

export interface RunCommandOptions {
  duration?: number;
  warmup?: number;
  sample?: number;
  out?: string;
  set: string[];
  quiet?: boolean;
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

export function defaultOutDir(scenario: string): string {
  return join("runs", `${scenario}-${timestamp()}`);
}

export function harnessCommandLine(): string {
  return `harness ${shellQuote(process.argv.slice(2))}`;
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

  const progress = new Progress(process.stderr, opts.quiet);
  const signals = installSignalHandlers();
  try {
    progress.event(`running ${loaded.scenario.name}: ${loaded.scenario.window.warmupS} s warm-up, ${loaded.scenario.window.durationS} s window; output in ${outDir}`);
    const { result, exitCode } = await executeRun({
      plan,
      outDir,
      scenarioFile: loaded.file,
      params: loaded.params,
      command: harnessCommandLine(),
      signal: signals.signal,
      onTick: (v) => progress.tick(v),
      onEvent: (m) => progress.event(m),
      registerKill: signals.registerKill,
    });
    writeRunOutputs(outDir, result);
    const code = signals.signal.aborted ? signals.exitCode() : exitCode;
    return { result, exitCode: code, outDir };
  } finally {
    signals.dispose();
  }
}

export async function runCommand(scenarios: string[], opts: RunCommandOptions): Promise<number> {
  let worst = 0;
  for (const ref of scenarios) {
    const { result, exitCode, outDir } = await runOne(ref, scenarios.length > 1 && opts.out ? { ...opts, out: join(opts.out, ref.replace(/[^A-Za-z0-9._-]/g, "_")) } : opts);
    process.stdout.write(`${terminalSummary(result)}\n\nreport: ${join(outDir, "report.md")}\nresult: ${join(outDir, "result.json")}\n`);
    worst = Math.max(worst, exitCode);
    if (exitCode >= 128) return exitCode;
  }
  return worst;
}
