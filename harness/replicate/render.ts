/** reports/seed-replication.md: a pure function from experiment outcomes to markdown. */
import { cell, code } from "../report/escape.js";
import { table } from "../report/format.js";
import type { ExperimentOutcome, Finding, Verdict } from "./findings.js";

export interface ReplicationMeta {
  command: string;
  date: string;
  machine: string;
  node: string;
  totalS: number;
  quick: boolean;
  /** the machine's 1-minute load average before and after the runs (other work shares it) */
  loadBefore?: number;
  loadAfter?: number;
  /** later `--only` re-runs of some experiments (their sections carry their own command and load) */
  reruns?: { command: string; date: string; totalS: number; experiments: string[]; node: string; loadBefore?: number; loadAfter?: number }[];
}

export type OutcomeOrError = ExperimentOutcome | { error: string; command: string };

const WORD: Record<Verdict["reproduces"], string> = { yes: "**Reproduces.**", partly: "**Partly reproduces.**", no: "**Does not reproduce.**" };

export function renderReplication(findings: Finding[], outcomes: Map<string, OutcomeOrError>, meta: ReplicationMeta): string {
  const out: string[] = [];
  out.push("# Seed replication");
  out.push(
    [
      `Produced by ${code(meta.command)} on ${cell(meta.date)}: ${cell(meta.machine)}, Node ${cell(meta.node)}; ${Math.round(meta.totalS)} s of runs.`,
      "Every figure below is rendered from the `result.json` files in the linked run folders; each experiment's `comparison.md` has the full tables and a chart.",
      "Cells are medians over the repeats with the min–max range in brackets; a difference whose ranges overlap is within noise.",
      "The rules that decide \"reproduces\" were written before the runs and are stated in each section; no figure was tuned to match the seed.",
      `The machine was shared with other work while these runs ran${meta.loadBefore !== undefined && meta.loadAfter !== undefined ? ` (1-minute load average ${meta.loadBefore.toFixed(1)} before, ${meta.loadAfter.toFixed(1)} after, on ${cell(meta.machine.split(",")[0] ?? "")})` : ""}, so absolute CPU figures carry that noise; the findings are judged on ratios and orders of magnitude. CPU levels depend on how much of the cores the measured processes get: on a busier machine a tight loop measures lower, so a re-run is comparable with the reported spread only at a similar load.`,
    ].join(" "),
  );
  for (const r of meta.reruns ?? []) out.push(`Re-run since: ${r.experiments.map((x) => code(x)).join(", ")} by ${code(r.command)} on ${cell(r.date)}, Node ${cell(r.node)}; ${Math.round(r.totalS)} s of runs${r.loadBefore !== undefined && r.loadAfter !== undefined ? ` (1-minute load average ${r.loadBefore.toFixed(1)} before, ${r.loadAfter.toFixed(1)} after)` : ""}.`);
  if (meta.quick) out.push("> **Quick mode**: short windows and 2 repeats, a smoke test of the machinery; do not quote these figures.");

  const verdicts = findings.map((f) => {
    const o = outcomes.get(f.experiment);
    if (!o) return { f, o, v: null as Verdict | null, err: "not run in this invocation" };
    if ("error" in o) return { f, o, v: null, err: o.error };
    try {
      const b = f.beside ? outcomes.get(f.beside) : undefined;
      return { f, o, v: f.evaluate(o, b && !("error" in b) ? b : undefined), err: null };
    } catch (e) {
      return { f, o, v: null, err: (e as Error).message };
    }
  });

  out.push("## Summary");
  out.push(
    table(
      ["Seed", "Finding", "Seed's figure", "Measured here", "Reproduces"],
      verdicts.map(({ f, v, err }) => [f.seed, cell(f.title), cell(f.seedFigure), v ? cell(v.ours) : cell(`not measured: ${err ?? ""}`), v ? v.reproduces : "–"]),
    ),
  );

  for (const { f, o, v, err } of verdicts) {
    out.push(`## Seed ${f.seed}, ${cell(f.title)}`);
    out.push(`**The seed's claim.** ${f.claim}`);
    out.push(`**Rule.** ${f.rule}`);
    if (v) {
      out.push(...v.tables);
      out.push(`${WORD[v.reproduces]} ${v.why}`);
    } else {
      out.push(`**Not measured.** ${cell(err ?? "")}`);
    }
    if (o) {
      const lines = [`Command: ${code(o.command)}`];
      if (!("error" in o)) {
        lines.push(`Comparison: [${cell(o.dir)}/comparison.md](${encodeURI(o.dir)}/comparison.md); run folders: ${o.comparison.conditions.flatMap((k) => k.runs.map((r) => `[${cell(r.path)}](${encodeURI(`${o.dir}/${r.path}`)}/report.md)`)).join(", ")}`);
        if (o.load) lines.push(`Machine load (1-minute average) ${o.load.before.toFixed(1)} at the start, ${o.load.after.toFixed(1)} at the end`);
        if (o.exitCode !== 0) lines.push(`Exit code ${o.exitCode}: at least one run failed; see its report.`);
      }
      out.push(lines.join("  \n"));
    }
  }
  return out.join("\n\n") + "\n";
}
