/**
 * The gate's decision: a pure function from (baseline set, current set, thresholds, limits) to a
 * verdict, so it is tested on fixture result sets without starting anything.
 *
 * Against a baseline, each figure gets a one-sided exact Mann–Whitney test of
 * (current − allowed increase) against the baseline: a small p says the current runs exceed the
 * baseline by more than the allowance, more often than chance reshuffling of the runs would.
 * Against a threshold, an exact sign test of the current runs against it. The p-values of all
 * figures are corrected together (Holm, family-wise alpha, default 0.05), so judging eight figures
 * does not multiply the false alarms by eight. Three outcomes per figure:
 * - regression: the test rejects at its Holm level;
 * - not enough evidence: the design cannot reach the level at all (too few runs: "run more"), or
 *   the change is beyond the allowance but its p is not small enough (it looks like a regression,
 *   the runs cannot show it);
 * - no regression: the change is within the allowance and the design could have shown one.
 * The exact test needs no random numbers: the same data always give the same verdict.
 */
import { holmRejects, rankSumTest, repeatsToReach, signRepeatsToReach, signTest } from "../stats/exact.js";
import { median } from "../stats/summary.js";
import { changeUnit, FIGURE_NAMES, FIGURES, formatValue, type FigureName } from "./figures.js";
import { allowedIncrease, describeAllowance, type Limits } from "./limits.js";
import { figureValues, type ResultSet } from "./result-set.js";

export type Outcome = "no-regression" | "regression" | "not-enough-evidence";
export type Thresholds = Partial<Record<FigureName, number>>;
/**
 * interleaved: base and head measured alternately in this job; saved-baseline: a result set from a
 * file; thresholds: no baseline; readings: saved results on both sides, no scenario (`harness check
 * --current <result>... --baseline <result>...`, e.g. two `harness attach` readings of a production worker)
 */
export type GateMode = "interleaved" | "saved-baseline" | "thresholds" | "readings";

export const DEFAULT_ALPHA = 0.05;
/** The most runs "run more" ever suggests. */
const MAX_REPEAT = 1000;

export interface SetStats {
  n: number;
  median: number;
  min: number;
  max: number;
}

export interface FigureTest {
  method: string;
  /** one-sided p-value */
  p: number;
  /** the smallest p this number of runs can give */
  minP: number;
  /** the level this figure's p is first compared with: alpha / (figures tested) */
  level: number;
  /** whether Holm's procedure rejected "no regression beyond the allowance" */
  rejected: boolean;
}

export interface FigureJudgement {
  figure: FigureName;
  /** readings: the process (matched by role and name on both sides) this figure is of; absent for a run-level figure */
  process?: string;
  label: string;
  counted: boolean;
  against: "threshold" | "baseline";
  baseline: SetStats | null;
  current: SetStats | null;
  /** baseline: median(current) − median(baseline); threshold: median(current) */
  change: number | null;
  /** the largest increase (baseline) or value (threshold) allowed, in the figure's unit */
  limit: number | null;
  limitText: string;
  test: FigureTest | null;
  outcome: Outcome;
  why: string;
  /** runs per side that would let this figure be judged, when it is not enough evidence */
  runMore: number | null;
}

export interface Verdict {
  outcome: Outcome;
  regressed: FigureName[];
  /** figures judged "not enough evidence" */
  unsure: FigureName[];
  judgements: FigureJudgement[];
  scenario: string;
  baselineScenario: string | null;
  mode: GateMode;
  alpha: number;
  /** --repeat to pass to settle the figures that are not enough evidence (null when none) */
  runMore: number | null;
  /** the --set overrides of the current runs and of the baseline */
  overrides: { current: string[]; baseline: string[] | null };
  notes: string[];
}

export interface GateInput {
  current: ResultSet;
  baseline?: ResultSet | null;
  thresholds?: Thresholds;
  limits: Limits;
  /** family-wise false-alarm level over all figures (default 0.05) */
  alpha?: number;
  /** how the baseline was obtained (default: saved-baseline with a baseline, thresholds without) */
  mode?: GateMode;
}

function stats(values: number[]): SetStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { n: values.length, median: median(values), min: sorted[0] as number, max: sorted.at(-1) as number };
}

/** A judgement before the Holm step: its p-value, or why it has none. */
interface Pending {
  /** what one measurement of a side is called in the reasons: "run(s)", or "reading(s)" */
  noun?: string;
  j: Omit<FigureJudgement, "outcome" | "why" | "runMore" | "test"> & { test: Omit<FigureTest, "level" | "rejected"> | null };
  /** runs per side that make the smallest p reach a level */
  repeatsFor: (level: number) => number;
  /** set when there is nothing to test */
  fixed?: { outcome: Outcome; why: string };
}

