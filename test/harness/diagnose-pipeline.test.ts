/** Verdicts through the pipeline: result.json, report.md, comparisons, old results, and the inputs they need. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { fanoutFigures } from "../../harness/analyze/server-series.js";
import { buildComparison } from "../../harness/compare/build-comparison.js";
import { renderComparisonMarkdown } from "../../harness/report/comparison-markdown.js";
import { renderRunMarkdown } from "../../harness/report/run-markdown.js";
import { writeRunOutputs } from "../../harness/report/write-run.js";
import { referenceServerSchema } from "../../harness/scenario/schema.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "profiles", "results");
/** results written before verdicts were stored: no `verdicts` field */
const old = (name: string): RunResult => JSON.parse(readFileSync(join(fixtures, name), "utf8")) as RunResult;
const tmp = mkdtempSync(join(tmpdir(), "diagnose-pipeline-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("verdicts in the pipeline", () => {
  it("an old result.json (no verdicts) still gets them in report.md, with what could not be seen", () => {
    const r = old("tight-loop.json");
    expect(r.verdicts).toBeUndefined();
    const md = renderRunMarkdown(r);
    expect(md).toMatch(/## Verdict\n\n- worker: tight poll loop: 64% of its polls came less than 1 ms after the previous response \(polls 350\.8\/s, 100% empty\)\n {2}- _could not see:_ worker: its TCP connections were not read/);
  });

  it("writeRunOutputs stores the verdicts in result.json, and keeps verdicts the caller set", () => {
    const r = old("fixed-backoff.json");
    writeRunOutputs(tmp, r);
    const saved = JSON.parse(readFileSync(join(tmp, "result.json"), "utf8")) as RunResult;
    expect(saved.verdicts?.map((v) => v.pattern)).toEqual(["periodic-poll", "idle-quiet"]);
    expect(saved.verdicts?.[0]).toMatchObject({ subject: "worker", evidence: { pollsPerS: 8.645 } });
    const given = { ...old("fixed-backoff.json"), verdicts: [{ subject: null, pattern: "x", text: "given verdict", evidence: {}, missing: [] }] };
    writeRunOutputs(tmp, given);
    expect(readFileSync(join(tmp, "report.md"), "utf8")).toContain("## Verdict\n\n- given verdict\n");
  });

  it("a comparison shows each run's verdicts and the sweep verdict", () => {
    const a = { ...old("tight-loop.json"), params: { taskStrategy: "fixed:10" } };
    const b = { ...old("fixed-backoff.json"), scenario: a.scenario, params: { taskStrategy: "fixed:100" } };
    const c = buildComparison([
      { path: "a", result: a },
      { path: "b", result: b },
    ]);
    expect(c.verdicts?.runs.map((r) => [r.label, r.verdicts[0]?.pattern])).toEqual([
      ["fixed:10", "tight-poll-loop"],
      ["fixed:100", "periodic-poll"],
    ]);
    expect(c.verdicts?.sweep.map((v) => v.pattern)).toEqual(["sweep-cpu-follows"]);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain("## Verdicts\n\n- **Across the runs**: CPU follows the poll interval");
    expect(md).toContain("- **fixed:10**:\n  - worker: tight poll loop: 64%");
  });
});

describe("inputs the verdicts need", () => {
  it("server.reference.metrics defaults to true and can be switched off", () => {
    expect(referenceServerSchema.parse({}).metrics).toBe(true);
    expect(referenceServerSchema.parse({ metrics: false }).metrics).toBe(false);
  });

  it("fan-out per enqueue carries the subscribers of each job's own queue when the server exports them", () => {
    const c = (name: string, value: number) => ({ name, labels: {}, value });
    const end = [c("jobs_enqueued_total", 10), c("jobs_notifications_sent_total", 1000), c("jobs_notified_polls_total", 100), c("jobs_notified_empty_polls_total", 90)];
    expect(fanoutFigures([], [...end, c("jobs_queue_subscribers_at_enqueue_total", 100)])?.queueSubscribersPerEnqueue).toBe(10);
    expect(fanoutFigures([], end)).not.toHaveProperty("queueSubscribersPerEnqueue");
  });
});
