/**
 * `harness check <scenario>`: run the scenario N times and judge the figures against the
 * scenario's `thresholds` and/or a saved baseline (`--baseline`). Exit codes: 0 pass (or
 * inconclusive), 1 regression (or inconclusive with --fail-on-inconclusive, or a run that
 * failed), 2 bad usage or input.
 */
import { accessSync, appendFileSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { loadScenario } from "../scenario/load.js";
import { RunError, UsageError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { decide, type Thresholds, type Verdict } from "../gate/decide.js";
import { parseLimits, DEFAULT_MAX_INCREASE } from "../gate/limits.js";
import { buildResultSet, readResultSet, type ResultSet, type ResultSetRun } from "../gate/result-set.js";
import { gateJson, renderGateMarkdown, verdictHeadline } from "../gate/summary-markdown.js";
import { addRepeatedRunOptions, collect, positiveInt } from "./options.js";
import { harnessCommandLine, runOne, timestamp } from "./run-command.js";

/** A run was interrupted (Ctrl-C, SIGTERM): the exit code to end with. */
export class Interrupted extends Error {
  constructor(readonly exitCode: number) {
    super(`interrupted (exit ${exitCode})`);
    this.name = "Interrupted";
  }
}

export interface CollectOptions {
  repeat: number;
  duration?: number;
  warmup?: number;
  sample?: number;
  set: string[];
  quiet?: boolean;
  /** each run writes its result.json, report.md and logs to <runsDir>/run-<i> */
  runsDir: string;
  /** shown on stderr before each run */
  label?: string;
}

/** Run a scenario `repeat` times, one after the other, and gather the figures as a result set. */
export async function collectResultSet(ref: string, opts: CollectOptions): Promise<ResultSet> {
  const runs: ResultSetRun[] = [];
  for (let i = 1; i <= opts.repeat; i++) {
    if (!opts.quiet) process.stderr.write(`${opts.label ?? "harness"}: run ${i} of ${opts.repeat}\n`);
    const outDir = join(opts.runsDir, `run-${i}`);
    const { result, exitCode } = await runOne(ref, { duration: opts.duration, warmup: opts.warmup, sample: opts.sample, set: opts.set, quiet: opts.quiet, out: outDir });
    if (exitCode >= 128) throw new Interrupted(exitCode);
    if (exitCode !== 0 || result.status !== "ok") {
      throw new RunError(`run ${i} of ${result.scenario.name} failed (${result.problems.join("; ") || result.status}); see ${join(outDir, "report.md")}`);
    }
    runs.push({ result, outDir });
  }
  return buildResultSet(runs, { command: harnessCommandLine() });
}

/**
 * mkdir -p one level at a time: Node 20's mkdirSync(recursive) spins forever on some paths under
 * /proc (e.g. /proc/nope/x), where a plain mkdir fails at once with ENOENT.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}

/** Create a folder and prove it writable before anything starts. */
export function prepareWritableDir(dir: string, what: string): void {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`${what} ${dir} cannot be written: ${(err as Error).message}`);
  }
}

export interface CheckOptions {
  repeat: number;
  duration?: number;
  warmup?: number;
  sample?: number;
  set: string[];
  baseline?: string;
  current?: string;
  maxIncrease: string[];
  failOnInconclusive?: boolean;
  allowScenarioMismatch?: boolean;
  json?: boolean;
  out?: string;
  seed?: number;
  quiet?: boolean;
}

export function exitCodeFor(v: Verdict, failOnInconclusive: boolean): number {
  if (v.outcome === "regression") return 1;
  if (v.outcome === "inconclusive" && failOnInconclusive) return 1;
  return 0;
}

