/**
 * `harness check <scenario>`: run the scenario N times and judge the figures against the
 * scenario's `thresholds` and/or a baseline: measured in the same job, interleaved with the
 * current runs (`--baseline-set`, `--baseline-scenario`), or a saved result set (`--baseline`).
 * Exit codes: 0 no regression (or not enough evidence), 1 regression (or not enough evidence with
 * --fail-on-inconclusive, or a run that failed), 2 bad usage or input.
 */
import { makeDirs } from "../util/make-dirs.js";
import { accessSync, appendFileSync, constants } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { loadScenario } from "../scenario/load.js";
import { RunError, UsageError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { decide, DEFAULT_ALPHA, type GateMode, type Thresholds, type Verdict } from "../gate/decide.js";
import { parseLimits, DEFAULT_FLOOR, DEFAULT_MAX_INCREASE } from "../gate/limits.js";
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

type WindowOptions = Pick<CollectOptions, "duration" | "warmup" | "sample" | "quiet">;

/** One run of a condition; a failed or interrupted run ends the whole collection. */
async function runCondition(ref: string, set: string[], opts: WindowOptions, outDir: string, what: string): Promise<ResultSetRun> {
  const { result, exitCode } = await runOne(ref, { duration: opts.duration, warmup: opts.warmup, sample: opts.sample, set, quiet: opts.quiet, out: outDir });
  if (exitCode >= 128) throw new Interrupted(exitCode);
  if (exitCode !== 0 || result.status !== "ok") {
    throw new RunError(`${what} of ${result.scenario.name} failed (${result.problems.join("; ") || result.status}); see ${join(outDir, "report.md")}`);
  }
  return { result, outDir };
}

/** Run a scenario `repeat` times, one after the other, and gather the figures as a result set. */
export async function collectResultSet(ref: string, opts: CollectOptions): Promise<ResultSet> {
  const runs: ResultSetRun[] = [];
  for (let i = 1; i <= opts.repeat; i++) {
    if (!opts.quiet) process.stderr.write(`${opts.label ?? "harness"}: run ${i} of ${opts.repeat}\n`);
    runs.push(await runCondition(ref, opts.set, opts, join(opts.runsDir, `run-${i}`), `run ${i}`));
  }
  return buildResultSet(runs, { command: harnessCommandLine(), overrides: opts.set });
}

export type Side = "base" | "head";

/**
 * The order of an interleaved check with n runs a side: pairs A B, B A, A B, ... (A = base), so
 * each side runs first in half the pairs and a steady drift of the machine (load rising, a CPU
 * warming up) falls on both sides alike instead of on whichever always runs second.
 */
export function interleavedOrder(n: number): Side[] {
  const out: Side[] = [];
  for (let i = 0; i < n; i++) out.push(...(i % 2 === 0 ? (["base", "head"] as const) : (["head", "base"] as const)));
  return out;
}

export interface Condition {
  ref: string;
  set: string[];
}

/** Measure base and head alternately in one job (interleavedOrder), `repeat` runs each. */
export async function collectInterleaved(base: Condition, head: Condition, opts: WindowOptions & { repeat: number; runsDir: string; label?: string }): Promise<{ baseline: ResultSet; current: ResultSet }> {
  const runs: Record<Side, ResultSetRun[]> = { base: [], head: [] };
  const order = interleavedOrder(opts.repeat);
  for (const [i, side] of order.entries()) {
    const k = runs[side].length + 1;
    if (!opts.quiet) process.stderr.write(`${opts.label ?? "harness"}: run ${i + 1} of ${order.length} (${side} ${k} of ${opts.repeat})\n`);
    const c = side === "base" ? base : head;
    const run = await runCondition(c.ref, c.set, opts, join(opts.runsDir, `${side}-${k}`), `${side} run ${k}`);
    runs[side].push({ ...run, sequence: i + 1 });
  }
  const command = harnessCommandLine();
  return { baseline: buildResultSet(runs.base, { command, overrides: base.set }), current: buildResultSet(runs.head, { command, overrides: head.set }) };
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
  /** a result set file with a scenario; with none, readings (result.json files, run folders, result sets) */
  baseline?: string[];
  baselineSet: string[];
  baselineScenario?: string;
  current?: string[];
  maxIncrease: string[];
  floor: string[];
  alpha?: number;
  failOnInconclusive?: boolean;
  allowScenarioMismatch?: boolean;
  json?: boolean;
  out?: string;
  seed?: number;
  quiet?: boolean;
}

export function exitCodeFor(v: Verdict, failOnInconclusive: boolean): number {
  if (v.outcome === "regression") return 1;
  if (v.outcome === "not-enough-evidence" && failOnInconclusive) return 1;
  return 0;
}

/** With a scenario, --baseline and --current each name one result set. */
function oneFile(values: string[] | undefined, option: string): string | undefined {
  if (values && values.length > 1) throw new UsageError(`with a scenario, ${option} takes one result set file, got ${values.length} (${values.join(" ")}); to judge saved readings against each other, leave the scenario out`);
  return values?.[0];
}

export async function checkCommand(ref: string, opts: CheckOptions): Promise<number> {
  const limits = parseLimits(opts.maxIncrease, opts.floor);
  const baselineFile = oneFile(opts.baseline, "--baseline");
  const currentFile = oneFile(opts.current, "--current");
  const window: Record<string, number> = {};
  if (opts.duration !== undefined) window.durationS = opts.duration;
  if (opts.warmup !== undefined) window.warmupS = opts.warmup;
  if (opts.sample !== undefined) window.sampleS = opts.sample;
  const loaded = loadScenario(ref, opts.set, window);
  const thresholds: Thresholds = loaded.scenario.thresholds ?? {};
  const interleaved = opts.baselineSet.length > 0 || opts.baselineScenario !== undefined;
  if (interleaved && baselineFile) throw new UsageError("--baseline <file> (a saved result set) and --baseline-set/--baseline-scenario (measure the base in this job) exclude each other: pick one");
  if (interleaved && currentFile) throw new UsageError("--current <file> judges saved runs; --baseline-set/--baseline-scenario measure new ones: pick one");
  // the base condition: the base scenario (or this one) with --set, then --baseline-set on top
  const base: Condition = { ref: opts.baselineScenario ?? ref, set: [...opts.set, ...opts.baselineSet] };
  const baseLoaded = interleaved ? loadScenario(base.ref, base.set, window) : null;
  const baseline = baselineFile ? readResultSet(resolve(baselineFile)) : null;
  if (!baseline && !interleaved && Object.keys(thresholds).length === 0) {
    throw new UsageError(`nothing to judge: scenario ${loaded.scenario.name} (${loaded.file}) has no "thresholds" block and no baseline was given (--baseline-set, --baseline-scenario or --baseline <file>)`);
  }
  if (baseLoaded && baseLoaded.scenario.name !== loaded.scenario.name && !opts.allowScenarioMismatch) {
    throw new UsageError(`--baseline-scenario ${opts.baselineScenario} is scenario "${baseLoaded.scenario.name}", not "${loaded.scenario.name}"; pass --allow-scenario-mismatch to compare them anyway`);
  }
  if (baseline && baseline.scenario.name !== loaded.scenario.name && !opts.allowScenarioMismatch) {
    throw new UsageError(
      `${baselineFile} is a baseline of scenario "${baseline.scenario.name}", not "${loaded.scenario.name}"; pass --allow-scenario-mismatch to compare them anyway (e.g. a fix against the buggy scenario's baseline)`,
    );
  }
  const outDir = resolve(opts.out ?? join("runs", `check-${loaded.scenario.name}-${timestamp()}`));
  prepareWritableDir(outDir, "output folder");

  let current: ResultSet;
  let against: ResultSet | null = baseline;
  const mode: GateMode = interleaved ? "interleaved" : baseline ? "saved-baseline" : "thresholds";
  if (currentFile) {
    current = readResultSet(resolve(currentFile));
    if (current.scenario.name !== loaded.scenario.name) throw new UsageError(`${currentFile} holds runs of scenario "${current.scenario.name}", not "${loaded.scenario.name}"`);
  } else if (interleaved) {
    const both = await collectInterleaved(base, { ref, set: opts.set }, { ...opts, runsDir: outDir, label: `check ${loaded.scenario.name}` });
    current = both.current;
    against = both.baseline;
    writeFileAtomic(join(outDir, "current-set.json"), JSON.stringify(current, null, 2) + "\n");
    writeFileAtomic(join(outDir, "baseline-set.json"), JSON.stringify(against, null, 2) + "\n");
  } else {
    current = await collectResultSet(ref, { ...opts, runsDir: outDir, label: `check ${loaded.scenario.name}` });
    writeFileAtomic(join(outDir, "current-set.json"), JSON.stringify(current, null, 2) + "\n");
  }

  const verdict = decide({ current, baseline: against, thresholds, limits, alpha: opts.alpha, mode });
  return reportVerdict(verdict, opts, outDir, {
    baselineFile: baselineFile ? resolve(baselineFile) : interleaved ? join(outDir, "baseline-set.json") : null,
    baselineCondition: interleaved ? { scenario: baseLoaded?.file ?? null, set: base.set } : null,
  });
}

/**
 * A verdict's outputs, the same for every form of check: gate.md and gate.json in the output folder,
 * the markdown appended to $GITHUB_STEP_SUMMARY, the markdown (or with --json the one JSON document)
 * on stdout, the headline on stderr unless -q. Returns the exit code.
 */
export function reportVerdict(verdict: Verdict, opts: Pick<CheckOptions, "failOnInconclusive" | "json" | "quiet">, outDir: string, extra: Record<string, unknown>): number {
  const exitCode = exitCodeFor(verdict, opts.failOnInconclusive === true);
  const markdown = renderGateMarkdown(verdict, { exitCode, failOnInconclusive: opts.failOnInconclusive });
  const json = gateJson(verdict, exitCode, { ...extra, outDir, command: harnessCommandLine() });
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

function alphaArg(value: string): number {
  const n = Number(value);
  if (!/^\s*0?\.[0-9]+\s*$/.test(value) || !(n > 0 && n < 0.5)) throw new InvalidArgumentError(`expected a level between 0 and 0.5, e.g. 0.05, got "${value}"`);
  return n;
}

export function registerCheckCommand(program: Command): void {
  addRepeatedRunOptions(
    program
      .command("check")
      .usage("[options] <scenario>\n       harness check [options] --current <reading...> --baseline <reading...>")
      .description(
        "run a scenario N times (interleaved with its base when given) and judge it against a baseline and/or its thresholds; or, without a scenario, judge saved readings (harness attach results) against baseline readings (exit 0 no regression, 1 regression, 2 bad input)",
      )
      .argument("[scenario]", "built-in scenario name or path to a scenario file (leave out to judge saved readings: --current and --baseline)"),
    "runs of the scenario, and of the base when it is measured in the same job",
  )
    .option("--baseline-set <key=value>", "measure the base in this job, interleaved: the scenario with --set and these overrides on top (repeatable), e.g. --baseline-set appDir=../base", collect, [])
    .option("--baseline-scenario <file>", "measure the base in this job, interleaved: this scenario file (e.g. the base checkout's), with --set and --baseline-set")
    .option("-b, --baseline <file...>", "a result set saved by `harness baseline save` (not interleaved: drift between it and now is invisible); without a scenario: the baseline readings (result.json files, run folders, folders of them, result sets)")
    .option("--max-increase <list>", `allowed increase over the baseline per figure kind or figure (repeatable; default ${DEFAULT_MAX_INCREASE})`, collect, [])
    .option("--floor <list>", `smallest increase a percentage limit allows, in the figure's unit (repeatable; default ${DEFAULT_FLOOR})`, collect, [])
    .option("--alpha <a>", `family-wise false-alarm level over all figures (Holm)`, alphaArg, DEFAULT_ALPHA)
    .option("--fail-on-inconclusive", "exit 1 when the verdict is not enough evidence")
    .option("--allow-scenario-mismatch", "allow a baseline of another scenario (e.g. check tight-loop against fixed-backoff's baseline)")
    .option("--current <file...>", "judge a saved result set instead of running (as written to <out>/current-set.json); without a scenario: the current readings (result.json files, run folders, folders of them, result sets)")
    .option("-o, --out <dir>", "folder for the runs, current-set.json, gate.md and gate.json (default runs/check-<scenario>-<timestamp>, or runs/check-readings-<timestamp>)")
    .option("--json", "print the verdict as JSON instead of markdown")
    .option("--seed <n>", "ignored: kept so older command lines still parse (the exact test uses no random numbers)", seedArg, 1)
    .option("-q, --quiet", "no progress on stderr")
    .action(async (scenario: string | undefined, opts: CheckOptions, cmd: Command) => {
      try {
        if (scenario === undefined) {
          const { checkReadingsCommand } = await import("./check-readings.js");
          const given = (o: string): boolean => cmd.getOptionValueSource(o) === "cli";
          process.exitCode = checkReadingsCommand(opts, ["repeat", "duration", "warmup", "sample", "set", "baselineSet", "baselineScenario", "allowScenarioMismatch"].filter(given));
          return;
        }
        process.exitCode = await checkCommand(scenario, opts);
      } catch (err) {
        if (err instanceof Interrupted) process.exitCode = err.exitCode;
        else throw err;
      }
    });
}
