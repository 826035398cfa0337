/**
 * Gate quality: how often `harness check` cries wolf, and how often it catches a small real burn.
 * - A/A: the same scenario (fixed-backoff) as baseline and as current: any "regression" is a false alarm.
 * - A/B: B is fixed-backoff plus an extra poll loop at a fixed rate (`extra: fixed:50`, about 15
 *   more polls/s, which this benchmark measures the CPU cost of): a "regression" is a detection.
 * To fit in about 15 minutes, sets are run interleaved (A0 B0 A1 B1 ... A20) and pairs share
 * sets: A/A pair i is (A_i, A_i+1), A/B pair i is (A_i, B_i). Same settings as the README's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { collectResultSet } from "../harness/cli/check-command.js";
import { decide, type Verdict } from "../harness/gate/decide.js";
import { FIGURE_NAMES, FIGURES, formatValue, type FigureName } from "../harness/gate/figures.js";
import { DEFAULT_MAX_INCREASE, parseLimits } from "../harness/gate/limits.js";
import { figureValues, type ResultSet } from "../harness/gate/result-set.js";
import { median } from "../harness/stats/bootstrap.js";
import type { Benchmark, BenchOutput } from "./types.js";

/** The settings the README recommends for `harness check` in CI. */
export const GATE_SETTINGS = { repeat: 3, duration: 3, warmup: 1 };
const SCENARIO = "fixed-backoff";
const EXTRA_BURN = "workers.0.reference.loops.extra=fixed:50";

interface PairTally {
  pass: number;
  regression: number;
  inconclusive: number;
  /** per figure: how many pairs it regressed in, and was inconclusive in */
  byFigure: Record<FigureName, number>;
  inconclusiveByFigure: Record<FigureName, number>;
}

function tally(verdicts: Verdict[]): PairTally {
  const zero = (): Record<FigureName, number> => Object.fromEntries(FIGURE_NAMES.map((f) => [f, 0])) as Record<FigureName, number>;
  const t: PairTally = { pass: 0, regression: 0, inconclusive: 0, byFigure: zero(), inconclusiveByFigure: zero() };
  for (const v of verdicts) {
    t[v.outcome]++;
    for (const f of v.regressed) t.byFigure[f]++;
    for (const f of v.inconclusive) t.inconclusiveByFigure[f]++;
  }
  return t;
}

function allValues(sets: ResultSet[], f: FigureName): number[] {
  return sets.flatMap((s) => figureValues(s, f));
}

