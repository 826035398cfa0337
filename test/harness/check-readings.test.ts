/**
 * `harness check --current <reading>... --baseline <reading>...` (no scenario) over saved readings:
 * real `harness attach` results (test/fixtures/readings, made by make.sh there) of a poller at 10%
 * of a core and a `sleep`, before and after a "deploy" that restarted both (new pids) with the poller
 * at 40%, and after one that restarted them unchanged. In-process: nothing is started or measured.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { checkReadingsCommand } from "../../harness/cli/check-readings.js";
import type { CheckOptions } from "../../harness/cli/check-command.js";
import { decideReadings, type Verdict } from "../../harness/gate/decide.js";
import { parseLimits } from "../../harness/gate/limits.js";
import { loadReadings, matchReadings, processKeys } from "../../harness/gate/readings.js";
import { buildResultSet } from "../../harness/gate/result-set.js";
import { renderGateMarkdown, verdictHeadline } from "../../harness/gate/summary-markdown.js";
import { UsageError } from "../../harness/util/errors.js";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { tempDir } from "../helpers/cli.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const R = (p: string): string => join(FX, "readings", p);

function judge(before: string[], after: string[], opts: { alpha?: number; maxIncrease?: string[] } = {}): Verdict {
  const b = before.flatMap(loadReadings);
  const a = after.flatMap(loadReadings);
  const m = matchReadings(b, a);
  return decideReadings({ pairs: m.pairs, limits: parseLimits(opts.maxIncrease ?? []), alpha: opts.alpha, scenario: "attach", baselineScenario: "attach", notes: m.notes });
}
const cpuOf = (v: Verdict, process: string): Verdict["judgements"][number] | undefined => v.judgements.find((j) => j.process === process && j.label.endsWith(": CPU"));

describe("readings: matching processes", () => {
  const before = loadReadings(R("before"));
  const after = loadReadings(R("after"));
  it("reads a folder of run folders as one reading each", () => {
    expect(before).toHaveLength(5);
    expect(after).toHaveLength(5);
    expect(before.every((r) => r.result?.scenario.name === "attach")).toBe(true);
  });
  it("matches by role and name, a default name <comm>-<pid> by its command name across new pids, and names what did not match", () => {
    const pidsBefore = new Set(before.flatMap((r) => r.result!.processes.map((p) => p.pid)));
    expect(after.some((r) => r.result!.processes.some((p) => pidsBefore.has(p.pid)))).toBe(false); // restarted: new pids
    expect([...processKeys(before[0]!.result!).keys()].sort()).toEqual(["worker/poller", "worker/sleep"]);
    const m = matchReadings(before, after);
    expect(m.matched).toEqual(["poller (worker)", "sleep (worker)"]);
    expect(m.unmatched).toEqual({ baseline: [], current: ["tail (worker)"] });
    expect(m.notes.join(" ")).toMatch(/Not matched by role and name, so not judged: only in the current readings: tail \(worker\)/);
  });
  it("keeps the full name when two processes of a role share a command name (no guessing)", () => {
    const r = structuredClone(before[0]!.result!) as RunResult;
    const sleep = r.processes.find((p) => p.name.startsWith("sleep-"))!;
    r.processes.push({ ...sleep, pid: sleep.pid + 1, name: `sleep-${sleep.pid + 1}` });
    expect([...processKeys(r).keys()].sort()).toEqual(["worker/poller", `worker/sleep-${sleep.pid}`, `worker/sleep-${sleep.pid + 1}`]);
  });
  it("refuses with one line when nothing matches", () => {
    const other = loadReadings(join(FX, "results", "fixed-backoff"));
    expect(() => matchReadings(before, other)).toThrow(UsageError);
    expect(() => matchReadings(before, other)).toThrow(/^no process matches between the two sides by role and name \(baseline: poller \(worker\), sleep \(worker\); current: .*\): give them the same --name and --role when attaching$/);
  });
  it("refuses what is not a result, naming the file", () => {
    expect(() => loadReadings(join(FX, "gate", "not-a-result-set.json"))).toThrow(/not-a-result-set\.json/);
    expect(() => loadReadings(join(FX, "no-such-file.json"))).toThrow(/no such file or folder/);
    expect(() => loadReadings(join(FX, "gate"))).toThrow(/no result\.json in this folder or its sub-folders/);
  });
});

describe("readings: the gate's statistics", () => {
  it("5 vs 5 readings: the poller's CPU went 10% -> 40% of a core: a regression; the unchanged sleep is not", () => {
    const v = judge([R("before")], [R("after")]);
    expect(v.mode).toBe("readings");
    expect(v.outcome).toBe("regression");
    const cpu = cpuOf(v, "poller (worker)")!;
    expect(cpu.figure).toBe("workerCpuPercent");
    expect(cpu.outcome).toBe("regression");
    expect(cpu.baseline!.n).toBe(5);
    expect(cpu.current!.n).toBe(5);
    expect(cpu.current!.median / cpu.baseline!.median).toBeGreaterThan(2);
    expect(cpu.test!.minP).toBeCloseTo(1 / 252, 8);
    expect(cpu.test!.p).toBeCloseTo(1 / 252, 8);
    // the sleep used no CPU and the poller made no round trips, in any reading: nothing to test, and said so
    expect(cpuOf(v, "sleep (worker)")).toBeUndefined();
    expect(v.judgements.map((j) => j.label)).toEqual(["poller (worker): CPU", "poller (worker): voluntary wake-ups/s"]);
    expect(v.notes.join(" ")).toMatch(/Zero in every reading on both sides, so not tested: poller \(worker\): round trips\/s, sleep \(worker\): CPU/);
    expect(cpu.test!.level).toBeCloseTo(0.05 / 2, 8);
    expect(verdictHeadline(v)).toMatch(/^attach readings against the attach baseline readings: regression in poller \(worker\): CPU/);
    const md = renderGateMarkdown(v, { exitCode: 1 });
    expect(md).toContain("Saved readings, **not interleaved** (5 base and 5 current readings)");
    expect(md).toContain("**poller (worker): CPU**");
    expect(md).toMatch(/only in the current readings: tail \(worker\)/);
  });

  it("an unchanged deploy (restarted, same code): no regression", () => {
    const v = judge([R("before")], [R("same")]);
    expect(v.outcome, verdictHeadline(v)).toBe("no-regression");
  });

  it("one reading a side: not enough evidence, whatever the change (smallest p 1/2), and how many readings would do", () => {
    const v = judge([R("before/before-1")], [R("after/after-1")]);
    expect(v.outcome).toBe("not-enough-evidence");
    expect(v.regressed).toEqual([]);
    const tested = v.judgements.filter((j) => j.test);
    expect(tested.length).toBeGreaterThan(0);
    for (const j of tested) {
      expect(j.test!.minP).toBe(0.5);
      expect(j.outcome).toBe("not-enough-evidence");
      expect(j.why).toMatch(/^1 reading\(s\) cannot show a regression/);
    }
    expect(v.runMore).toBeGreaterThanOrEqual(4);
    expect(verdictHeadline(v)).toMatch(/not enough evidence for .*poller \(worker\): CPU.* \(take \d+ readings a side\)$/);
  });

  it("the same limits and Holm level as a check: --max-increase, --alpha", () => {
    expect(judge([R("before")], [R("after")], { maxIncrease: ["cpu=60pp"] }).outcome).toBe("no-regression");
    // 5 vs 5 cannot reach 0.001 over the figures: not enough evidence, not a pass
    expect(judge([R("before")], [R("after")], { alpha: 0.001 }).outcome).toBe("not-enough-evidence");
  });

  it("a result set on one side: its run-level figures are compared, nothing is matched, and it says so", () => {
    const dir = tempDir();
    try {
      const runs = loadReadings(R("before")).map((r) => ({ result: r.result!, outDir: null }));
      const file = join(dir, "before-set.json");
      writeFileSync(file, JSON.stringify(buildResultSet(runs, { command: "test" })));
      const v = judge([file], [R("after")]);
      expect(v.judgements.every((j) => j.process === undefined)).toBe(true);
      expect(v.judgements.map((j) => j.figure)).toContain("workerCpuPercent");
      expect(v.notes[0]).toMatch(/is a result set \(run-level figures, no processes\)/);
      expect(v.outcome).toBe("regression");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("decideReadings with nothing to judge", () => {
  it("is not enough evidence, never a pass, and says why", () => {
    const v = decideReadings({ pairs: [{ figure: "workerCpuPercent", before: [], after: [12, 13] }], limits: parseLimits([]), scenario: "attach", baselineScenario: "attach", notes: [] });
    expect(v.outcome).toBe("not-enough-evidence");
    expect(v.notes.join(" ")).toMatch(/no figure could be judged/);
  });
});

describe("checkReadingsCommand", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const base: CheckOptions = { repeat: 5, set: [], baselineSet: [], maxIncrease: [], floor: [] };
  function run(opts: Partial<CheckOptions>, given: string[] = []): { code: number; stdout: string; stderr: string; out: string } {
    const out = tempDir();
    dirs.push(out);
    let stdout = "";
    let stderr = "";
    vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
    try {
      const code = checkReadingsCommand({ ...base, out, ...opts }, given);
      return { code, stdout, stderr, out };
    } finally {
      vi.restoreAllMocks();
    }
  }

  it("exit 1 on a regression; --json prints one JSON document on stdout, the headline and what did not match on stderr", () => {
    const r = run({ current: [R("after")], baseline: [R("before")], json: true });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { verdict: string; exitCode: number; mode: string; matched: string[]; unmatched: { current: string[] }; currentFiles: string[] };
    expect(doc.verdict).toBe("regression");
    expect(doc.exitCode).toBe(1);
    expect(doc.mode).toBe("readings");
    expect(doc.matched).toEqual(["poller (worker)", "sleep (worker)"]);
    expect(doc.unmatched.current).toEqual(["tail (worker)"]);
    expect(doc.currentFiles).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(r.out, "gate.json"), "utf8"))).toEqual(doc);
    expect(readFileSync(join(r.out, "gate.md"), "utf8")).toContain("REGRESSION");
    expect(r.stderr).toMatch(/^check: not matched by role and name, not judged: tail \(worker\) only in the current readings$/m);
    expect(r.stderr).toMatch(/^check: attach readings .*regression.*\(exit 1\)/m);
  });

  it("exit 0 on no regression and on not enough evidence; 1 with --fail-on-inconclusive; -q: stdout only", () => {
    const same = run({ current: [R("same")], baseline: [R("before")], quiet: true });
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^## Idle-CPU gate: NO REGRESSION: attach readings vs baseline readings/);
    expect(same.stderr).toBe("");
    const one = [R("after/after-1/result.json")];
    expect(run({ current: one, baseline: [R("before/before-1")], quiet: true }).code).toBe(0);
    expect(run({ current: one, baseline: [R("before/before-1")], quiet: true, failOnInconclusive: true }).code).toBe(1);
  });

  it("refuses a scenario's run options and a missing side, in one line", () => {
    expect(() => run({ current: [R("after")], baseline: [R("before")] }, ["repeat", "set"])).toThrow(/^--repeat, --set apply to a scenario's runs/);
    expect(() => run({ current: [R("after")] })).toThrow(/--baseline <result\.json\|run folder\|result set>\.\.\. is missing/);
    expect(() => run({})).toThrow(/check needs a scenario \(see `harness list`\), or saved readings/);
  });

  it("names a scenario that commander put in a reading list (typed after -b), instead of saying a side is missing", () => {
    expect(() => run({ baseline: [R("before"), "fixed-backoff"] })).toThrow(/^--baseline takes readings, and "fixed-backoff" is a scenario: name it before the options/);
    expect(() => run({ current: ["my-scenario.yaml"], baseline: [R("before")] })).toThrow(/^--current takes readings, and "my-scenario\.yaml" is a scenario/);
  });
});
