/**
 * `harness baseline save <scenario>`: run a scenario N times and save the figures as a versioned
 * result set, the baseline `harness check --baseline <file>` compares against.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { loadScenario } from "../scenario/load.js";
import { UsageError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { FIGURE_NAMES, FIGURES, formatValue } from "../gate/figures.js";
import { figureValues, type ResultSet } from "../gate/result-set.js";
import { median } from "../stats/summary.js";
import { addRepeatedRunOptions } from "./options.js";
import { timestamp } from "./run-command.js";
import { collectResultSet, Interrupted, prepareWritableDir } from "./check-command.js";
import { makeDirs } from "../util/make-dirs.js";

export interface BaselineSaveOptions {
  repeat: number;
  duration?: number;
  warmup?: number;
  sample?: number;
  set: string[];
  out?: string;
  runsDir?: string;
  quiet?: boolean;
}

/** Prove the baseline file can be written before the runs start (minutes, not seconds, later). */
function prepareOutFile(file: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--out ${file} is a folder; expected a file path`);
  try {
    makeDirs(dirname(file));
    accessSync(dirname(file), constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch (err) {
    throw new UsageError(`baseline file ${file} cannot be written: ${(err as Error).message}`);
  }
}

export function describeSet(set: ResultSet): string {
  const lines = [`${set.scenario.name}: ${set.runs.length} run(s) of ${set.window.warmupS} s warm-up + ${set.window.durationS} s`];
  for (const name of FIGURE_NAMES) {
    const v = figureValues(set, name);
    if (!v.length) continue;
    lines.push(`  ${FIGURES[name].label.padEnd(30)} median ${formatValue(name, median(v))}${FIGURES[name].unit}  (${formatValue(name, Math.min(...v))}–${formatValue(name, Math.max(...v))})`);
  }
  return lines.join("\n");
}

export async function baselineSaveCommand(ref: string, opts: BaselineSaveOptions): Promise<number> {
  const window: Record<string, number> = {};
  if (opts.duration !== undefined) window.durationS = opts.duration;
  if (opts.warmup !== undefined) window.warmupS = opts.warmup;
  if (opts.sample !== undefined) window.sampleS = opts.sample;
  const loaded = loadScenario(ref, opts.set, window);
  const file = resolve(opts.out ?? join("baselines", `${loaded.scenario.name}.json`));
  prepareOutFile(file);
  const runsDir = resolve(opts.runsDir ?? join("runs", `baseline-${loaded.scenario.name}-${timestamp()}`));
  prepareWritableDir(runsDir, "runs folder");
  const set = await collectResultSet(ref, { ...opts, runsDir, label: `baseline ${loaded.scenario.name}` });
  writeFileAtomic(file, JSON.stringify(set, null, 2) + "\n");
  process.stdout.write(`${describeSet(set)}\n\nbaseline: ${file}\nruns: ${runsDir}\n`);
  return 0;
}

export function registerBaselineCommand(program: Command): void {
  const baseline = program.command("baseline").description("save result sets that `harness check --baseline` compares against");
  addRepeatedRunOptions(
    baseline
      .command("save")
      .description("run a scenario N times and save its figures as a baseline (versioned JSON)")
      .argument("<scenario>", "built-in scenario name or path to a scenario file"),
    "runs of the scenario",
  )
    .option("-o, --out <file>", "the baseline file (default baselines/<scenario>.json)")
    .option("--runs-dir <dir>", "folder for the runs' reports (default runs/baseline-<scenario>-<timestamp>)")
    .option("-q, --quiet", "no progress on stderr")
    .action(async (scenario: string, opts: BaselineSaveOptions) => {
      try {
        process.exitCode = await baselineSaveCommand(scenario, opts);
      } catch (err) {
        if (err instanceof Interrupted) process.exitCode = err.exitCode;
        else throw err;
      }
    });
}