async function run(): Promise<BenchOutput> {
  const pairs = Number(process.env.GATE_BENCH_PAIRS ?? 20);
  const root = mkdtempSync(join(tmpdir(), "gate-quality-"));
  const limits = parseLimits([]);
  const a: ResultSet[] = [];
  const b: ResultSet[] = [];
  const setSeconds: number[] = [];
  const started = Date.now();
  const loadStart = loadavg();
  const opts = { ...GATE_SETTINGS, quiet: true };
  try {
    for (let i = 0; i <= pairs; i++) {
      let t0 = Date.now();
      a.push(await collectResultSet(SCENARIO, { ...opts, set: [], runsDir: join(root, `A${i}`) }));
      setSeconds.push((Date.now() - t0) / 1000);
      if (i < pairs) {
        t0 = Date.now();
        b.push(await collectResultSet(SCENARIO, { ...opts, set: [EXTRA_BURN], runsDir: join(root, `B${i}`) }));
        setSeconds.push((Date.now() - t0) / 1000);
      }
      process.stderr.write(`bench: gate-quality: ${i + 1}/${pairs + 1} rounds, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const t0 = Date.now();
  const aa = a.slice(0, pairs).map((base, i) => decide({ baseline: base, current: a[i + 1] as ResultSet, limits }));
  const ab = b.map((cur, i) => decide({ baseline: a[i] as ResultSet, current: cur, limits }));
  const decideMs = (Date.now() - t0) / (aa.length + ab.length);
  const taa = tally(aa);
  const tab = tally(ab);
  const cpuDetected = ab.filter((v) => v.regressed.some((f) => FIGURES[f].kind === "cpu")).length;
  const checkSeconds = median(setSeconds) + decideMs / 1000;
  const cost = Object.fromEntries(
    FIGURE_NAMES.map((f) => {
      const ma = median(allValues(a, f));
      const mb = median(allValues(b, f));
      return [f, { a: ma, b: mb, difference: mb - ma }];
    }),
  ) as Record<FigureName, { a: number; b: number; difference: number }>;
  const targetsMet = taa.regression <= Math.floor(pairs / 20) && tab.regression >= Math.ceil((pairs * 18) / 20);
  const totalS = (Date.now() - started) / 1000;
  const loadEnd = loadavg();
  const load = `load average (1/5/15 min) ${loadStart.map((x) => x.toFixed(1)).join("/")} at the start, ${loadEnd.map((x) => x.toFixed(1)).join("/")} at the end`;

  const md: string[] = [];
  md.push(`Settings (the README's): \`harness check ${SCENARIO} --baseline <A set> --repeat ${GATE_SETTINGS.repeat} --duration ${GATE_SETTINGS.duration} --warmup ${GATE_SETTINGS.warmup}\`, default \`--max-increase ${DEFAULT_MAX_INCREASE}\`, 95% bootstrap intervals.`);
  md.push(`B adds \`--set ${EXTRA_BURN}\` (a second poll loop sleeping 50 ms after each empty poll). ${pairs} A/A and ${pairs} A/B pairs from ${a.length} A sets and ${b.length} B sets run interleaved; pairs share sets (A/A pair i = A_i vs A_i+1, A/B pair i = A_i vs B_i). Total ${totalS.toFixed(0)} s.`);
  md.push("");
  md.push("| | pairs | pass | inconclusive | regression | rate |");
  md.push("| --- | ---: | ---: | ---: | ---: | --- |");
  md.push(`| A/A (no change) | ${pairs} | ${taa.pass} | ${taa.inconclusive} | ${taa.regression} | false alarms ${taa.regression}/${pairs} (target ≤ ${Math.floor(pairs / 20)}); with --fail-on-inconclusive ${taa.regression + taa.inconclusive}/${pairs} |`);
  md.push(`| A/B (small burn) | ${pairs} | ${tab.pass} | ${tab.inconclusive} | ${tab.regression} | detected ${tab.regression}/${pairs} (target ≥ ${Math.ceil((pairs * 18) / 20)}); by a CPU figure ${cpuDetected}/${pairs} |`);
  md.push("");
  md.push("Per figure: pairs where it regressed (inconclusive in brackets), and what the burn costs:");
  md.push("");
  md.push("| figure | A/A | A/B | median A | median B | cost of the burn (B - A) |");
  md.push("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const f of FIGURE_NAMES) {
    const c = cost[f];
    md.push(`| ${FIGURES[f].label} | ${taa.byFigure[f]} (${taa.inconclusiveByFigure[f]}) | ${tab.byFigure[f]} (${tab.inconclusiveByFigure[f]}) | ${formatValue(f, c.a)}${FIGURES[f].unit} | ${formatValue(f, c.b)}${FIGURES[f].unit} | ${c.difference >= 0 ? "+" : ""}${formatValue(f, c.difference)}${FIGURES[f].kind === "cpu" ? " pp" : FIGURES[f].unit} |`);
  }
  md.push("");
  md.push(`Run time per check: ${checkSeconds.toFixed(1)} s (median over ${setSeconds.length} sets of ${GATE_SETTINGS.repeat} runs; the decision itself takes ${decideMs.toFixed(1)} ms).`);
  md.push("");
  md.push(`Targets (≤ ${Math.floor(pairs / 20)} false alarm, ≥ ${Math.ceil((pairs * 18) / 20)} detected): **${targetsMet ? "met" : "NOT met"}**. Measured on a shared machine where other CPU-heavy tests may run at the same time: ${load}.`);

  return {
    targetsMet,
    markdown: md.join("\n"),
    figures: {
      settings: { ...GATE_SETTINGS, maxIncrease: DEFAULT_MAX_INCREASE, scenario: SCENARIO, extraBurn: EXTRA_BURN, pairs },
      aa: taa,
      ab: { ...tab, detectedByCpuFigure: cpuDetected },
      falseAlarmRate: taa.regression / pairs,
      detectionRate: tab.regression / pairs,
      inconclusiveRateAA: taa.inconclusive / pairs,
      burnCost: cost,
      checkSeconds,
      decideMs,
      setSeconds,
      totalSeconds: totalS,
      loadAverage: { start: loadStart, end: loadEnd },
      /** every run's figures, so the pairs can be re-judged with other limits without re-running */
      sets: { a: a.map((s) => s.runs.map((r) => r.figures)), b: b.map((s) => s.runs.map((r) => r.figures)) },
    },
  };
}

export const gateQuality: Benchmark = {
  name: "gate-quality",
  description: `False-alarm and detection rates of \`harness check\`: ${SCENARIO} A/A pairs, and A/B pairs where B adds a poll loop at a fixed rate (about 1-2% CPU).`,
  run,
};
