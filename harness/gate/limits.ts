/**
 * `--max-increase polls=10%,cpu=1pp`: how much each figure may grow over the baseline, and
 * `--floor polls=0.5`: the smallest increase ever called a regression, in the figure's unit, so a
 * relative limit on a tiny figure (10% of 0.2 polls/s) never fails CI over a change nobody pays
 * for. Keys are a kind (polls, wakeups, trips, perpoll, cpu) or one figure's name
 * (serverCpuPercent=0.5pp); a figure's own key wins over its kind. --max-increase values: `<n>pp`
 * percentage points (CPU only), `<n>%` percent of the baseline's median, `<n>` absolute in the
 * figure's unit. --floor values: `<n>` (or `<n>pp` for CPU) in the figure's unit.
 */
import { UsageError } from "../util/errors.js";
import { FIGURE_NAMES, FIGURES, KINDS, type FigureKind, type FigureName } from "./figures.js";

export type Allowance = { mode: "absolute"; value: number } | { mode: "relative"; percent: number; floor: number };
export type Limits = Record<FigureName, Allowance>;

/** Counts tightly; per-poll CPU and CPU % loosely: a 3 s window holds 300 clock ticks, so one tick moves CPU by 0.33 pp and CPU-ms per poll at 10 polls/s by 0.33 ms. */
export const DEFAULT_MAX_INCREASE = "polls=10%,wakeups=20%,trips=10%,perpoll=50%,cpu=1pp";
/** Increases too small to matter whatever the percentage says. */
export const DEFAULT_FLOOR = "polls=0.5,wakeups=5,trips=0.5,perpoll=0.05,cpu=0.5";

type Parsed = { mode: "absolute"; value: number } | { mode: "relative"; percent: number };

function parseAllowance(option: string, key: string, text: string, cpu: boolean, allowPercent: boolean): Parsed {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(pp|%)?\s*$/.exec(text);
  if (!m) throw new UsageError(`${option} ${key}: expected ${allowPercent ? "<n>pp, <n>% or <n>" : "<n> (or <n>pp for CPU)"}, got "${text}"`);
  const n = Number(m[1]);
  if (m[2] === "pp") {
    if (!cpu) throw new UsageError(`${option} ${key}: "pp" (percentage points) applies to CPU figures only; use ${allowPercent ? "<n>% or " : ""}an absolute <n>`);
    return { mode: "absolute", value: n };
  }
  if (m[2] === "%") {
    if (!allowPercent) throw new UsageError(`${option} ${key}: a floor is an amount in the figure's unit, not a percentage`);
    return { mode: "relative", percent: n };
  }
  return { mode: "absolute", value: n };
}

function parseLists(option: string, specs: string[], allowPercent: boolean): Record<FigureName, Parsed> {
  const byKind = new Map<FigureKind, Parsed>();
  const byFigure = new Map<FigureName, Parsed>();
  for (const spec of specs) {
    for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new UsageError(`${option}: expected key=value pairs like ${allowPercent ? DEFAULT_MAX_INCREASE : DEFAULT_FLOOR}, got "${part}"`);
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1);
      if ((KINDS as readonly string[]).includes(key)) byKind.set(key as FigureKind, parseAllowance(option, key, value, key === "cpu", allowPercent));
      else if ((FIGURE_NAMES as readonly string[]).includes(key)) byFigure.set(key as FigureName, parseAllowance(option, key, value, FIGURES[key as FigureName].kind === "cpu", allowPercent));
      else throw new UsageError(`${option}: unknown key "${key}"; expected one of ${[...KINDS, ...FIGURE_NAMES].join(", ")}`);
    }
  }
  const out = {} as Record<FigureName, Parsed>;
  for (const name of FIGURE_NAMES) out[name] = byFigure.get(name) ?? (byKind.get(FIGURES[name].kind) as Parsed);
  return out;
}

/** Parse --max-increase and --floor lists over the defaults. */
export function parseLimits(maxIncrease: string[] = [], floors: string[] = []): Limits {
  const inc = parseLists("--max-increase", [DEFAULT_MAX_INCREASE, ...maxIncrease], true);
  const flo = parseLists("--floor", [DEFAULT_FLOOR, ...floors], false);
  const out = {} as Limits;
  for (const name of FIGURE_NAMES) {
    const a = inc[name];
    const f = flo[name];
    out[name] = a.mode === "absolute" ? a : { mode: "relative", percent: a.percent, floor: f.mode === "absolute" ? f.value : 0 };
  }
  return out;
}

/** The allowed increase in the figure's unit, given the baseline's median: a percentage never below its floor. */
export function allowedIncrease(a: Allowance, baselineMedian: number): number {
  return a.mode === "absolute" ? a.value : Math.max((Math.abs(baselineMedian) * a.percent) / 100, a.floor);
}

export function describeAllowance(name: FigureName, a: Allowance, baselineMedian: number): string {
  const d = FIGURES[name].digits;
  const unit = FIGURES[name].kind === "cpu" ? " pp" : FIGURES[name].unit;
  if (a.mode === "absolute") return `+${a.value}${unit}`;
  const rel = (Math.abs(baselineMedian) * a.percent) / 100;
  if (rel < a.floor) return `+${a.floor}${unit} (floor; ${a.percent}% would be +${rel.toFixed(d)})`;
  return `+${a.percent}% (+${rel.toFixed(d)}${unit})`;
}