function pendingThreshold(name: FigureName, values: number[], limit: number): Pending {
  const info = FIGURES[name];
  const base = { figure: name, label: info.label, counted: info.counted, against: "threshold" as const, baseline: null, limit, limitText: `≤ ${limit}${info.unit}` };
  const current = stats(values);
  if (!current) {
    return { j: { ...base, current, change: null, test: null }, repeatsFor: () => 0, fixed: { outcome: "not-enough-evidence", why: "not measured in any current run (no metrics endpoint, or no process of that role)" } };
  }
  const t = signTest(values, limit);
  return { j: { ...base, current, change: current.median, test: { method: "exact sign test, one-sided", p: t.p, minP: t.minP } }, repeatsFor: signRepeatsToReach };
}

/** One figure's values on both sides; `process` and `label` name a per-process figure (readings). */
export interface SeriesPair {
  figure: FigureName;
  process?: string;
  label?: string;
  before: number[];
  after: number[];
}

function pendingBaseline(pair: SeriesPair, limits: Limits, mode: GateMode): Pending | null {
  const { figure: name, before, after } = pair;
  const info = FIGURES[name];
  const baseline = stats(before);
  const current = stats(after);
  const base = { figure: name, ...(pair.process !== undefined ? { process: pair.process } : {}), label: pair.label ?? info.label, counted: info.counted, against: "baseline" as const, baseline, current };
  if (!baseline) return null; // not in the baseline (not measured there, or a file older than the figure): nothing to compare with
  if (!current) {
    return {
      j: { ...base, change: null, limit: null, limitText: "", test: null },
      repeatsFor: () => 0,
      fixed: { outcome: "not-enough-evidence", why: mode === "readings" ? "measured in the baseline readings but in no current one" : "measured in the baseline but in no current run (a metrics endpoint or wire reading lost?)" },
    };
  }
  const allowance = limits[name];
  const limit = allowedIncrease(allowance, baseline.median);
  const t = rankSumTest(before, after.map((v) => v - limit), "greater");
  const b = before.length;
  return {
    ...(mode === "readings" ? { noun: "reading(s)" } : {}),
    j: { ...base, change: current.median - baseline.median, limit, limitText: describeAllowance(name, allowance, baseline.median), test: { method: `Mann–Whitney U = ${t.u} (${t.method}), one-sided`, p: t.p, minP: t.minP } },
    // readings: how many a side a new pair of readings needs (the baseline readings are past: they cannot be added to)
    repeatsFor: (level) => (mode === "interleaved" || mode === "readings" ? repeatsToReach(level, undefined, MAX_REPEAT) : repeatsToReach(level, b, MAX_REPEAT)),
  };
}

