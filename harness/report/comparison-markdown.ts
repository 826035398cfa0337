/**
 * comparison.md: a pure function from a Comparison to markdown, in the seeds' shapes: the sweep
 * (`Interval | Polls/sec | Server CPU | Worker CPU | Notes`), the before/after with its Reduction
 * row, and the strategy matrix. Cells are "median (min–max)" over the repeats; a difference whose
 * ranges overlap is called within noise, never a win.
 */
import { ratioRange } from "../analyze/histogram.js";
import type { BucketSpan, Comparison, Condition } from "../compare/comparison-types.js";
import { reduction, withinNoise, type Summary } from "../stats/summary.js";
import { cell, code } from "./escape.js";
import { bucketRangeMs, edgeMs, ms, num, pct, ratioRangeText, table } from "./format.js";

export interface ComparisonReportOptions {
  title?: string;
  /** the harness command that produced the comparison, shown under the title */
  command?: string;
  /** relative path of the bar chart SVG, if one was written */
  chartSvg?: string;
}

type Fmt = (x: number) => string;
const fPct: Fmt = (x) => pct(x, 1);
const fShare: Fmt = (x) => pct(x * 100, x >= 0.995 || x === 0 ? 0 : 1);
const fNum: Fmt = (x) => num(x, 1);
const fMs: Fmt = (x) => ms(x);
const fDay: Fmt = (x) => num(x, 0);

/** "1.0–2.0%" from "1.0%" and "2.0%": the unit once; " to " when a negative sign would blur the dash. */
export function rangeText(lo: string, hi: string): string {
  const unit = /[^\d]*$/.exec(hi)?.[0] ?? "";
  const loBare = unit && lo.endsWith(unit) ? lo.slice(0, lo.length - unit.length) : lo;
  return `${loBare}${lo.startsWith("-") || hi.startsWith("-") ? " to " : "–"}${hi}`;
}

/** "24.5%" for one run, "24.5% (23.6–25.1%)" over repeats. */
export function summaryCell(s: Summary | null, f: Fmt): string {
  if (!s) return "–";
  if (s.n < 2 || s.min === s.max) return f(s.median);
  return `${f(s.median)} (${rangeText(f(s.min), f(s.max))})`;
}

/**
 * A histogram-derived figure over the runs: "≈ 58.3 ms (bucket 50–75 ms)", with the min–max over
 * repeats when there are several; "> 60 s" when every run's quantile was in the +Inf bucket.
 */
export function histogramCell(s: Summary | null, span?: BucketSpan | null): string {
  if (!s) return "–";
  if (span && span.aboveTop > 0 && span.aboveTop === span.n) return `> ${edgeMs(span.lo)}`;
  const base = `≈ ${summaryCell(s, fMs)}`;
  if (!span) return base;
  if (span.hi === null) return `${base} (${span.aboveTop} of ${span.n} runs above the top bucket: those count as its edge)`;
  return `${base} (bucket ${bucketRangeMs(span)})`;
}

/**
 * The ratio b / a of two histogram-derived figures, as the range their bucket edges allow:
 * "≈ ×0.05 (buckets allow 0.027x–0.1x)". A figure in the +Inf bucket is not a number, so only
 * the range is given then. Without recorded edges: the ratio of the estimates, marked ≈.
 */
export function histogramRatio(a: Summary, aSpan: BucketSpan | null | undefined, b: Summary, bSpan: BucketSpan | null | undefined): string {
  const est = a.median > 0 ? `≈ ×${Number((b.median / a.median).toPrecision(2))}` : "";
  if (!aSpan || !bSpan) return est;
  const range = ratioRangeText(ratioRange({ lo: bSpan.lo, hi: bSpan.hi ?? Infinity }, { lo: aSpan.lo, hi: aSpan.hi ?? Infinity }));
  if (aSpan.aboveTop > 0 || bSpan.aboveTop > 0 || !est) return `×(${range}, from the bucket edges)`;
  return `${est} (buckets allow ${range})`;
}

function fmtReduction(r: { median: number; min: number; max: number } | null, ranged: boolean): string {
  if (!r) return "–";
  const p = (x: number): string => `${Math.round(x * 100)}%`;
  const body = ranged ? `${p(r.median)} (${rangeText(p(r.min), p(r.max))})` : p(r.median);
  return r.median >= 0 ? body : `${Math.round(-r.median * 100)}% more`;
}

function noiseWord(a: Summary | null, b: Summary | null): "within noise" | "outside noise" | "noise unknown" | null {
  if (!a || !b) return null;
  const w = withinNoise(a, b);
  return w === null ? "noise unknown" : w ? "within noise" : "outside noise";
}

