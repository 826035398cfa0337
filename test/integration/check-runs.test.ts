/**
 * The "done when": a baseline saved from fixed-backoff passes fixed-backoff and fails
 * tight-loop with exit 1, naming the figures that regressed. Short windows (2 s, 1 s warm-up).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runHarness, tempDir } from "../helpers/cli.js";

const WINDOW = ["--duration", "2", "--warmup", "1", "-q"];

describe("harness baseline save + harness check (real runs)", () => {
  const dir = tempDir();
  const baseline = join(dir, "fixed-backoff.json");

  beforeAll(async () => {
    const r = await runHarness(["baseline", "save", "fixed-backoff", "--repeat", "3", "--out", baseline, "--runs-dir", join(dir, "baseline-runs"), ...WINDOW]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it("saves a versioned result set that records its scenario", () => {
    const set = JSON.parse(readFileSync(baseline, "utf8")) as { format: string; version: number; scenario: { name: string }; runs: unknown[] };
    expect(set.format).toBe("idle-cpu-harness/result-set");
    expect(set.version).toBe(1);
    expect(set.scenario.name).toBe("fixed-backoff");
    expect(set.runs).toHaveLength(3);
  });

  it("fixed-backoff against its own baseline does not regress (exit 0)", async () => {
    const out = join(dir, "check-same");
    const r = await runHarness(["check", "fixed-backoff", "--baseline", baseline, "--repeat", "3", "--out", out, "--json", ...WINDOW]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { verdict: string; regressed: string[] };
    expect(v.regressed).toEqual([]);
    expect(["pass", "inconclusive"]).toContain(v.verdict);
    expect(existsSync(join(out, "current-set.json"))).toBe(true);
    expect(existsSync(join(out, "run-1", "report.md"))).toBe(true);
  }, 120_000);

  it("tight-loop against fixed-backoff's baseline fails with exit 1 naming the figures", async () => {
    const r = await runHarness(["check", "tight-loop", "--baseline", baseline, "--allow-scenario-mismatch", "--repeat", "3", "--out", join(dir, "check-tight"), ...WINDOW]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("REGRESSION");
    for (const f of ["Server CPU", "Worker CPU", "Polls/s per worker"]) expect(r.stdout).toContain(`**${f}`);
  }, 120_000);
});