export async function checkCommand(ref: string, opts: CheckOptions): Promise<number> {
  const limits = parseLimits(opts.maxIncrease);
  const window: Record<string, number> = {};
  if (opts.duration !== undefined) window.durationS = opts.duration;
  if (opts.warmup !== undefined) window.warmupS = opts.warmup;
  if (opts.sample !== undefined) window.sampleS = opts.sample;
  const loaded = loadScenario(ref, opts.set, window);
  const thresholds: Thresholds = loaded.scenario.thresholds ?? {};
  const baseline = opts.baseline ? readResultSet(resolve(opts.baseline)) : null;
  if (!baseline && Object.keys(thresholds).length === 0) {
    throw new UsageError(`nothing to judge: scenario ${loaded.scenario.name} (${loaded.file}) has no "thresholds" block and no --baseline <file> was given`);
  }
  if (baseline && baseline.scenario.name !== loaded.scenario.name && !opts.allowScenarioMismatch) {
    throw new UsageError(
      `${opts.baseline} is a baseline of scenario "${baseline.scenario.name}", not "${loaded.scenario.name}"; pass --allow-scenario-mismatch to compare them anyway (e.g. a fix against the buggy scenario's baseline)`,
    );
  }
  const outDir = resolve(opts.out ?? join("runs", `check-${loaded.scenario.name}-${timestamp()}`));
  prepareWritableDir(outDir, "output folder");

  let current: ResultSet;
  if (opts.current) {
    current = readResultSet(resolve(opts.current));
    if (current.scenario.name !== loaded.scenario.name) throw new UsageError(`${opts.current} holds runs of scenario "${current.scenario.name}", not "${loaded.scenario.name}"`);
  } else {
    current = await collectResultSet(ref, { ...opts, runsDir: outDir, label: `check ${loaded.scenario.name}` });
    writeFileAtomic(join(outDir, "current-set.json"), JSON.stringify(current, null, 2) + "\n");
  }

  const verdict = decide({ current, baseline, thresholds, limits, seed: opts.seed });
  const exitCode = exitCodeFor(verdict, opts.failOnInconclusive === true);
  const markdown = renderGateMarkdown(verdict, { exitCode, failOnInconclusive: opts.failOnInconclusive });
  const json = gateJson(verdict, exitCode, { baselineFile: opts.baseline ? resolve(opts.baseline) : null, outDir, command: harnessCommandLine() });
  writeFileAtomic(join(outDir, "gate.md"), markdown);
  writeFileAtomic(join(outDir, "gate.json"), json);
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    try {
      appendFileSync(summaryFile, markdown + "\n");
    } catch (err) {
      process.stderr.write(`harness: cannot append to $GITHUB_STEP_SUMMARY (${summaryFile}): ${(err as Error).message}\n`);
    }
  }
  process.stdout.write(opts.json ? json : markdown);
  if (!opts.quiet) process.stderr.write(`check: ${verdictHeadline(verdict)} (exit ${exitCode}); summary in ${join(outDir, "gate.md")}\n`);
  return exitCode;
}

function seedArg(value: string): number {
  const n = positiveInt(value);
  return n;
}

export function registerCheckCommand(program: Command): void {
  addRepeatedRunOptions(
    program
      .command("check")
      .description("run a scenario N times and judge it against its thresholds and/or a saved baseline (exit 0 pass, 1 regression, 2 bad input)")
      .argument("<scenario>", "built-in scenario name or path to a scenario file"),
    "runs of the scenario (the spread across them is the noise the verdict allows for)",
  )
    .option("-b, --baseline <file>", "a result set saved by `harness baseline save` to compare against")
    .option("--max-increase <list>", `allowed increase over the baseline per figure kind or figure (repeatable; default ${DEFAULT_MAX_INCREASE})`, collect, [])
    .option("--fail-on-inconclusive", "exit 1 when the verdict is inconclusive (too noisy to say)")
    .option("--allow-scenario-mismatch", "allow a baseline saved from another scenario (e.g. check tight-loop against fixed-backoff's baseline)")
    .option("--current <file>", "judge a saved result set instead of running (as written to <out>/current-set.json)")
    .option("-o, --out <dir>", "folder for the runs, current-set.json, gate.md and gate.json (default runs/check-<scenario>-<timestamp>)")
    .option("--json", "print the verdict as JSON instead of markdown")
    .option("--seed <n>", "bootstrap seed (the same data always gives the same verdict)", seedArg, 1)
    .option("-q, --quiet", "no progress on stderr")
    .action(async (scenario: string, opts: CheckOptions) => {
      try {
        process.exitCode = await checkCommand(scenario, opts);
      } catch (err) {
        if (err instanceof Interrupted) process.exitCode = err.exitCode;
        else throw err;
      }
    });
}
