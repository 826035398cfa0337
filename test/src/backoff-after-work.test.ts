/**
 * jobs_backoff_after_work_seconds: a loop's sleep after its first empty poll following a claim.
 * An exponential backoff that resets on work sleeps its base there, not the wait it had reached.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/http.js";
import { startWorker, type RunningWorker } from "../../src/worker/loop.js";
import { parseStrategy } from "../../src/worker/strategy.js";
import { metric, post, scrape, sleep, waitFor } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(): Promise<RunningServer> {
  const s = await startServer({ db: ":memory:", sseHeartbeatMs: 0 });
  cleanups.unshift(() => s.close());
  return s;
}

function worker(serverUrl: string, strategy: string): RunningWorker {
  const w = startWorker({ serverUrl, name: "w", queue: "q", loops: [{ name: "task", strategy: parseStrategy(strategy) }], workMs: 0 });
  cleanups.push(() => w.stop());
  return w;
}

const NAME = "jobs_backoff_after_work_seconds";

describe("backoff after work", () => {
  it("is the base of an exponential backoff that had grown to its cap before the job", async () => {
    const s = await server();
    const w = worker(s.url, "exponential:40,2,640");
    await sleep(1300); // 40, 80, 160, 320, 640: at the cap
    expect(metric(await scrape(s.url), `${NAME}_count`)).toBe(0);
    await post(s.url, "/jobs", { queue: "q" });
    await waitFor(() => w.stats.claims === 1, 5000);
    await waitFor(async () => metric(await scrape(s.url), `${NAME}_count`) === 1, 5000);
    const text = await scrape(s.url);
    // observed once, in a bucket well under the cap (the base is 40 ms; allow a loaded machine)
    expect(metric(text, `${NAME}_bucket`, { worker: "w", loop: "task", le: "0.3" })).toBe(1);
    expect(metric(text, `${NAME}_sum`)).toBeLessThan(0.3);
  });

  it("is not observed for a loop that never claims", async () => {
    const s = await server();
    worker(s.url, "fixed:20");
    await sleep(300);
    expect(metric(await scrape(s.url), `${NAME}_count`)).toBe(0);
  });
});
