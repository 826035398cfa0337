/** --profile perf: a non-Node worker sampled by perf record (cpu-clock), rendered as a flamegraph. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { perfUnavailableReason } from "../../harness/profile/perf.js";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

const python = spawnSync("python3", ["--version"]).status === 0;
const perf = python && perfUnavailableReason() === null;

describe("harness run --profile perf", () => {
  it.skipIf(!perf)("profiles the Python worker, leaves the Node server alone, and summarises the samples", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "scenarios/examples/python-tight.yaml", "--profile", "perf", "--duration", "2", "--warmup", "1", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    expect(result.profiled).toBe("perf");
    expect(existsSync(join(out, "profiles", "py", "perf.data"))).toBe(true);
    expect(existsSync(join(out, "profiles", "py", "flame", "flamegraph.html"))).toBe(true);
    expect(existsSync(join(out, "profiles", "server"))).toBe(false);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("## Profile: perf record -e cpu-clock -g");
    expect(report).toContain("server ran unprofiled");
    expect(report).toMatch(/_PyEval_EvalFrameDefault/);
  });
});
