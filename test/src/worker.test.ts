/** Worker loops run in-process against an in-process server: strategies, reset on work, errors, stop. */
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/http.js";
import { startWorker, type RunningWorker, type WorkerOptions } from "../../src/worker/loop.js";
import { parseStrategy } from "../../src/worker/strategy.js";
import { metric, post, scrape, sleep, waitFor } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer({ db: ":memory:", sseHeartbeatMs: 0, ...opts });
  cleanups.unshift(() => s.close()); // servers close after the workers
  return s;
}

function worker(serverUrl: string, loops: Record<string, string>, more: Partial<WorkerOptions> = {}): RunningWorker {
  const w = startWorker({ serverUrl, name: "w", queue: "q", loops: Object.entries(loops).map(([name, s]) => ({ name, strategy: parseStrategy(s) })), workMs: 0, ...more });
  cleanups.push(() => w.stop());
  return w;
}

/** A port with nothing listening on it. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe("worker loops", () => {
  it("each loop polls with its own name; a tight loop's gaps are mostly under 1 ms", async () => {
    const s = await server();
    worker(s.url, { task: "tight", workflow: "fixed:100" });
    await sleep(1000);
    const text = await scrape(s.url);
    const tight = metric(text, "jobs_polls_total", { worker: "w", loop: "task" });
    const fixed = metric(text, "jobs_polls_total", { worker: "w", loop: "workflow" });
    expect(fixed).toBeGreaterThan(0);
    // the 20x contract ratio is asserted in server.test.ts; here only that both loops ran, apart
    expect(tight).toBeGreaterThan(5 * fixed);
    const under1ms = metric(text, "jobs_poll_gap_seconds_bucket", { loop: "task", le: "0.001" });
    const all = metric(text, "jobs_poll_gap_seconds_count", { loop: "task" });
    expect(under1ms / all).toBeGreaterThan(0.5);
    expect(metric(text, "jobs_poll_gap_seconds_bucket", { loop: "workflow", le: "0.05" })).toBe(0);
  });

  it("claims and completes jobs, polling again at once after work", async () => {
    const s = await server();
    for (let i = 0; i < 5; i++) await post(s.url, "/jobs", { queue: "q" });
    const w = worker(s.url, { task: "fixed:60000" }, { workMs: 5 });
    await waitFor(async () => metric(await scrape(s.url), "jobs_completed_total") === 5);
    // five claims and one empty poll: no sleep between jobs, then the long fixed sleep
    expect(w.stats.claims).toBe(5);
    expect(w.stats.polls).toBe(6);
  });

  it("exponential backoff slows down when idle and resets on work (seed 004)", async () => {
    const s = await server();
    const w = worker(s.url, { task: "exponential:20,2,2000" });
    await sleep(700); // sleeps 20, 40, 80, 160, 320 → about 5-6 polls
    const idlePolls = w.stats.polls;
    expect(idlePolls).toBeGreaterThanOrEqual(3);
    expect(idlePolls).toBeLessThanOrEqual(8);
    await post(s.url, "/jobs", { queue: "q" });
    await waitFor(() => w.stats.claims === 1, 5000);
    const afterClaim = w.stats.polls;
    await sleep(250); // back to the base: 20, 40, 80 → at least 3 more polls soon after the claim
    expect(w.stats.polls - afterClaim).toBeGreaterThanOrEqual(3);
  });

  it("a long-poll loop makes few requests and picks a job up as soon as it is enqueued", async () => {
    const s = await server();
    const w = worker(s.url, { task: "long-poll:60000" });
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 1);
    await post(s.url, "/jobs", { queue: "q" });
    await waitFor(() => w.stats.claims === 1);
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 1);
    expect(w.stats.polls).toBe(2);
    expect(metric(await scrape(s.url), "jobs_longpolls_total", { released: "work" })).toBe(1);
  });

  it("a notify loop ignores other queues' broadcasts but wakes at once for its own", async () => {
    const s = await server({ notify: "broadcast" });
    const w = worker(s.url, { task: "notify:60000" });
    await waitFor(async () => metric(await scrape(s.url), "jobs_sse_subscribers") === 1 && w.stats.polls === 1);
    await post(s.url, "/jobs", { queue: "other" });
    await waitFor(() => w.stats.notificationsSeen === 1);
    await sleep(50);
    expect(w.stats.polls).toBe(1); // woken, parsed, ignored
    await post(s.url, "/jobs", { queue: "q" });
    await waitFor(() => w.stats.claims === 1);
    const text = await scrape(s.url);
    expect(metric(text, "jobs_notified_polls_total", { worker: "w" })).toBe(1);
    expect(w.stats.notificationsForMe).toBe(1);
  });

  it("with notifications off a notify loop falls back to its timer", async () => {
    const s = await server({ notify: "off" });
    const w = worker(s.url, { task: "notify:100" });
    await waitFor(() => w.stats.polls >= 1);
    await post(s.url, "/jobs", { queue: "q" });
    await waitFor(() => w.stats.claims === 1, 5000);
    expect(w.stats.notificationsSeen).toBe(0);
    expect(metric(await scrape(s.url), "jobs_notified_polls_total")).toBe(0);
  });

  it("backs off on connection errors, logs once per state change, and stops promptly", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const w = worker(`http://127.0.0.1:${port}`, { task: "tight" }, { log: (l) => lines.push(l) });
    await sleep(800); // 100 + 200 + 400 ms of backoff: a handful of attempts, not thousands
    expect(w.stats.errors).toBeGreaterThanOrEqual(2);
    expect(w.stats.errors).toBeLessThanOrEqual(6);
    expect(lines).toHaveLength(1);
    const t0 = Date.now();
    await w.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("stop() ends a held long-poll and an SSE subscription at once", async () => {
    const s = await server({ notify: "targeted" });
    const w = startWorker({ serverUrl: s.url, name: "w", queue: "q", loops: [{ name: "a", strategy: parseStrategy("long-poll:60000") }, { name: "b", strategy: parseStrategy("notify:60000") }], workMs: 0 });
    await waitFor(async () => {
      const text = await scrape(s.url);
      return metric(text, "jobs_longpolls_waiting") === 1 && metric(text, "jobs_sse_subscribers") === 1;
    });
    const t0 = Date.now();
    await w.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await waitFor(async () => {
      const text = await scrape(s.url);
      return metric(text, "jobs_longpolls_waiting") === 0 && metric(text, "jobs_sse_subscribers") === 0;
    });
  });
});
