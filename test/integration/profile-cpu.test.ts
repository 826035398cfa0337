/**
 * --profile cpu: V8's CPU profiler in every Node process (a preload through node:inspector), cut to
 * the window, plus every thread's waits from the scheduler (bpftrace, or /proc where it cannot run).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wallShares } from "../../harness/profile/wall-clock.js";
import { offCpuUnavailableReason } from "../../harness/profile/off-cpu.js";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { readProfileRun as read } from "../helpers/profile-run.js";

const bpftraceMissing = offCpuUnavailableReason();
if (bpftraceMissing) console.warn(`profile-cpu: ${bpftraceMissing}; the scheduler side is tested through /proc only`);

describe("harness run --profile cpu", () => {
  it("tight-loop: a .cpuprofile per Node process, the worker's loop in the tables, wall-clock labels, the tight-loop verdict", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--profile", "cpu", "--duration", "3", "--warmup", "2", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const { result, report, summary } = read(out);
    expect(result.profiled).toBe("cpu");
    for (const name of ["server", "worker"]) expect(readdirSync(join(out, "profiles", name)).some((f) => f.endsWith(".cpuprofile"))).toBe(true);
    expect(report).toContain("## Profile: V8 CPU profile");
    expect(report).toMatch(/#### Where the time went — wall-clock \((all threads|the JavaScript thread only), waiting included\)/);
    expect(report).toMatch(/#### Time by category \(self time\) — wall-clock samples of the JavaScript thread/);
    const worker = summary.artifacts.find((a) => a.process === "worker");
    const names = [...(worker?.summary?.topApplication ?? []), ...(worker?.summary?.topSelf ?? [])].map((f) => `${f.name} ${f.file}:${f.line}`);
    expect(names.join("\n")).toMatch(/(runLoop|poll) src\/worker\/(loop|client)\.ts:\d+/);
    expect(report).toMatch(/`(runLoop|poll)` \| `src\/worker\/(loop|client)\.ts:\d+`/);
    expect(report).toMatch(/## Verdict\n\n- worker: tight poll loop: \d+% of its polls came less than 1 ms after the previous response/);
    if (!bpftraceMissing) expect(worker?.wall?.method).toMatch(/bpftrace/);
  });

  it("fixed-backoff: the idle worker's wall-clock table is mostly waiting (through /proc when bpftrace is not used)", async () => {
    const envs: Record<string, string>[] = bpftraceMissing ? [{}] : [{}, { HARNESS_OFF_CPU: "proc" }];
    for (const env of envs) {
      const out = tempDir();
      const r = await runHarness(["run", "fixed-backoff", "--profile", "--duration", "3", "--warmup", "1", "--quiet", "--out", out], { env });
      expect(r.code, r.stderr).toBe(0);
      const { summary, report } = read(out);
      expect(summary.profiler).toBe("cpu");
      const wall = summary.artifacts.find((a) => a.process === "worker")?.wall;
      expect(wall?.counts, JSON.stringify(env)).toMatch(/^wall-clock/);
      expect(wallShares(wall ?? { process: "", counts: "", method: "", threads: 0, totalMs: 0, rows: [] }).waiting, JSON.stringify(wall?.rows)).toBeGreaterThan(0.8);
      if ("HARNESS_OFF_CPU" in env) expect(report).toContain("sampling /proc/&lt;pid&gt;/task");
      expect(existsSync(join(out, "profiles", "worker"))).toBe(true);
    }
    expect(leftoverProcesses()).toEqual([]);
  });

  it("writes the profiles and the tables when the harness itself is stopped with SIGTERM mid-window, and leaves no tracer running", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--profile", "cpu", "--duration", "30", "--warmup", "2", "--out", out], { signal: "SIGTERM", signalWhen: /\[window/ });
    expect(r.code, r.stderr).toBe(143);
    expect(leftoverProcesses()).toEqual([]);
    expect(readdirSync(join(out, "profiles", "worker")).some((f) => f.endsWith(".cpuprofile"))).toBe(true);
    const { result, report } = read(out);
    expect(result.status).toBe("interrupted");
    expect(report).toContain("## Profile: V8 CPU profile");
    expect(report).toContain("#### Where the time went");
  });
});
