/** The gate's markdown summary: a pure function from a verdict to text (stdout, $GITHUB_STEP_SUMMARY). */
import { cell } from "../report/escape.js";
import { table } from "../report/format.js";
import { binomial } from "../stats/exact.js";
import { changeUnit, FIGURES, formatValue, type FigureName } from "./figures.js";
import type { FigureJudgement, SetStats, Verdict } from "./decide.js";

const WORD: Record<Verdict["outcome"], string> = { "no-regression": "NO REGRESSION", regression: "REGRESSION", "not-enough-evidence": "NOT ENOUGH EVIDENCE" };
const OUTCOME_CELL: Record<Verdict["outcome"], string> = { "no-regression": "no regression", regression: "**regression**", "not-enough-evidence": "not enough evidence" };

function setCell(name: FigureName, s: SetStats | null): string {
  if (!s) return "—";
  const u = FIGURES[name].unit;
  const v = `${formatValue(name, s.median)}${u}`;
  return s.n > 1 ? `${v} (${formatValue(name, s.min)}–${formatValue(name, s.max)}, n=${s.n})` : `${v} (n=1)`;
}

function changeCell(j: FigureJudgement): string {
  if (j.against !== "baseline" || !j.baseline || j.change === null) return "—";
  const d = j.change;
  const rel = j.baseline.median !== 0 ? ` (${d >= 0 ? "+" : ""}${((d / j.baseline.median) * 100).toFixed(0)}%)` : "";
  return `${d >= 0 ? "+" : ""}${formatValue(j.figure, d)}${changeUnit(j.figure)}${rel}`;
}

function p(v: number): string {
  return v >= 0.001 ? v.toFixed(3) : v.toExponential(1);
}

/** The figures with an outcome, by their judgements' labels (a per-process figure names its process). */
const names = (v: Verdict, outcome: FigureJudgement["outcome"]): string => [...new Set(v.judgements.filter((j) => j.outcome === outcome).map((j) => j.label))].join(", ");

/** What to do when the runs were too few: another --repeat, or (readings) more readings a side. */
function runMoreText(v: Verdict): string {
  if (v.runMore === null) return "";
  return v.mode === "readings" ? `take ${v.runMore} readings a side` : `--repeat ${v.runMore}`;
}

export function verdictHeadline(v: Verdict): string {
  const subject = v.mode === "readings" ? `${v.scenario} readings` : v.scenario;
  const against = v.mode === "readings" ? ` against the ${v.baselineScenario ?? ""} baseline readings` : v.baselineScenario ? ` against ${v.mode === "interleaved" ? "the interleaved base" : "the baseline"} of ${v.baselineScenario}` : "";
  if (v.outcome === "no-regression") return `${subject}${against}: no regression`;
  if (v.outcome === "regression") return `${subject}${against}: regression in ${names(v, "regression")}`;
  const more = v.mode === "readings" ? ` (${runMoreText(v)})` : ` (run more: ${runMoreText(v)})`;
  return `${subject}${against}: not enough evidence for ${names(v, "not-enough-evidence")}${v.runMore !== null ? more : ""}`;
}

function modeSentence(v: Verdict): string {
  const first = v.judgements.find((j) => j.against === "baseline" && j.baseline && j.current);
  const sizes = first ? `${first.baseline?.n} base and ${first.current?.n} current ${v.mode === "readings" ? "readings" : "runs"}` : "";
  if (v.mode === "interleaved") return `Interleaved: base and head measured in this job, alternately (A B B A A B ...), ${sizes}; a drift of the machine falls on both sides alike.`;
  if (v.mode === "readings") {
    return `Saved readings, **not interleaved** (${sizes || "no figure on both sides"}): measured at different times, so a change in what the processes were doing between them (their traffic, other load on the machine) reads as a change of the figures; the test cannot tell the two apart.`;
  }
  if (v.mode === "saved-baseline") return `Saved baseline, **not interleaved**: measured in a separate block before this job (${sizes}), so drift between the two blocks is invisible to the test.`;
  return "Against the scenario's thresholds (no baseline).";
}