/** "server ×0.98, worker ×1.02 vs 100: within noise". */
function versusNote(base: Condition, c: Condition): string {
  const parts: string[] = [];
  const words = new Set<string>();
  for (const [name, key] of [
    ["server", "serverCpu"],
    ["database", "databaseCpu"],
    ["worker", "workerCpu"],
  ] as const) {
    const a = base.figures[key] ?? null;
    const b = c.figures[key] ?? null;
    if (!a || !b) continue;
    const ratioText = a.median > 0 ? `×${(b.median / a.median).toFixed(2)}` : "";
    const w = noiseWord(a, b);
    if (w) words.add(w);
    parts.push(`${name} ${ratioText}${w === "within noise" || w === "outside noise" ? ` (${w})` : ""}`.trim());
  }
  const pa = base.figures.pickupP50Ms;
  const pb = c.figures.pickupP50Ms;
  if (pa && pb) {
    const r = histogramRatio(pa, base.figures.pickupP50BucketMs, pb, c.figures.pickupP50BucketMs);
    if (r) parts.push(`pickup p50 ${r}`);
  }
  if (!parts.length) return "";
  const suffix = words.has("noise unknown") ? "; single runs, noise unknown" : "";
  return `${parts.join(", ")} vs ${base.label}${suffix}`;
}

function conditionNotes(c: Condition): string[] {
  return c.notes;
}

export function sweepTable(c: Comparison): string {
  const key = c.sweepKey ?? "";
  const head = /interval/i.test(key) ? "Interval" : key;
  const base = c.conditions[0];
  const db = hasDatabase(c);
  return table(
    [cell(head), "Polls/sec", "Server CPU", ...(db ? ["Database CPU"] : []), "Worker CPU", "Notes"],
    c.conditions.map((k, i) => [
      cell(k.label),
      summaryCell(k.figures.pollsPerS, fNum),
      summaryCell(k.figures.serverCpu, fPct),
      ...(db ? [summaryCell(k.figures.databaseCpu ?? null, fPct)] : []),
      summaryCell(k.figures.workerCpu, fPct),
      cell([i === 0 || !base ? "baseline" : versusNote(base, k), ...conditionNotes(k)].filter(Boolean).join("; ")),
    ]),
    ["l", "r", "r", ...(db ? (["r"] as const) : []), "r", "l"],
  );
}

/** A database column only when some run had one (server.reference.store: postgres). */
function hasDatabase(c: Comparison): boolean {
  return c.conditions.some((k) => k.figures.databaseCpu);
}

/** `Condition | Server CPU | Worker CPU` and a Reduction row, for two conditions. */
export function beforeAfterTable(c: Comparison): string {
  const [before, after] = c.conditions;
  if (!before || !after) return "";
  const rows = [before, after].map((k) => [cell(k.label), summaryCell(k.figures.serverCpu, fPct), summaryCell(k.figures.workerCpu, fPct)]);
  const red = (key: "serverCpu" | "workerCpu"): string => {
    const a = before.figures[key];
    const b = after.figures[key];
    if (!a || !b) return "–";
    const r = reduction(a, b);
    const ranged = a.n > 1 || b.n > 1;
    const w = withinNoise(a, b);
    if (w === true) return `within noise: ${fmtReduction(r, ranged)}`;
    return `**${fmtReduction(r, ranged)}**`;
  };
  rows.push(["**Reduction**", red("serverCpu"), red("workerCpu")]);
  return table(["Condition", "Server CPU", "Worker CPU"], rows, ["l", "r", "r"]);
}

/** One row per condition: the figures a strategy is judged by. */
export function matrixTable(c: Comparison): string {
  // the wire column only when some result has wire evidence (older results do not)
  const wire = c.conditions.some((k) => k.figures.busiestConnectionRoundTripsPerS);
  const db = hasDatabase(c);
  // the wake-up column only when some result has wake-up counts
  const woken = c.conditions.some((k) => k.figures.busiestWakePairPerS);
  return table(
    ["Condition", "Server CPU", ...(db ? ["Database CPU"] : []), "Worker CPU", "Wake-ups/s", "Polls/s", ...(wire ? ["Round trips/s (busiest connection)"] : []), ...(woken ? ["Wake-ups/s (busiest pair)"] : []), "Empty polls", "Pickup p50", "Pickup p99", "Requests/day/worker", "Runs"],
    c.conditions.map((k) => [
      cell(k.label),
      summaryCell(k.figures.serverCpu, fPct),
      ...(db ? [summaryCell(k.figures.databaseCpu ?? null, fPct)] : []),
      summaryCell(k.figures.workerCpu, fPct),
      summaryCell(k.figures.wakeupsPerS, fNum),
      summaryCell(k.figures.pollsPerS, fNum),
      ...(wire ? [summaryCell(k.figures.busiestConnectionRoundTripsPerS ?? null, fNum)] : []),
      ...(woken ? [`${summaryCell(k.figures.busiestWakePairPerS ?? null, fNum)}${k.figures.busiestWakePair ? ` (${cell(k.figures.busiestWakePair)})` : ""}`] : []),
      summaryCell(k.figures.emptyPollShare, fShare),
      histogramCell(k.figures.pickupP50Ms, k.figures.pickupP50BucketMs),
      histogramCell(k.figures.pickupP99Ms, k.figures.pickupP99BucketMs),
      summaryCell(k.figures.requestsPerDayPerWorker, fDay),
      String(k.runs.length),
    ]),
    ["l", "r", ...(db ? (["r"] as const) : []), "r", "r", "r", ...(wire ? (["r"] as const) : []), ...(woken ? (["r"] as const) : []), "r", "r", "r", "r", "r"],
  );
}

