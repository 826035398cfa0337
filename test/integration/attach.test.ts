/**
 * `harness attach`: measures processes the harness did not start, and never stops them.
 * Ratios with wide margins, never absolute CPU: the machine is shared and noisy.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { clockTicksPerSecond } from "../../harness/sample/proc.js";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { alive } from "../helpers/groups.js";
import { trackChildren, waitFor } from "../helpers/children.js";

const start = trackChildren();
const startNode = (code: string): ChildProcess => start(process.execPath, ["-e", code]);

function load(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
}

describe("harness attach", () => {
  it("measures a busy timer at least 5x a quiet one, and leaves both running", async () => {
    const busy = startNode("setInterval(()=>{},1)");
    const quiet = startNode("setInterval(()=>{},1000)");
    await new Promise((r) => setTimeout(r, 500));
    const out = tempDir();
    const args = ["attach", "--pid", String(busy.pid), "--pid", String(quiet.pid), "--name", `${busy.pid}=busy`, "--name", `${quiet.pid}=quiet`, "--duration", "4", "--out", out];
    const r = await runHarness(args);
    expect(r.code, r.stderr).toBe(0);
    expect(alive(busy.pid!)).toBe(true);
    expect(alive(quiet.pid!)).toBe(true);

    const result = load(out);
    expect(result.status).toBe("ok");
    const b = result.processes.find((p) => p.name === "busy")!;
    const q = result.processes.find((p) => p.name === "quiet")!;
    expect(b.pid).toBe(busy.pid);
    expect(b.command.join(" ")).toContain("setInterval");
    // floor: one clock tick over the window, the resolution of /proc's CPU counters
    const tick = 1 / clockTicksPerSecond();
    expect(b.cpuSeconds).toBeGreaterThanOrEqual(5 * Math.max(q.cpuSeconds, tick));
    // a timer wakes the process: voluntary switches (blocked, then woken), which wakeupsPerS counts
    expect(b.wakeupsPerS).toBeGreaterThan(5 * Math.max(q.wakeupsPerS ?? 0, 1));
    expect(b.voluntaryWakeupsPerS).toBe(b.wakeupsPerS);
    expect(b.voluntaryWakeupsPerS!).toBeGreaterThan(b.involuntaryWakeupsPerS!);
    // attach never moves a process into a cgroup: its CPU is read from /proc
    expect(b.cpuSource).toBe("proc-tree");
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/\| worker \| busy \|/);
    expect(report).toContain("left them running");
  });

  it("marks a process that exits during the window, without failing", async () => {
    // lives about 6 s: long enough for the harness to start and warm up on a loaded CI machine (no
    // wake-up counter: bpftrace's compile is the part of the start that grows most with load), and far
    // shorter than the window
    const shortLived = startNode("setTimeout(()=>{},6000)");
    const out = tempDir();
    const r = await runHarness(["attach", "--pid", String(shortLived.pid), "--role", `${shortLived.pid}=server`, "--duration", "9", "--wakeups", "off", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const p = result.processes[0]!;
    expect(p.role).toBe("server");
    expect(p.exit).toBeDefined();
    expect(p.exit!.atS).toBeLessThan(9);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/exited at [\d.]+ s/);
    expect(result.problems.join(" ")).toMatch(/exited during the measurement/);
  });

  it("scrapes a Python server's own counters through --metrics and --metrics-map", async () => {
    const examples = join(ROOT, "scenarios", "examples");
    const server = start("python3", ["-m", "python_server", "--port", "0"], { cwd: examples, read: true });
    const url = (await waitFor(server, /listening on (http:\S+)/))[1] as string;
    const worker = start("python3", ["-m", "python_worker", "--server", url, "--name", "w1", "--strategy", "backoff:20"], { cwd: examples });
    const out = tempDir();
    const r = await runHarness([
      "attach", "--pid", String(server.pid), "--role", `${server.pid}=server`, "--name", `${server.pid}=api`, "--pid", String(worker.pid), "--name", `${worker.pid}=w1`,
      "--duration", "3", "--warmup", "1", "--metrics", `${url}/metrics`, "--metrics-map", "polls=myapp_requests_total", "--metrics-map", "emptyPolls=myapp_empty_total", "--out", out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    expect(result.server.pollsPerS!).toBeGreaterThan(0);
    expect(result.server.emptyPollRatio).toBe(1);
    expect(result.server.perLoop.map((l) => l.worker)).toEqual(["w1"]);
    expect(result.roles.server?.count).toBe(1);
    expect(alive(server.pid!)).toBe(true);
    expect(alive(worker.pid!)).toBe(true);
    const bad = await runHarness(["attach", "--pid", String(worker.pid), "--duration", "1", "--metrics-map", "pols=x_total", "--metrics", `${url}/metrics`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("pols");
  });

  it("exits 2 naming a pid that does not exist, and one given twice", async () => {
    const me = startNode("setInterval(()=>{},1000)");
    const r = await runHarness(["attach", "--pid", String(me.pid), "--pid", "999999999", "--duration", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("999999999");
    const twice = await runHarness(["attach", "--pid", String(me.pid), "--pid", String(me.pid), "--duration", "1"]);
    expect(twice.code).toBe(2);
    const noDuration = await runHarness(["attach", "--pid", String(me.pid)]);
    expect(noDuration.code).toBe(2);
    expect(noDuration.stderr).toContain("--duration");
    expect(alive(me.pid!)).toBe(true);
  });
});
