/** The load generator in-process: trickle round-robins over queues, burst enqueues N per tick. */
import { afterEach, describe, expect, it } from "vitest";
import { startLoad } from "../../src/load/generator.js";
import { startServer, type RunningServer } from "../../src/server/http.js";
import { metric, scrape, sleep, waitFor } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(): Promise<RunningServer> {
  const s = await startServer({ db: ":memory:", sseHeartbeatMs: 0 });
  cleanups.push(() => s.close());
  return s;
}

describe("load generator", () => {
  it("trickle: one job per tick, round-robin over the queues", async () => {
    const s = await server();
    const load = startLoad({ serverUrl: s.url, mode: "trickle", everyMs: 20, burst: 99, queues: ["a", "b"], startDelayMs: 0 });
    cleanups.push(() => load.stop());
    await waitFor(() => load.stats.enqueued >= 6);
    await load.stop();
    const text = await scrape(s.url);
    const a = metric(text, "jobs_enqueued_total", { queue: "a" });
    const b = metric(text, "jobs_enqueued_total", { queue: "b" });
    expect(a + b).toBe(load.stats.enqueued);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
  });

  it("burst: N jobs per tick; idle: none", async () => {
    const s = await server();
    const burst = startLoad({ serverUrl: s.url, mode: "burst", everyMs: 60_000, burst: 7, queues: ["q"], startDelayMs: 0 });
    cleanups.push(() => burst.stop());
    const idle = startLoad({ serverUrl: s.url, mode: "idle", everyMs: 1, burst: 7, queues: ["q"], startDelayMs: 0 });
    cleanups.push(() => idle.stop());
    await waitFor(() => burst.stats.enqueued === 7);
    await sleep(100);
    expect(metric(await scrape(s.url), "jobs_enqueued_total")).toBe(7);
    expect(idle.stats.enqueued).toBe(0);
  });

  it("start delay holds back the first job", async () => {
    const s = await server();
    const load = startLoad({ serverUrl: s.url, mode: "trickle", everyMs: 10, burst: 1, queues: ["q"], startDelayMs: 60_000 });
    cleanups.push(() => load.stop());
    await sleep(150);
    expect(load.stats.enqueued).toBe(0);
  });
});
