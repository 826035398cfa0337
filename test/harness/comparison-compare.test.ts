import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildComparison } from "../../harness/compare/build-comparison.js";
import { loadSaved } from "../../harness/compare/load-results.js";
import { relativeTo } from "../../harness/compare/compare-command.js";
import { parseSweep, planRuns } from "../../harness/compare/run-plan.js";
import { writeComparisonOutputs } from "../../harness/report/comparison-files.js";
import { UsageError } from "../../harness/util/errors.js";
import { tempDir } from "../helpers/cli.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "results");

describe("compare on saved results", () => {
  it("reads a run folder and a result.json alike", () => {
    const a = loadSaved(join(FIXTURES, "tight-loop"));
    const b = loadSaved(join(FIXTURES, "fixed-backoff", "result.json"));
    expect(a[0]!.path).toBe(join(FIXTURES, "tight-loop"));
    expect(b[0]!.path).toBe(join(FIXTURES, "fixed-backoff"));
    expect(a[0]!.result.scenario.name).toBe("tight-loop");
  });

  it("rebuilds the same comparison from the comparison folder it wrote", () => {
    const out = tempDir();
    const saved = relativeTo(out, [...loadSaved(join(FIXTURES, "tight-loop")), ...loadSaved(join(FIXTURES, "fixed-backoff"))]);
    const first = buildComparison(saved);
    writeComparisonOutputs(out, first, { command: "harness compare a b" });
    const md = readFileSync(join(out, "comparison.md"), "utf8");
    expect(md).toContain("| **Reduction** |");
    expect(readFileSync(join(out, "comparison.svg"), "utf8")).toMatch(/^<svg/);
    const again = buildComparison(relativeTo(out, loadSaved(out)));
    expect(again).toEqual(first);
  });

  it("refuses what is not a result, naming the path", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.json"), "{ not json");
    writeFileSync(join(dir, "old.json"), JSON.stringify({ schemaVersion: 0 }));
    mkdirSync(join(dir, "empty"));
    expect(() => loadSaved(join(dir, "bad.json"))).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadSaved(join(dir, "old.json"))).toThrow(/schema version 0/);
    expect(() => loadSaved(join(dir, "empty"))).toThrow(UsageError);
    expect(() => loadSaved(join(dir, "missing"))).toThrow(/no such file/);
  });
});

describe("run planning: --sweep and --repeat", () => {
  it("splits sweep values on commas, or on semicolons when values hold commas", () => {
    expect(parseSweep("workflowInterval=100,500,1000")).toEqual({ key: "workflowInterval", values: ["100", "500", "1000"] });
    expect(parseSweep("taskStrategy=fixed:100;exponential:100,1.5,1000").values).toEqual(["fixed:100", "exponential:100,1.5,1000"]);
    expect(() => parseSweep("novalues")).toThrow(UsageError);
    expect(() => parseSweep("k=1,,2")).toThrow(UsageError);
    expect(() => parseSweep("k=1,1")).toThrow(/twice/);
  });

  it("interleaves repeats and gives every run its own folder and command", () => {
    const runs = planRuns(["tight-loop"], { set: ["a=1"], sweep: parseSweep("taskStrategy=fixed:50,fixed:200"), repeat: 2, parent: "/p", duration: 2, warmup: 1 });
    expect(runs.map((r) => r.out)).toEqual([
      "/p/tight-loop-taskStrategy-fixed_50-r1",
      "/p/tight-loop-taskStrategy-fixed_200-r1",
      "/p/tight-loop-taskStrategy-fixed_50-r2",
      "/p/tight-loop-taskStrategy-fixed_200-r2",
    ]);
    expect(runs[1]!.set).toEqual(["a=1", "taskStrategy=fixed:200"]);
    expect(runs[1]!.commandLine).toBe("harness run tight-loop --duration 2 --warmup 1 --set a=1 --set taskStrategy=fixed:200");
    const two = planRuns(["tight-loop", "tight-loop"], { set: [], repeat: 1, parent: "/p" });
    expect(two.map((r) => r.out)).toEqual(["/p/tight-loop", "/p/tight-loop~2"]);
  });
});