/** Fan-out per condition, when any condition sent notifications. */
export function notificationTable(c: Comparison): string | null {
  if (!c.conditions.some((k) => (k.figures.notificationsPerS?.median ?? 0) > 0)) return null;
  const perJob = c.conditions.some((k) => k.figures.notificationsPerEnqueue);
  const f2: Fmt = (x) => num(x, 2);
  const db = hasDatabase(c);
  return table(
    ["Condition", "Notifications/s", "Polls triggered/s", "Triggered polls that found nothing/s", ...(perJob ? ["Notifications/job", "Wasted wake-ups/job"] : []), "Server CPU", ...(db ? ["Database CPU"] : []), "Worker CPU"],
    c.conditions.map((k) => [
      cell(k.label),
      summaryCell(k.figures.notificationsPerS, f2),
      summaryCell(k.figures.notifiedPollsPerS, f2),
      summaryCell(k.figures.notifiedEmptyPollsPerS, f2),
      ...(perJob ? [summaryCell(k.figures.notificationsPerEnqueue ?? null, fNum), summaryCell(k.figures.wastedWakeupsPerEnqueue ?? null, fNum)] : []),
      summaryCell(k.figures.serverCpu, fPct),
      ...(db ? [summaryCell(k.figures.databaseCpu ?? null, fPct)] : []),
      summaryCell(k.figures.workerCpu, fPct),
    ]),
    ["l", "r", "r", "r", ...(perJob ? (["r", "r"] as const) : []), "r", ...(db ? (["r"] as const) : []), "r"],
  );
}

/** The tables alone (what the terminal prints). */
/** "## Verdicts": across the runs first, then each run's (comparisons written before verdicts have none) */
export function verdictSection(c: Comparison): string[] {
  const v = c.verdicts;
  if (!v || (!v.sweep.length && !v.runs.length)) return [];
  const lines: string[] = [];
  for (const s of v.sweep) lines.push(`- **Across the runs**: ${cell(s.text)}`);
  for (const r of v.runs) {
    lines.push(`- **${cell(r.label)}**${r.status === "ok" ? "" : ` (${r.status})`}:`);
    for (const x of r.verdicts) lines.push(`  - ${cell(x.text)}`);
  }
  return ["## Verdicts", lines.join("\n")];
}

export function renderComparisonTables(c: Comparison): string {
  const out: string[] = [...verdictSection(c)];
  if (c.sweepKey) {
    out.push(`## Sweep over ${code(c.sweepKey)}`);
    out.push(sweepTable(c));
  }
  if (c.conditions.length === 2) {
    out.push("## Before / after");
    out.push(beforeAfterTable(c));
  }
  out.push(c.conditions.length > 1 ? "## Strategy matrix" : "## Figures");
  out.push(matrixTable(c));
  const n = notificationTable(c);
  if (n) {
    out.push("## Notification fan-out");
    out.push(n);
  }
  return out.join("\n\n");
}

export function renderComparisonMarkdown(c: Comparison, opts: ComparisonReportOptions = {}): string {
  const out: string[] = [];
  out.push(`# ${cell(opts.title ?? `Comparison: ${c.conditions.map((k) => k.label).join(" vs ")}`)}`);
  if (opts.command) out.push(`Command: ${code(opts.command)}`);
  const repeats = Math.max(0, ...c.conditions.map((k) => k.runs.length));
  out.push(
    [
      `${c.conditions.length} condition(s), ${c.conditions.reduce((a, k) => a + k.runs.length, 0)} run(s)${c.window ? `; each ${c.window.warmupS} s warm-up, ${c.window.durationS} s measured` : ""}${c.machine ? `; ${cell(c.machine)}` : ""}.`,
      repeats > 1
        ? "Cells are the median over the repeats with the min–max range in brackets. A difference whose ranges overlap is **within noise**, not a win."
        : "Single runs: no spread to judge noise by; repeat with `--repeat N` before calling a difference real.",
      "CPU is percent of one core (the unit of `ps %cpu`).",
    ].join(" "),
  );
  for (const p of c.problems) out.push(`> Note: ${cell(p)}`);
  out.push(renderComparisonTables(c));
  if (opts.chartSvg) out.push(`![Server and worker CPU per condition](${encodeURI(opts.chartSvg)})`);

  const notes = c.conditions.filter((k) => k.notes.length);
  if (notes.length) out.push(notes.map((k) => `- ${cell(k.label)}: ${k.notes.map(cell).join("; ")}`).join("\n"));

  out.push("## Runs");
  out.push(
    table(
      ["Condition", "Scenario", "Params", "Run folders"],
      c.conditions.map((k) => [
        cell(k.label),
        cell(k.scenario),
        Object.keys(k.params).length ? cell(Object.entries(k.params).map(([a, b]) => `${a}=${String(b)}`).join(", ")) : "–",
        k.runs.map((r) => `[${cell(r.path)}](${encodeURI(r.path)}/report.md)${r.status === "ok" ? "" : ` (${r.status})`}`).join(", "),
      ]),
    ),
  );
  return out.join("\n\n") + "\n";
}
