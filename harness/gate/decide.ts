/**
 * The gate's decision: a pure function from (baseline set, current set, thresholds, limits) to a
 * verdict, so it is tested on fixture result sets without starting anything.
 *
 * Every judgement is an estimate and its interval against a limit, with three outcomes:
 * - regression: the whole interval is beyond the limit (an increase the noise cannot explain);
 * - inconclusive: the estimate is beyond the limit but the interval reaches back within it (it
 *   looks like a regression, but the runs are too noisy to say; more repeats narrow it);
 * - pass: the estimate is within the limit (no evidence of a regression).
 * Against a baseline the estimate is median(current) - median(baseline) with a bootstrap interval
 * of that difference; against a threshold, median(current) with a bootstrap interval of it.
 * The gate is one-sided on purpose: it asks "is there a regression?", not "are these equal?";
 * with 3 runs a side an interval spans the runs' whole range, so demanding that it lie wholly
 * within the limit would call most unchanged code "inconclusive" on a busy machine.
 */
import { bootstrapMedian, bootstrapMedianDifference, median, type Interval } from "../stats/bootstrap.js";
import { FIGURE_NAMES, FIGURES, formatValue, type FigureName } from "./figures.js";
import { allowedIncrease, describeAllowance, type Limits } from "./limits.js";
import { figureValues, type ResultSet } from "./result-set.js";

export type Outcome = "pass" | "regression" | "inconclusive";
export type Thresholds = Partial<Record<FigureName, number>>;

export interface SetStats {
  n: number;
  median: number;
  min: number;
  max: number;
}

export interface FigureJudgement {
  figure: FigureName;
  label: string;
  against: "threshold" | "baseline";
  baseline: SetStats | null;
  current: SetStats | null;
  /** baseline: interval of the change of medians; threshold: interval of the current median */
  interval: Interval | null;
  /** the largest value (threshold) or increase (baseline) allowed, in the figure's unit */
  limit: number | null;
  limitText: string;
  outcome: Outcome | "skipped";
  why: string;
}

export interface Verdict {
  outcome: Outcome;
  regressed: FigureName[];
  inconclusive: FigureName[];
  judgements: FigureJudgement[];
  scenario: string;
  baselineScenario: string | null;
  confidence: number;
  notes: string[];
}

export interface GateInput {
  current: ResultSet;
  baseline?: ResultSet | null;
  thresholds?: Thresholds;
  limits: Limits;
  /** two-sided confidence of the intervals (default 0.95) */
  confidence?: number;
  /** bootstrap seed (default 1): the same data always gives the same verdict */
  seed?: number;
}

function stats(values: number[]): SetStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { n: values.length, median: median(values), min: sorted[0] as number, max: sorted.at(-1) as number };
}

function fmtInterval(name: FigureName, i: Interval, signed: boolean): string {
  const f = (v: number): string => (signed && v > 0 ? "+" : "") + formatValue(name, v);
  return `[${f(i.low)}, ${f(i.high)}]`;
}

function judge(interval: Interval, limit: number): Outcome {
  if (interval.low > limit) return "regression";
  if (interval.estimate > limit) return "inconclusive";
  return "pass";
}

function judgeThreshold(name: FigureName, values: number[], limit: number, confidence: number, seed: number): FigureJudgement {
  const info = FIGURES[name];
  const base = { figure: name, label: info.label, against: "threshold" as const, baseline: null, limit, limitText: `≤ ${limit}${info.unit === "%" ? "%" : info.unit}` };
  const current = stats(values);
  if (!current) return { ...base, current, interval: null, outcome: "inconclusive", why: "not measured in any current run (no metrics endpoint, or no process of that role)" };
  const interval = bootstrapMedian(values, { confidence, seed });
  const outcome = judge(interval, limit);
  const pct = Math.round(confidence * 100);
  const i = fmtInterval(name, interval, false);
  const why =
    outcome === "pass"
      ? `the median is within the threshold (${pct}% interval ${i})`
      : outcome === "regression"
        ? `the whole ${pct}% interval of the median ${i} is above the threshold`
        : `the median is above the threshold but its ${pct}% interval ${i} reaches below it: too noisy to say`;
  return { ...base, current, interval, outcome, why };
}

