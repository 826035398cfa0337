/**
 * `harness check --current <reading>... --baseline <reading>...` (no scenario): judge saved readings,
 * e.g. `harness attach` results of a production worker before and after a deploy, with the gate's
 * statistics (harness/gate/decide.ts decideReadings: the same Mann–Whitney test, Holm step, limits,
 * floors and outcomes as a check of a scenario). Exit codes as `harness check`.
 */
import { existsSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { builtinScenarioDir } from "../scenario/load.js";
import { UsageError } from "../util/errors.js";
import { decideReadings } from "../gate/decide.js";
import { parseLimits } from "../gate/limits.js";
import { loadReadings, matchReadings, readingNotes, type Reading } from "../gate/readings.js";
import { prepareWritableDir, reportVerdict, type CheckOptions } from "./check-command.js";
import { timestamp } from "./command-line.js";

/** commander option names (camelCase) as typed on the command line */
const FLAG: Record<string, string> = {
  repeat: "--repeat",
  duration: "--duration",
  warmup: "--warmup",
  sample: "--sample",
  set: "--set",
  baselineSet: "--baseline-set",
  baselineScenario: "--baseline-scenario",
  allowScenarioMismatch: "--allow-scenario-mismatch",
};

/** A scenario file, or the name of a built-in one that is not also a path here: what commander put in a reading list when the scenario came after --baseline/--current. */
function scenarioNotReading(arg: string): boolean {
  if ([".yaml", ".yml"].includes(extname(arg))) return true;
  if (existsSync(arg)) return false;
  return [".yaml", ".yml"].some((ext) => existsSync(join(builtinScenarioDir(), arg + ext)));
}

function side(args: string[] | undefined, option: string): Reading[] {
  if (!args?.length) throw new UsageError(`check needs a scenario, or saved readings on both sides: ${option} <result.json|run folder|result set>... is missing`);
  return args.flatMap((a) => loadReadings(a));
}

/** `given`: options of a scenario's runs that were typed; they do not apply to saved readings. */
export function checkReadingsCommand(opts: CheckOptions, given: string[] = []): number {
  if (given.length) throw new UsageError(`${given.map((g) => FLAG[g] ?? g).join(", ")} ${given.length > 1 ? "apply" : "applies"} to a scenario's runs; without a scenario, check judges readings already taken (--current and --baseline)`);
  if (!opts.current?.length && !opts.baseline?.length) throw new UsageError("check needs a scenario (see `harness list`), or saved readings to judge: --current <result.json|run folder>... --baseline <result.json|run folder|result set>...");
  for (const [option, args] of [["--baseline", opts.baseline], ["--current", opts.current]] as const) {
    const scenario = args?.find(scenarioNotReading);
    if (scenario) throw new UsageError(`${option} takes readings, and "${scenario}" is a scenario: name it before the options (\`harness check ${scenario} ${option} ...\`), or end ${option}'s list with --`);
  }
  const limits = parseLimits(opts.maxIncrease, opts.floor);
  const current = side(opts.current, "--current");
  const baseline = side(opts.baseline, "--baseline");
  const matching = matchReadings(baseline, current);
  const outDir = resolve(opts.out ?? join("runs", `check-readings-${timestamp()}`));
  prepareWritableDir(outDir, "output folder");
  const verdict = decideReadings({
    pairs: matching.pairs,
    limits,
    alpha: opts.alpha,
    scenario: current[0]?.scenario ?? "current",
    baselineScenario: baseline[0]?.scenario ?? "baseline",
    notes: [...matching.notes, ...readingNotes(baseline, current)],
  });
  const unmatched = [...matching.unmatched.baseline.map((n) => `${n} only in the baseline`), ...matching.unmatched.current.map((n) => `${n} only in the current readings`)];
  if (unmatched.length && !opts.quiet) process.stderr.write(`check: not matched by role and name, not judged: ${unmatched.join("; ")}\n`);
  return reportVerdict(verdict, opts, outDir, {
    baselineFiles: [...new Set(baseline.map((r) => r.file))],
    currentFiles: [...new Set(current.map((r) => r.file))],
    matched: matching.matched,
    unmatched: matching.unmatched,
  });
}