export function renderGateMarkdown(v: Verdict, opts: { exitCode?: number; failOnInconclusive?: boolean } = {}): string {
  const lines: string[] = [];
  const vs = v.mode === "readings" ? " readings vs baseline readings" : v.baselineScenario ? ` vs ${v.mode === "interleaved" ? "base" : "baseline"} ${cell(v.baselineScenario)}` : "";
  lines.push(`## Idle-CPU gate: ${WORD[v.outcome]}: ${cell(v.scenario)}${vs}`);
  lines.push("");
  const exit = opts.exitCode !== undefined ? ` (exit ${opts.exitCode})` : "";
  if (v.outcome === "no-regression") lines.push(`**Verdict: no regression**${exit}. No figure exceeds its allowance beyond chance, and the runs were enough to show one.`);
  else if (v.outcome === "regression") lines.push(`**Verdict: regression**${exit}. Regressed: ${[...new Set(v.judgements.filter((j) => j.outcome === "regression").map((j) => `**${cell(j.label)}**`))].join(", ")}.`);
  else {
    const more = v.runMore !== null ? (v.mode === "readings" ? ` More readings: ${runMoreText(v)}.` : ` Run more: \`${runMoreText(v)}\`.`) : "";
    lines.push(
      `**Verdict: not enough evidence**${exit} for ${cell(names(v, "not-enough-evidence"))}${opts.failOnInconclusive ? " (--fail-on-inconclusive: this fails the check)" : "; pass --fail-on-inconclusive to fail on this"}.${more}`,
    );
  }
  lines.push("");
  lines.push(modeSentence(v));
  lines.push("");
  const rows = v.judgements.map((j) => [
    cell(j.label),
    j.against,
    setCell(j.figure, j.baseline),
    setCell(j.figure, j.current),
    changeCell(j),
    cell(j.limitText || "—"),
    j.test ? p(j.test.p) : "—",
    j.test ? p(j.test.minP) : "—",
    OUTCOME_CELL[j.outcome],
    cell(j.why),
  ]);
  lines.push(table(["Figure", "Against", "Baseline", "Current", "Change", "Allowed", "p", "Smallest p", "Outcome", "Why"], rows, ["l", "l", "r", "r", "r", "r", "r", "r", "l", "l"]));
  lines.push("");
  const tested = v.judgements.filter((j) => j.test);
  const level = tested[0]?.test?.level ?? v.alpha;
  const example = v.judgements.find((j) => j.against === "baseline" && j.baseline && j.current);
  const minExample = example?.baseline && example.current ? ` (${example.current.n} vs ${example.baseline.n} runs: 1/C(${example.current.n + example.baseline.n},${example.current.n}) = ${p(1 / binomial(example.current.n + example.baseline.n, example.current.n))})` : "";
  lines.push(
    `Counted figures first (polls, empty polls, voluntary wake-ups, round trips, CPU-ms per poll), CPU % last. Values are medians over the runs (min–max, n). Against a baseline each figure gets a one-sided exact Mann–Whitney test of (current − allowed increase) against the baseline; against a threshold, an exact sign test. The ${tested.length} p-values are corrected together (Holm, family-wise α = ${v.alpha}): the smallest is compared with α/${tested.length} = ${p(level)}, so a figure needs its smallest reachable p${minExample} at or below that to be judged at all. **regression**: rejected at its Holm level; **not enough evidence**: too few runs to reach the level, or beyond the allowance but not beyond chance; **no regression**: within the allowance, and the runs could have shown one.`,
  );
  for (const n of v.notes) lines.push(`\n> ${cell(n)}`);
  return lines.join("\n") + "\n";
}

/** The JSON verdict of `--json`. */
export function gateJson(v: Verdict, exitCode: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ verdict: v.outcome, exitCode, headline: verdictHeadline(v), ...v, ...extra }, null, 2) + "\n";
}
