/**
 * Real runs through `harness check`: an interleaved check (base and head alternately in one job),
 * a regression it names, the CPU-only knob (server.reference.pollCostMs), and a saved baseline
 * still accepted for a run with --set overrides. Short windows (2 s, 1 s warm-up).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runHarness, tempDir } from "../helpers/cli.js";

const WINDOW = ["--duration", "2", "--warmup", "1", "-q"];

interface SetFile {
  format: string;
  version: number;
  scenario: { name: string };
  overrides?: string[];
  runs: { sequence?: number; figures: Record<string, number | null> }[];
}
const readSet = (f: string): SetFile => JSON.parse(readFileSync(f, "utf8")) as SetFile;
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fig = (s: SetFile, name: string): number[] => s.runs.map((r) => r.figures[name]).filter((v): v is number => typeof v === "number");

describe("harness check with real runs", () => {
  const dir = tempDir();
  const baseline = join(dir, "fixed-backoff.json");

  beforeAll(async () => {
    const r = await runHarness(["baseline", "save", "fixed-backoff", "--repeat", "3", "--out", baseline, "--runs-dir", join(dir, "baseline-runs"), ...WINDOW]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it("saves a versioned result set that records its scenario and overrides", () => {
    const set = readSet(baseline);
    expect(set.format).toBe("idle-cpu-harness/result-set");
    expect(set.version).toBe(1);
    expect(set.scenario.name).toBe("fixed-backoff");
    expect(set.overrides).toEqual([]);
    expect(set.runs).toHaveLength(3);
  });

  it("interleaves base and head (A B B A A B), and pollCostMs raises server CPU per poll, not polls", async () => {
    const out = join(dir, "interleaved");
    const r = await runHarness(["check", "fixed-backoff", "--set", "server.reference.pollCostMs=5", "--baseline-set", "server.reference.pollCostMs=0", "--repeat", "3", "--out", out, "--json", ...WINDOW]);
    // 3 vs 3 runs: the smallest p (0.05) cannot reach the Holm level, so never a regression verdict
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { verdict: string; mode: string; runMore: number; baselineCondition: { set: string[] } };
    expect(v.verdict).toBe("not-enough-evidence");
    expect(v.mode).toBe("interleaved");
    expect(v.runMore).toBeGreaterThanOrEqual(5);
    expect(v.baselineCondition.set).toEqual(["server.reference.pollCostMs=5", "server.reference.pollCostMs=0"]);
    const base = readSet(join(out, "baseline-set.json"));
    const head = readSet(join(out, "current-set.json"));
    expect(base.runs.map((x) => x.sequence)).toEqual([1, 4, 5]);
    expect(head.runs.map((x) => x.sequence)).toEqual([2, 3, 6]);
    expect(existsSync(join(out, "base-1", "report.md")) && existsSync(join(out, "head-3", "report.md"))).toBe(true);
    // 5 ms per poll at about 10 polls/s is about 5 pp: CPU per poll at least doubles, polls stay within 30%
    expect(med(fig(head, "serverCpuMsPerPoll"))).toBeGreaterThan(2 * med(fig(base, "serverCpuMsPerPoll")));
    const polls = med(fig(head, "pollsPerSPerWorker")) / med(fig(base, "pollsPerSPerWorker"));
    expect(polls).toBeGreaterThan(0.7);
    expect(polls).toBeLessThan(1.3);
  }, 120_000);

  it("a tight loop against its fixed-backoff base, interleaved, 5 runs a side: exit 1 naming the counted figures", async () => {
    const r = await runHarness(["check", "fixed-backoff", "--set", "taskStrategy=tight", "--baseline-set", "taskStrategy=fixed:100", "--repeat", "5", "--out", join(dir, "tight"), ...WINDOW]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("REGRESSION");
    expect(r.stdout).toContain("Interleaved");
    for (const f of ["Polls/s per worker", "Empty polls/s", "Server CPU"]) expect(r.stdout).toContain(`**${f}`);
  }, 150_000);

  it("accepts a saved baseline for a run with --set overrides, names them and says it is not interleaved", async () => {
    const r = await runHarness(["check", "fixed-backoff", "--baseline", baseline, "--set", "server.reference.pollCostMs=0", "--repeat", "3", "--out", join(dir, "saved"), ...WINDOW]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("not interleaved");
    expect(r.stdout).toContain("Overrides: current runs --set server.reference.pollCostMs=0; baseline none");
  }, 120_000);
});
