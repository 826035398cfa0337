/**
 * `--max-increase cpu=1pp,polls=10%,wakeups=20%`: how much each figure may grow over the baseline.
 * Keys are a kind (cpu, polls, wakeups) or one figure's name (serverCpuPercent=0.5pp); a figure's
 * own key wins over its kind. Values: `<n>pp` percentage points (CPU only), `<n>%` percent of the
 * baseline's median, `<n>` absolute in the figure's unit.
 */
import { UsageError } from "../util/errors.js";
import { FIGURE_NAMES, FIGURES, type FigureKind, type FigureName } from "./figures.js";

export type Allowance = { mode: "absolute"; value: number } | { mode: "relative"; percent: number };
export type Limits = Record<FigureName, Allowance>;

/** CPU loosely (a reading wanders by about a percent on a shared runner), counts tightly. */
export const DEFAULT_MAX_INCREASE = "cpu=1pp,polls=10%,wakeups=20%";

const KINDS: FigureKind[] = ["cpu", "polls", "wakeups"];

function parseAllowance(key: string, text: string, cpu: boolean): Allowance {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(pp|%)?\s*$/.exec(text);
  if (!m) throw new UsageError(`--max-increase ${key}: expected <n>pp, <n>% or <n>, got "${text}"`);
  const n = Number(m[1]);
  if (m[2] === "pp") {
    if (!cpu) throw new UsageError(`--max-increase ${key}: "pp" (percentage points) applies to CPU figures only; use <n>% or an absolute <n>`);
    return { mode: "absolute", value: n };
  }
  if (m[2] === "%") return { mode: "relative", percent: n };
  return { mode: "absolute", value: n };
}

/** Parse one or more comma-separated lists over the defaults. */
export function parseLimits(specs: string[] = []): Limits {
  const byKind = new Map<FigureKind, Allowance>();
  const byFigure = new Map<FigureName, Allowance>();
  for (const spec of [DEFAULT_MAX_INCREASE, ...specs]) {
    for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new UsageError(`--max-increase: expected key=value pairs like ${DEFAULT_MAX_INCREASE}, got "${part}"`);
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1);
      if ((KINDS as string[]).includes(key)) byKind.set(key as FigureKind, parseAllowance(key, value, key === "cpu"));
      else if ((FIGURE_NAMES as readonly string[]).includes(key)) byFigure.set(key as FigureName, parseAllowance(key, value, FIGURES[key as FigureName].kind === "cpu"));
      else throw new UsageError(`--max-increase: unknown key "${key}"; expected one of ${[...KINDS, ...FIGURE_NAMES].join(", ")}`);
    }
  }
  const out = {} as Limits;
  for (const name of FIGURE_NAMES) out[name] = byFigure.get(name) ?? (byKind.get(FIGURES[name].kind) as Allowance);
  return out;
}

/** The allowed increase in the figure's unit, given the baseline's median. */
export function allowedIncrease(a: Allowance, baselineMedian: number): number {
  return a.mode === "absolute" ? a.value : (Math.abs(baselineMedian) * a.percent) / 100;
}

export function describeAllowance(name: FigureName, a: Allowance, baselineMedian: number): string {
  const d = FIGURES[name].digits;
  if (a.mode === "absolute") return FIGURES[name].kind === "cpu" ? `+${a.value} pp` : `+${a.value}${FIGURES[name].unit}`;
  return `+${a.percent}% (+${allowedIncrease(a, baselineMedian).toFixed(d)}${FIGURES[name].unit === "%" ? " pp" : FIGURES[name].unit})`;
}
