/**
 * `harness check` exit codes and outputs, judged from saved result sets (--current): no process is
 * started, so these are fast and deterministic. 0 no regression (or not enough evidence), 1
 * regression, 2 bad usage or input.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";

const fx = (f: string): string => join(ROOT, "test", "fixtures", "gate", f);
const BASE = fx("baseline-fixed-backoff.json");

describe("harness check exit codes (from saved result sets)", () => {
  it("0 and a NO REGRESSION summary when nothing changed; gate.md, gate.json written", async () => {
    const out = tempDir();
    const r = await runHarness(["check", "fixed-backoff", "--baseline", BASE, "--current", fx("current-same.json"), "--out", out, "-q"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Idle-CPU gate: NO REGRESSION");
    expect(r.stdout).toContain("| Figure | Against | Baseline | Current | Change | Allowed | p | Smallest p | Outcome | Why |");
    expect(r.stdout).toContain("not interleaved");
    expect(existsSync(join(out, "gate.md"))).toBe(true);
    const v = JSON.parse(readFileSync(join(out, "gate.json"), "utf8")) as { verdict: string; mode: string; alpha: number };
    expect(v).toMatchObject({ verdict: "no-regression", mode: "saved-baseline", alpha: 0.05 });
  });

  it("2 when the baseline is another scenario's, unless --allow-scenario-mismatch; then 1 naming the regressed figures", async () => {
    const refused = await runHarness(["check", "tight-loop", "--baseline", BASE, "--current", fx("current-tight-loop.json"), "--out", tempDir(), "-q"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--allow-scenario-mismatch");
    const r = await runHarness(["check", "tight-loop", "--baseline", BASE, "--current", fx("current-tight-loop.json"), "--allow-scenario-mismatch", "--out", tempDir(), "-q"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("REGRESSION");
    for (const f of ["Server CPU", "Worker CPU", "Polls/s per worker", "Voluntary wake-ups/s"]) expect(r.stdout).toContain(`**${f}`);
  });

  it("not enough evidence is 0 with a run-more hint, or 1 with --fail-on-inconclusive", async () => {
    const args = ["check", "fixed-backoff", "--baseline", BASE, "--current", fx("current-noisy.json"), "-q"];
    const soft = await runHarness([...args, "--out", tempDir()]);
    expect(soft.code).toBe(0);
    expect(soft.stdout).toContain("NOT ENOUGH EVIDENCE");
    expect(soft.stdout).toContain("Run more: `--repeat 10`");
    const hard = await runHarness([...args, "--out", tempDir(), "--fail-on-inconclusive"]);
    expect(hard.code).toBe(1);
  });

  it("--json prints the verdict as JSON; $GITHUB_STEP_SUMMARY gets the markdown appended", async () => {
    const dir = tempDir();
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "earlier step\n");
    const r = await runHarness(["check", "tight-loop", "--baseline", BASE, "--current", fx("current-tight-loop.json"), "--allow-scenario-mismatch", "--json", "--out", join(dir, "out"), "-q"], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout) as { verdict: string; exitCode: number; regressed: string[] };
    expect(v.verdict).toBe("regression");
    expect(v.exitCode).toBe(1);
    expect(v.regressed).toContain("pollsPerSPerWorker");
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("earlier step\n")).toBe(true);
    expect(text).toContain("Idle-CPU gate: REGRESSION");
  });

  it("judges the scenario's thresholds block", async () => {
    const dir = tempDir();
    const file = join(dir, "fixed-backoff.yaml");
    const scenario = readFileSync(join(ROOT, "scenarios", "fixed-backoff.yaml"), "utf8");
    writeFileSync(file, `${scenario}\nthresholds:\n  serverCpuPercent: 2\n  workerCpuPercent: 2\n  pollsPerSPerWorker: 12\n`);
    const ok = await runHarness(["check", file, "--current", fx("current-same.json"), "--out", join(dir, "a"), "-q"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("≤ 12/s");
    // three thresholds share alpha: 5 runs (smallest p 1/32) cannot reach 0.05/3
    expect(ok.stdout).toContain("NOT ENOUGH EVIDENCE");
    expect(ok.stdout).toContain("--repeat 6");
    writeFileSync(file, `${scenario}\nthresholds:\n  pollsPerSPerWorker: 5\n`);
    const bad = await runHarness(["check", file, "--current", fx("current-same.json"), "--out", join(dir, "b"), "-q"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("**Polls/s per worker");
  });

  it("2 for bad usage or input, with one message naming the problem", async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [["check", "fixed-backoff", "--current", fx("current-same.json")], /nothing to judge/],
      [["check", "fixed-backoff", "--baseline", fx("missing.json")], /cannot read result set/],
      [["check", "fixed-backoff", "--baseline", fx("not-a-result-set.json")], /not-a-result-set\.json/],
      [["check", "fixed-backoff", "--baseline", BASE, "--max-increase", "cpu=lots"], /--max-increase cpu/],
      [["check", "fixed-backoff", "--baseline", BASE, "--floor", "polls=5%"], /--floor polls/],
      [["check", "fixed-backoff", "--baseline", BASE, "--alpha", "2"], /alpha/],
      [["check", "fixed-backoff", "--baseline", BASE, "--baseline-set", "taskStrategy=tight"], /exclude each other/],
      [["check", "fixed-backoff", "--current", fx("current-same.json"), "--baseline-set", "taskStrategy=tight"], /pick one/],
      [["check", "fixed-backoff", "--baseline-set", "nosuchfield.x=1"], /nosuchfield/],
      [["check", "fixed-backoff", "--baseline-scenario", "tight-loop"], /--allow-scenario-mismatch/],
      [["check", "fixed-backoff", "--baseline", BASE, "--repeat", "0"], /repeat/],
      [["check", "no-such-scenario", "--baseline", BASE], /unknown scenario/],
    ];
    for (const [args, msg] of cases) {
      const r = await runHarness([...args, "--out", join(dir, String(Math.random()))]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    for (const args of [
      ["check", "fixed-backoff", "--baseline", BASE, "--out", "/proc/nope/out"],
      ["baseline", "save", "fixed-backoff", "--out", "/proc/nope/baseline.json"],
      ["baseline", "save", "fixed-backoff", "--out", dir],
    ]) {
      const r = await runHarness(args, { timeoutMs: 20_000 });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/cannot be written|is a folder/);
    }
    const file = join(dir, "bad.yaml");
    writeFileSync(file, `${readFileSync(join(ROOT, "scenarios", "fixed-backoff.yaml"), "utf8")}\nthresholds:\n  cpuPercent: 2\n`);
    const r = await runHarness(["check", file, "--baseline", BASE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("thresholds.cpuPercent");
  });
});

describe("harness check without a scenario (saved readings: test/fixtures/readings)", () => {
  const rd = (f: string): string => join(ROOT, "test", "fixtures", "readings", f);
  it("judges attach readings: exit 1 on a regression, one JSON document with --json; 0 on no regression", async () => {
    const dir = tempDir();
    const r = await runHarness(["check", "--current", rd("after"), "--baseline", rd("before"), "--json", "--out", join(dir, "a")]);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { verdict: string; mode: string; unmatched: { current: string[] } };
    expect([doc.verdict, doc.mode]).toEqual(["regression", "readings"]);
    expect(doc.unmatched.current).toEqual(["tail (worker)"]);
    expect(r.stderr).toMatch(/not matched by role and name/);
    // several readings after one option, as a shell glob gives them
    const same = await runHarness(["check", "--current", rd("same/same-1"), rd("same/same-2"), rd("same/same-3"), rd("same/same-4"), rd("same/same-5"), "--baseline", rd("before"), "-q", "--out", join(dir, "b")]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/NO REGRESSION/);
    expect(same.stderr).toBe("");
  });

  it("2 with one line when nothing matches, an input is not a result, or an option needs a scenario", async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [["check"], /check needs a scenario/],
      [["check", "--current", rd("after")], /--baseline .* is missing/],
      [["check", "--current", rd("after"), "--baseline", join(ROOT, "test", "fixtures", "results", "fixed-backoff")], /no process matches between the two sides/],
      [["check", "--current", rd("after"), "--baseline", fx("not-a-result-set.json")], /not-a-result-set\.json/],
      [["check", "--current", rd("after"), "--baseline", rd("before"), "--repeat", "3"], /--repeat applies to a scenario's runs/],
      [["check", "fixed-backoff", "--current", fx("current-same.json"), fx("current-noisy.json"), "--baseline", BASE], /with a scenario, --current takes one result set file/],
    ];
    for (const [args, msg] of cases) {
      const r = await runHarness([...args, "--out", join(dir, String(Math.random()))]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  });
});
