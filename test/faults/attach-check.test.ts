/** Fault matrix, `harness attach` and `harness check`: targets that exit or stop, a dead pid, a bad endpoint, signals, a failing run. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { alive, trackGroups } from "../helpers/groups.js";
import { expectLeaves, expectRow, FIXTURES, harness, loadResult, matrixTests, scratch, startHarness, until } from "./helpers.js";

const { dir, env, scenario } = scratch("attach-check");
const start = trackGroups();

/** The metrics stand-in (its own process group, killed after the test), and its URL once it listens. */
async function metricsServer(mode: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(FIXTURES, "metrics-server.mjs"), mode], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  cleanup.push(child);
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString()));
  await until(() => /LISTENING (\S+)/.test(text), "the metrics stand-in");
  return { child, url: `${/LISTENING (\S+)/.exec(text)![1]}/metrics` };
}
const cleanup: ChildProcess[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) {
    try {
      process.kill(-(c.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  }
});

matrixTests("attach-check", {
  "attach: target exits during the window": async (row) => {
    const short = start("sleep", ["1.5"]);
    const long = start("sleep", ["30"]);
    const out = join(dir, "attach-exit");
    const r = await harness(["attach", "--pid", String(short.pid), "--pid", String(long.pid), "--name", `${short.pid}=short`, "-d", "3", "--out", out], env);
    expectRow(row, r);
    const res = loadResult(out);
    expect(res.processes.find((p) => p.name === "short")!.exit).toMatchObject({ code: null, signal: null });
    expect(alive(long.pid as number)).toBe(true); // attach never stops what it measures
    await expectLeaves(row, out, [long.pid]);
  },
  "attach: every target exits": async (row) => {
    const short = start("sleep", ["1"]);
    const out = join(dir, "attach-all-exit");
    const t0 = Date.now();
    const r = await harness(["attach", "--pid", String(short.pid), "-d", "10", "--out", out], env);
    expectRow(row, r, out);
    expect(Date.now() - t0).toBeLessThan(9000);
    await expectLeaves(row, out);
  },
  "attach: pid not running": async (row) => {
    const gone = start("true", []);
    await new Promise((r) => gone.once("exit", r));
    const out = join(dir, "attach-gone");
    const r = await harness(["attach", "--pid", String(gone.pid), "-d", "1", "--out", out], env);
    expectRow(row, r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    await expectLeaves(row, out);
  },
  "attach: SIGSTOPped target": async (row) => {
    const stopped = start("sleep", ["30"]);
    process.kill(stopped.pid as number, "SIGSTOP");
    const out = join(dir, "attach-stopped");
    const r = await harness(["attach", "--pid", String(stopped.pid), "-d", "1", "--out", out], env);
    expectRow(row, r, out);
    await expectLeaves(row, out, [stopped.pid]);
  },
  "attach: scrape endpoint answers garbage": async (row) => {
    const m = await metricsServer("garbage");
    const out = join(dir, "attach-garbage");
    const r = await harness(["attach", "--pid", String(m.child.pid), "--role", `${m.child.pid}=server`, "-d", "1", "--metrics", m.url, "--out", out], env);
    expectRow(row, r, out);
    expect(loadResult(out).server.pollsPerS).toBeNull();
    await expectLeaves(row, out, [m.child.pid]);
  },
  "attach: SIGINT during the window": async (row) => {
    const target = start("sleep", ["30"]);
    const out = join(dir, "attach-sigint");
    const h = startHarness(["attach", "--pid", String(target.pid), "-d", "20", "--out", out], env);
    await until(() => /\[window/.test(h.stderr()), "the window");
    h.child.kill("SIGINT");
    const r = await h.done;
    expectRow(row, r);
    expect(alive(target.pid as number)).toBe(true);
    await expectLeaves(row, out, [target.pid]);
  },
  "check: a run of the check fails": async (row) => {
    const file = scenario("never-ready", ["server: { name: srv, command: [sleep, '60'], ready: { stdout: '^NEVER' }, readyTimeoutS: 1 }", "workers: [{ name: w, command: [sleep, '60'] }]", "thresholds: { serverCpuPercent: 50 }"]);
    const out = join(dir, "check-fails");
    const r = await harness(["check", file, "--repeat", "2", "-d", "1", "-w", "0", "--out", out], env);
    expectRow(row, r);
    // the last line says it all: which run, why, and where its report is
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^harness: run 1 of never-ready failed .*; see .*run-1\/report\.md$/);
    await expectLeaves(row, join(out, "run-1"));
  },
  "check: SIGTERM during a run": async (row) => {
    const file = scenario("check-sleepers", ["server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }", "workers: [{ name: w, command: [sleep, '60'] }]", "thresholds: { serverCpuPercent: 50 }"]);
    const out = join(dir, "check-sigterm");
    const h = startHarness(["check", file, "--repeat", "2", "-d", "20", "-w", "0", "--out", out], env);
    await until(() => /\[window/.test(h.stderr()), "the first run's window");
    h.child.kill("SIGTERM");
    const r = await h.done;
    expectRow(row, r);
    await expectLeaves(row, join(out, "run-1"));
  },
});
