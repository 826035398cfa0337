/**
 * Every discovery strategy end to end through `harness run` on the built-in scenarios, on short
 * windows. Counts and ratios with wide margins, never absolute times: the machine is shared.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";

const SHORT = ["--duration", "4", "--warmup", "1", "--quiet"];

let lastOut = "";

async function run(scenario: string, ...args: string[]): Promise<RunResult> {
  const out = tempDir();
  lastOut = out;
  const r = await runHarness(["run", scenario, ...SHORT, "--out", out, ...args]);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
  expect(result.status).toBe("ok");
  return result;
}

const loop = (r: RunResult, name: string) => r.server.perLoop.find((l) => l.loop === name);

describe("bad strategy strings", () => {
  it("the harness exits 2 before starting anything, showing the accepted forms", async () => {
    const r = await runHarness(["run", "exponential-backoff", "--set", "strategy=exponential:100,0.5,1200", "--out", join(tempDir(), "never")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("exponential:<base>,<factor>,<cap>[,jitter]");
    expect(r.stderr).toContain("long-poll:<ms>");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("the reference worker exits 2 with one line naming the loop and the accepted forms", () => {
    const worker = join(ROOT, "dist", "src", "worker", "main.js");
    for (const bad of ["fixed", "notify:soon", "long-poll:0", "wobble"]) {
      const r = spawnSync(process.execPath, [worker, "--server", "http://127.0.0.1:1", "--loop", `task=${bad}`, "--check"], { encoding: "utf8" });
      expect(r.status, bad).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--loop task");
      expect(r.stderr).toContain("tight | fixed:<ms> | exponential:<base>,<factor>,<cap>[,jitter] | notify:<fallbackMs> | long-poll:<ms>");
    }
  });
});

describe("strategies end to end", () => {
  it("interval-sweep: the tight task loop outpolls the 100 ms workflow loop and shows the <1 ms gap signature", async () => {
    const r = await run("interval-sweep");
    const task = loop(r, "task")!;
    const workflow = loop(r, "workflow")!;
    expect(workflow.pollsPerS).toBeGreaterThan(0);
    expect(task.pollsPerS).toBeGreaterThan(10 * workflow.pollsPerS);
    expect(workflow.gapUnder1msShare ?? 0).toBeLessThan(0.1);
    expect(workflow.requestsPerDay).toBe(Math.round(workflow.pollsPerS * 86_400));
    expect(r.server.series!.length).toBeGreaterThanOrEqual(3);
  });

  it("notifications: broadcast triggers polls and cuts pickup latency against the same worker with notifications off", async () => {
    const off = await run("notifications-off", "--set", "taskStrategy=fixed:100");
    const on = await run("notifications-broadcast", "--set", "taskStrategy=fixed:100");
    expect(off.server.notificationsPerS).toBe(0);
    expect(off.server.notifiedPollsPerS).toBe(0);
    expect(on.server.notificationsPerS!).toBeGreaterThan(0);
    expect(on.server.notifiedPollsPerS!).toBeGreaterThan(0);
    expect(off.server.pickupLatencyMs!.count).toBeGreaterThanOrEqual(3);
    expect(on.server.pickupLatencyMs!.count).toBeGreaterThanOrEqual(3);
    // seed 002: up to the poll interval without notifications, near zero with them
    expect(on.server.pickupLatencyMs!.p50).toBeLessThan(off.server.pickupLatencyMs!.p50 / 2);
    expect(on.server.fanout!.notificationsPerEnqueue).toBeGreaterThan(0.5);
  });

  it("exponential backoff: far fewer idle polls than fixed at the same base, and it resets to the base after work", async () => {
    const expo = await run("exponential-backoff", "--duration", "6", "--set", "trickleMs=2500");
    const fixed = await run("exponential-backoff", "--duration", "6", "--set", "trickleMs=2500", "--set", "strategy=fixed:100");
    expect(fixed.server.emptyPollsPerS!).toBeGreaterThan(2.5 * expo.server.emptyPollsPerS!);
    expect(expo.server.claimsPerS!).toBeGreaterThan(0);
    // right after a claim the loop sleeps its base (100 ms), not the cap (1.2 s)
    expect(expo.server.backoffAfterWorkMs!.count).toBeGreaterThan(0);
    expect(expo.server.backoffAfterWorkMs!.p50).toBeLessThan(400);
    expect(expo.scenario.timeScale).toBe(100);
    const series = expo.server.series!;
    expect(series.some((p) => p.claimsPerS > 0)).toBe(true);
  });

  it("long-poll: a small fraction of fixed 100 ms's idle polls, jobs released by work", async () => {
    const lp = await run("long-poll");
    const fixed = await run("long-poll", "--set", "strategy=fixed:100");
    expect(fixed.server.emptyPollsPerS!).toBeGreaterThan(5 * Math.max(lp.server.emptyPollsPerS!, 0.2));
    expect(lp.server.longPollsReleasedByWorkPerS!).toBeGreaterThan(0);
    expect(lp.server.claimsPerS!).toBeGreaterThan(0);
  });

  it("thundering herd: broadcast wakes all 100 workers per job, targeted only the 10 of its queue", async () => {
    const bc = await run("thundering-herd", "--warmup", "2");
    const report = readFileSync(join(lastOut, "report.md"), "utf8");
    const tg = await run("thundering-herd", "--warmup", "2", "--set", "notify=targeted");
    expect(bc.processes.filter((p) => p.role === "worker")).toHaveLength(5);
    expect(bc.server.perLoop).toHaveLength(100);
    const b = bc.server.fanout!;
    const t = tg.server.fanout!;
    expect(b.notificationsPerEnqueue).toBeGreaterThan(80);
    expect(b.notificationsPerEnqueue).toBeLessThan(120);
    expect(t.notificationsPerEnqueue).toBeGreaterThan(8);
    expect(t.notificationsPerEnqueue).toBeLessThan(12);
    expect(b.wastedWakeupsPerEnqueue).toBeGreaterThan(5 * t.wastedWakeupsPerEnqueue);
    expect(report).toContain("### Fan-out per enqueue");
    expect(report).toContain("### Server polls over time");
  });
});
