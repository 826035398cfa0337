/** The gate's markdown summary: a pure function from a verdict to text (stdout, $GITHUB_STEP_SUMMARY). */
import { cell } from "../report/escape.js";
import { table } from "../report/format.js";
import { FIGURES, formatValue, type FigureName } from "./figures.js";
import type { FigureJudgement, SetStats, Verdict } from "./decide.js";

const WORD: Record<Verdict["outcome"], string> = { pass: "PASS", regression: "REGRESSION", inconclusive: "INCONCLUSIVE" };

function unit(name: FigureName): string {
  return FIGURES[name].unit === "%" ? "%" : FIGURES[name].unit;
}

function setCell(name: FigureName, s: SetStats | null): string {
  if (!s) return "—";
  const v = `${formatValue(name, s.median)}${unit(name)}`;
  return s.n > 1 ? `${v} (${formatValue(name, s.min)}–${formatValue(name, s.max)}, n=${s.n})` : `${v} (n=1)`;
}

function differenceCell(j: FigureJudgement): string {
  if (j.against !== "baseline" || !j.baseline || !j.current || !j.interval) return "—";
  const d = j.interval.estimate;
  const u = FIGURES[j.figure].kind === "cpu" ? " pp" : unit(j.figure);
  const rel = j.baseline.median !== 0 ? ` (${d >= 0 ? "+" : ""}${((d / j.baseline.median) * 100).toFixed(0)}%)` : "";
  return `${d >= 0 ? "+" : ""}${formatValue(j.figure, d)}${u}${rel}`;
}

function outcomeCell(j: FigureJudgement): string {
  return j.outcome === "regression" ? "**regression**" : j.outcome;
}

export function verdictHeadline(v: Verdict): string {
  const against = v.baselineScenario ? ` against the baseline of ${v.baselineScenario}` : "";
  if (v.outcome === "pass") return `${v.scenario}${against}: pass`;
  if (v.outcome === "regression") return `${v.scenario}${against}: regression in ${v.regressed.map((f) => FIGURES[f].label).join(", ")}`;
  return `${v.scenario}${against}: inconclusive (too noisy to judge ${v.inconclusive.map((f) => FIGURES[f].label).join(", ")})`;
}

export function renderGateMarkdown(v: Verdict, opts: { exitCode?: number; failOnInconclusive?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`## Idle-CPU gate: ${WORD[v.outcome]}: ${cell(v.scenario)}${v.baselineScenario ? ` vs baseline ${cell(v.baselineScenario)}` : ""}`);
  lines.push("");
  const exit = opts.exitCode !== undefined ? ` (exit ${opts.exitCode})` : "";
  if (v.outcome === "pass") lines.push(`**Verdict: pass**${exit}. No figure is above its limit.`);
  else if (v.outcome === "regression") lines.push(`**Verdict: regression**${exit}. Regressed: ${v.regressed.map((f) => `**${FIGURES[f].label}**`).join(", ")}.`);
  else lines.push(`**Verdict: inconclusive**${exit}. Too noisy to say for ${v.inconclusive.map((f) => FIGURES[f].label).join(", ")}${opts.failOnInconclusive ? " (--fail-on-inconclusive: this fails the check)" : "; pass --fail-on-inconclusive to fail on this"}.`);
  lines.push("");
  const rows = v.judgements.map((j) => [
    cell(j.label),
    j.against,
    setCell(j.figure, j.baseline),
    setCell(j.figure, j.current),
    differenceCell(j),
    cell(j.limitText || "—"),
    outcomeCell(j),
    cell(j.why),
  ]);
  lines.push(table(["Figure", "Against", "Baseline", "Current", "Difference", "Threshold", "Outcome", "Why"], rows, ["l", "l", "r", "r", "r", "r", "l", "l"]));
  lines.push("");
  lines.push(
    `Values are medians over the runs (min–max, n runs). A figure regresses when the whole ${Math.round(v.confidence * 100)}% bootstrap interval (of the change of medians against a baseline, of the median against a threshold) is beyond its limit, is inconclusive when the change (or median) is beyond the limit but the interval reaches back within it, and passes otherwise.`,
  );
  for (const n of v.notes) lines.push(`\n> ${cell(n)}`);
  return lines.join("\n") + "\n";
}

/** The JSON verdict of `--json`. */
export function gateJson(v: Verdict, exitCode: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ verdict: v.outcome, exitCode, headline: verdictHeadline(v), ...v, ...extra }, null, 2) + "\n";
}