function fmtP(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

function signed(name: FigureName, v: number): string {
  return `${v >= 0 ? "+" : ""}${formatValue(name, v)}${changeUnit(name)}`;
}

function settle(p: Pending, level: number, rejected: boolean): FigureJudgement {
  if (p.fixed || !p.j.test || p.j.change === null || p.j.limit === null) {
    return { ...p.j, test: null, outcome: p.fixed?.outcome ?? "not-enough-evidence", why: p.fixed?.why ?? "no test", runMore: null };
  }
  const test: FigureTest = { ...p.j.test, level, rejected };
  const { figure } = p.j;
  const n = p.j.current?.n ?? 0;
  const pText = `p = ${fmtP(test.p)}, level ${fmtP(level)}`;
  const over = p.j.change > p.j.limit;
  const what = p.j.against === "baseline" ? `the change ${signed(figure, p.j.change)}` : `the median ${formatValue(figure, p.j.change)}${FIGURES[figure].unit}`;
  const allowed = p.j.against === "baseline" ? `the allowed +${formatValue(figure, p.j.limit)}${changeUnit(figure)}` : `the threshold ${p.j.limit}${FIGURES[figure].unit}`;
  if (rejected) return { ...p.j, test, outcome: "regression", why: `${what} exceeds ${allowed} beyond chance (${pText})`, runMore: null };
  if (test.minP > level) {
    const need = p.repeatsFor(level);
    return {
      ...p.j,
      test,
      outcome: "not-enough-evidence",
      why: `${n} ${p.noun ?? "run(s)"} cannot show a regression: the smallest p they can give is ${fmtP(test.minP)}, above the level ${fmtP(level)}`,
      runMore: Number.isFinite(need) ? need : null,
    };
  }
  if (over) {
    return { ...p.j, test, outcome: "not-enough-evidence", why: `${what} is beyond ${allowed}, but not beyond chance (${pText}): more ${p.noun === "reading(s)" ? "readings" : "runs"} can tell`, runMore: Math.min(MAX_REPEAT, Math.max(n * 2, n + 1)) };
  }
  return { ...p.j, test, outcome: "no-regression", why: `${what} is within ${allowed} (${pText})`, runMore: null };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The Holm step over every pending figure, then each figure's outcome and the verdict's. */
function conclude(pending: Pending[], alpha: number): Pick<Verdict, "outcome" | "regressed" | "unsure" | "judgements" | "runMore"> {
  const tested = pending.filter((p) => !p.fixed && p.j.test);
  const level = tested.length ? alpha / tested.length : alpha;
  const rejects = holmRejects(
    tested.map((p) => (p.j.test as { p: number }).p),
    alpha,
  );
  const judgements = pending.map((p) => {
    const i = tested.indexOf(p);
    return settle(p, level, i >= 0 && rejects[i] === true);
  });
  const regressed = [...new Set(judgements.filter((j) => j.outcome === "regression").map((j) => j.figure))];
  const unsure = [...new Set(judgements.filter((j) => j.outcome === "not-enough-evidence").map((j) => j.figure))];
  const outcome: Outcome = regressed.length ? "regression" : unsure.length ? "not-enough-evidence" : "no-regression";
  const more = judgements.map((j) => j.runMore).filter((n): n is number => n !== null);
  const runMore = outcome === "not-enough-evidence" && more.length ? Math.max(...more) : null;
  return { outcome, regressed, unsure, judgements, runMore };
}

export function decide(input: GateInput): Verdict {
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const { current, baseline } = input;
  const mode: GateMode = input.mode ?? (baseline ? "saved-baseline" : "thresholds");
  const pending: Pending[] = [];
  const notes: string[] = [];
  for (const name of FIGURE_NAMES) {
    const limit = input.thresholds?.[name];
    if (limit !== undefined) pending.push(pendingThreshold(name, figureValues(current, name), limit));
  }
  if (baseline) {
    for (const name of FIGURE_NAMES) {
      const p = pendingBaseline({ figure: name, before: figureValues(baseline, name), after: figureValues(current, name) }, input.limits, mode);
      if (p) pending.push(p);
    }
  }
  const concluded = conclude(pending, alpha);

  const overrides = { current: current.overrides ?? [], baseline: baseline ? (baseline.overrides ?? null) : null };
  if (baseline) {
    if (mode === "saved-baseline") {
      notes.push(
        `Not interleaved: the baseline was measured ${baseline.createdAt} (${baseline.runs.length} run(s)) and the current runs now, in separate blocks, so a drift of the machine between them (other load, CPU frequency) is invisible to the test and can read as a change. Measure both in one job: --baseline-set / --baseline-scenario.`,
      );
    }
    if (baseline.scenario.name !== current.scenario.name) notes.push(`The baseline was measured from scenario "${baseline.scenario.name}", the current runs from "${current.scenario.name}".`);
    else if (!sameJson(baseline.scenario.params, current.scenario.params)) notes.push(`The params differ: baseline ${JSON.stringify(baseline.scenario.params)}, current ${JSON.stringify(current.scenario.params)}.`);
    if (!sameJson(overrides.current, overrides.baseline ?? [])) {
      const b = overrides.baseline === null ? "not recorded (an older file)" : overrides.baseline.length ? overrides.baseline.map((s) => `--set ${s}`).join(" ") : "none";
      notes.push(`Overrides: current runs ${overrides.current.length ? overrides.current.map((s) => `--set ${s}`).join(" ") : "none"}; baseline ${b}.`);
    }
    if (!sameJson(baseline.window, current.window)) notes.push(`The windows differ: baseline ${baseline.window.warmupS} s warm-up + ${baseline.window.durationS} s, current ${current.window.warmupS} s + ${current.window.durationS} s.`);
    if (baseline.machine && current.machine && (baseline.machine.hostname !== current.machine.hostname || baseline.machine.cpuModel !== current.machine.cpuModel)) {
      notes.push(`The baseline was measured on another machine (${baseline.machine.hostname}, ${baseline.machine.cpuModel}); CPU figures may not be comparable.`);
    }
  } else if (current.overrides?.length) {
    notes.push(`Overrides: ${current.overrides.map((s) => `--set ${s}`).join(" ")}.`);
  }
  return { ...concluded, scenario: current.scenario.name, baselineScenario: baseline?.scenario.name ?? null, mode, alpha, overrides, notes };
}

export interface ReadingsInput {
  /** figures of both sides, per process (matched by role and name) or run-level */
  pairs: SeriesPair[];
  limits: Limits;
  alpha?: number;
  /** scenario names of the two sides (`attach` for an attach reading) */
  scenario: string;
  baselineScenario: string;
  notes: string[];
}

/**
 * Two sides of saved readings, no scenario: the same tests, Holm step and outcomes as decide(), over
 * the figure pairs both sides have. One reading a side gives a smallest p of 1/2: not enough
 * evidence, never a variance made up from one value.
 */
export function decideReadings(input: ReadingsInput): Verdict {
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const pending = input.pairs.map((pair) => pendingBaseline(pair, input.limits, "readings")).filter((p): p is Pending => p !== null);
  const concluded = conclude(pending, alpha);
  const notes = [...input.notes];
  // figures to compare, but none that the baseline readings had: nothing was judged, not a pass (no
  // pairs at all means every figure was 0 on both sides, which readings.ts notes: nothing increased)
  if (!pending.length && input.pairs.length) {
    concluded.outcome = "not-enough-evidence";
    notes.push("no figure could be judged: none was measured in the baseline readings");
  }
  return { ...concluded, scenario: input.scenario, baselineScenario: input.baselineScenario, mode: "readings", alpha, overrides: { current: [], baseline: null }, notes };
}