function judgeBaseline(name: FigureName, before: number[], after: number[], input: GateInput, confidence: number, seed: number): FigureJudgement | null {
  const info = FIGURES[name];
  const baseline = stats(before);
  const current = stats(after);
  const base = { figure: name, label: info.label, against: "baseline" as const, baseline, current };
  if (!baseline && !current) return null; // measured in neither: nothing to compare
  if (!baseline || !current) {
    return { ...base, interval: null, limit: null, limitText: "", outcome: "inconclusive", why: `measured in the ${baseline ? "baseline" : "current runs"} only` };
  }
  const allowance = input.limits[name];
  const limit = allowedIncrease(allowance, baseline.median);
  const limitText = describeAllowance(name, allowance, baseline.median);
  const interval = bootstrapMedianDifference(before, after, { confidence, seed });
  const outcome = judge(interval, limit);
  const pct = Math.round(confidence * 100);
  const i = fmtInterval(name, interval, true);
  const why =
    outcome === "pass"
      ? `the change is within the allowed increase (${pct}% interval ${i})`
      : outcome === "regression"
        ? `the whole ${pct}% interval of the change ${i} is above the allowed increase`
        : `the change is above the allowed increase but its ${pct}% interval ${i} reaches below it: too noisy to say (more repeats narrow it)`;
  return { ...base, interval, limit, limitText, outcome, why };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function decide(input: GateInput): Verdict {
  const confidence = input.confidence ?? 0.95;
  const seed = input.seed ?? 1;
  const { current, baseline } = input;
  const judgements: FigureJudgement[] = [];
  const notes: string[] = [];
  for (const name of FIGURE_NAMES) {
    const limit = input.thresholds?.[name];
    if (limit !== undefined) judgements.push(judgeThreshold(name, figureValues(current, name), limit, confidence, seed));
  }
  if (baseline) {
    for (const name of FIGURE_NAMES) {
      const j = judgeBaseline(name, figureValues(baseline, name), figureValues(current, name), input, confidence, seed);
      if (j) judgements.push(j);
    }
    if (baseline.scenario.name !== current.scenario.name) notes.push(`The baseline was saved from scenario "${baseline.scenario.name}", the current runs are "${current.scenario.name}" (allowed by --allow-scenario-mismatch).`);
    else if (!sameJson(baseline.scenario.params, current.scenario.params)) notes.push(`The params differ: baseline ${JSON.stringify(baseline.scenario.params)}, current ${JSON.stringify(current.scenario.params)}.`);
    if (!sameJson(baseline.window, current.window)) notes.push(`The windows differ: baseline ${baseline.window.warmupS} s warm-up + ${baseline.window.durationS} s, current ${current.window.warmupS} s + ${current.window.durationS} s.`);
    if (baseline.machine && current.machine && (baseline.machine.hostname !== current.machine.hostname || baseline.machine.cpuModel !== current.machine.cpuModel)) {
      notes.push(`The baseline was measured on another machine (${baseline.machine.hostname}, ${baseline.machine.cpuModel}); CPU figures may not be comparable.`);
    }
    if (baseline.runs.length < 3 || current.runs.length < 3) notes.push(`With fewer than 3 runs per side (baseline ${baseline.runs.length}, current ${current.runs.length}) the interval cannot see the noise: use --repeat 3 or more.`);
  } else if (current.runs.length < 3 && judgements.length) {
    notes.push(`With ${current.runs.length} run(s) the interval cannot see the noise: use --repeat 3 or more.`);
  }
  const regressed = [...new Set(judgements.filter((j) => j.outcome === "regression").map((j) => j.figure))];
  const inconclusive = [...new Set(judgements.filter((j) => j.outcome === "inconclusive").map((j) => j.figure))];
  const outcome: Outcome = regressed.length ? "regression" : inconclusive.length ? "inconclusive" : "pass";
  return { outcome, regressed, inconclusive, judgements, scenario: current.scenario.name, baselineScenario: baseline?.scenario.name ?? null, confidence, notes };
}
