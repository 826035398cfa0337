import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { buildComparison } from "../../harness/compare/build-comparison.js";
import { experiments } from "../../harness/replicate/experiments.js";
import { FINDINGS, type ExperimentOutcome } from "../../harness/replicate/findings.js";
import { renderReplication, type OutcomeOrError } from "../../harness/replicate/render.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "results");
const load = (n: string): RunResult => JSON.parse(readFileSync(join(FIXTURES, n, "result.json"), "utf8")) as RunResult;

describe("seed-replication report", () => {
  it("covers every seed finding, judges from results, and says what was not measured", () => {
    const tight = load("tight-loop");
    const fixed = load("fixed-backoff");
    const exp = experiments().find((e) => e.id === "000-tight-vs-backoff")!;
    const outcome: ExperimentOutcome = {
      experiment: exp,
      command: "harness run tight-loop fixed-backoff --repeat 3",
      dir: "seed-replication/000-tight-vs-backoff",
      comparison: buildComparison([
        { path: "tight-loop-r1", result: tight },
        { path: "fixed-backoff-r1", result: fixed },
      ]),
      results: [[tight], [fixed]],
      exitCode: 0,
    };
    const outcomes = new Map<string, OutcomeOrError>([
      [exp.id, outcome],
      ["003-fan-out", { error: 'unknown scenario "thundering-herd"', command: "harness run thundering-herd" }],
    ]);
    const md = renderReplication(FINDINGS, outcomes, { command: "npm run replicate", date: "2026-01-01", machine: "2 cores", node: "v20", totalS: 1, quick: false });
    for (const seed of ["000, Finding 3", "000, Finding 4", "000, Finding 5", "000, Finding 7", "002", "003", "004"]) expect(md).toContain(`## Seed ${seed}`);
    expect(md).toContain("Produced by `npm run replicate`");
    // Finding 3 and 7 judged from the fixture results (tight loop ~40% of a core, fixed backoff ~1%)
    expect(md).toMatch(/\| 000 \| Finding 3: [^|]+\| [^|]+\| server 39\.0%, worker 45\.3% \| yes \|/);
    expect(md).toMatch(/\| 000 \| Finding 7: [^|]+\| 98% \/ 97% reduction \| 97% \/ 97% reduction \| yes \|/);
    expect(md).toContain("**Not measured.** unknown scenario");
    expect(md).toContain("](seed-replication/000-tight-vs-backoff/tight-loop-r1/report.md)");
    expect(md).toMatch(/\| 004 \| [^|]+\| [^|]+\| not measured: not run in this invocation \| – \|/);
  });
});
