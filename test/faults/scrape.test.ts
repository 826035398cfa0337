/**
 * Fault matrix, what the harness reads: a server's /metrics that hangs, answers 500 or answers
 * garbage, and /proc entries that vanish or change owner between two reads.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { trackGroups } from "../helpers/groups.js";
import { Sampler } from "../../harness/sample/sampler.js";
import { identify, nowSeconds, snapshotTree } from "../../harness/sample/tree-snapshot.js";
import { readStat } from "../../harness/sample/proc.js";
import { processFigures } from "../../harness/analyze/process-figures.js";
import { expectLeaves, expectRow, FIXTURES, harness, loadResult, matrixTests, scratch } from "./helpers.js";
import type { FaultCase } from "./matrix.js";

const { dir, env, scenario } = scratch("scrape");
const start = trackGroups();
const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", () => r())));

async function scrapeRow(row: FaultCase, mode: "hang" | "500" | "garbage"): Promise<void> {
  const file = scenario(`scrape-${mode}`, [
    `server: { name: srv, command: ['${process.execPath}', '${join(FIXTURES, "metrics-server.mjs")}', '${mode}'], ready: { stdout: '^LISTENING (http://\\S+)' }, metrics: '{server.url}/metrics' }`,
    "workers: [{ name: w, command: [sleep, '60'] }]",
  ]);
  const out = join(dir, `scrape-${mode}`);
  const r = await harness(["run", file, "--duration", "2", "--warmup", "0", "--sample", "0.5", "--out", out], env);
  expectRow(row, r, out);
  const res = loadResult(out);
  // counters never read are unknown, never 0, and no verdict is drawn from them
  expect(res.server.scraped).toBe(false);
  expect(res.server.pollsPerS).toBeNull();
  expect(res.server.series ?? []).toEqual([]);
  expect(JSON.stringify(res.verdicts)).not.toMatch(/polls\/s/);
  if (mode === "hang") {
    expect(res.problems.join("\n")).toMatch(/per-interval scrapes stopped/);
    // one 5 s timeout at each end at most: the readings in between did not each wait for it
    expect(res.window.measuredS).toBeLessThan(9);
  }
  await expectLeaves(row, out);
}

matrixTests("scrape", {
  "run: scrape endpoint hangs": (row) => scrapeRow(row, "hang"),
  "run: scrape endpoint answers 500": (row) => scrapeRow(row, "500"),
  "run: scrape endpoint answers garbage": (row) => scrapeRow(row, "garbage"),
  "sampler: process exits between listing and reading": async () => {
    // a shell that burns a little CPU, then exits; the sampler must record it as gone, not throw
    const c = start("/bin/sh", ["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.6"]);
    const target = identify(c.pid as number)!;
    const s = new Sampler();
    s.add("p", target);
    s.windowStart = nowSeconds();
    await s.tick(nowSeconds());
    await new Promise((r) => setTimeout(r, 300));
    await s.tick(nowSeconds());
    await exited(c);
    await s.tick(nowSeconds());
    await s.tick(nowSeconds());
    s.close();
    const track = s.tracks.get("p")!;
    expect(track.readings.map((r) => r.snap.alive)).toEqual([true, true, false, false]);
    expect(track.readings[2]!.intervalCpu).toBeUndefined();
    expect(track.lastAlive).toBe(track.readings[1]);
    const fig = processFigures(track, { role: "worker", name: "p", group: "p", pid: target.pid, command: [], log: "" }, 10, 1, 100);
    expect(fig.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(fig.members.length).toBeGreaterThanOrEqual(1);
  },
  "sampler: pid reused by another program": async () => {
    const me = readStat(process.pid)!;
    const stranger = snapshotTree({ pid: process.pid, startTicks: me.startTicks + 1 });
    expect(stranger.alive).toBe(false);
    expect(stranger.members).toEqual([]);
    // a file kept open across ticks stops reading once its process is gone
    const c = start("sleep", ["30"]);
    const target = identify(c.pid as number)!;
    const s = new Sampler();
    s.add("p", target);
    await s.tick(nowSeconds());
    process.kill(-(c.pid as number), "SIGKILL");
    await exited(c);
    await s.tick(nowSeconds());
    expect(s.tracks.get("p")!.readings[1]!.snap.alive).toBe(false);
    expect(snapshotTree({ pid: target.pid, startTicks: target.startTicks }, undefined, true).alive).toBe(false);
    s.close();
  },
});
