/** The reference server's edges: SSE modes and heartbeats, abandoned long-polls, validation, shutdown. */
import { get, type IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/http.js";
import { http, metric, post, scrape, sleep, waitFor } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer({ db: ":memory:", sseHeartbeatMs: 0, ...opts });
  cleanups.unshift(() => s.close());
  return s;
}

/** Open an SSE stream and collect everything it sends. */
async function subscribe(base: string, worker: string, queues: string): Promise<{ text: () => string; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}/events?worker=${worker}&queues=${queues}`, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("error", () => undefined);
      cleanups.push(() => void res.destroy());
      resolve({ text: () => text, res });
    });
    req.on("error", reject);
  });
}

const jobEvents = (text: string): { id: number; queue: string }[] =>
  [...text.matchAll(/event: job\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!) as { id: number; queue: string });

describe("reference server edges", () => {
  it("off: streams stay open and silent but for heartbeats", async () => {
    const s = await server({ notify: "off", sseHeartbeatMs: 30 });
    const sub = await subscribe(s.url, "w", "q");
    expect(sub.res.headers["content-type"]).toBe("text/event-stream");
    await post(s.url, "/jobs", { queue: "q" });
    await sleep(150);
    expect(jobEvents(sub.text())).toEqual([]);
    expect(sub.text()).toContain(": heartbeat");
    expect(metric(await scrape(s.url), "jobs_notifications_sent_total")).toBe(0);
  });

  it("targeted: a subscriber of several queues gets each of them, nothing else", async () => {
    const s = await server({ notify: "targeted" });
    const ab = await subscribe(s.url, "w1", "a,b");
    const c = await subscribe(s.url, "w2", "c");
    await waitFor(async () => metric(await scrape(s.url), "jobs_sse_subscribers") === 2);
    for (const queue of ["a", "b", "c", "d"]) await post(s.url, "/jobs", { queue });
    await waitFor(() => jobEvents(ab.text()).length === 2 && jobEvents(c.text()).length === 1);
    expect(jobEvents(ab.text()).map((e) => e.queue)).toEqual(["a", "b"]);
    expect(metric(await scrape(s.url), "jobs_notifications_sent_total")).toBe(3);
  });

  it("broadcast: every subscriber gets every job", async () => {
    const s = await server({ notify: "broadcast" });
    const subs = await Promise.all(["a", "b", "c"].map((q, i) => subscribe(s.url, `w${i}`, q)));
    await waitFor(async () => metric(await scrape(s.url), "jobs_sse_subscribers") === 3);
    await post(s.url, "/jobs", { queue: "a" });
    await post(s.url, "/jobs", { queue: "zzz" });
    await waitFor(() => subs.every((x) => jobEvents(x.text()).length === 2));
    expect(metric(await scrape(s.url), "jobs_notifications_sent_total")).toBe(6);
    subs[0]!.res.destroy();
    await waitFor(async () => metric(await scrape(s.url), "jobs_sse_subscribers") === 2);
  });

  it("long-polls are released oldest first, one per job; close() answers the rest", async () => {
    const s = await server();
    const first = post(s.url, "/poll", { worker: "w1", queue: "q", waitMs: 60_000 });
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 1);
    const second = post(s.url, "/poll", { worker: "w2", queue: "q", waitMs: 60_000 });
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 2);
    const id = ((await post(s.url, "/jobs", { queue: "q" })).json as { id: number }).id;
    expect(((await first).json as { job: { id: number } }).job.id).toBe(id);
    expect(metric(await scrape(s.url), "jobs_longpolls_waiting")).toBe(1);
    await s.close(); // answers every held poll with no job
    expect(((await second).json as { job: null }).job).toBeNull();
  });

  it("a client that gives up on a long-poll frees the waiter", async () => {
    const s = await server();
    const controller = new AbortController();
    const p = fetch(`${s.url}/poll`, { method: "POST", body: JSON.stringify({ worker: "w", queue: "q", waitMs: 60_000 }), signal: controller.signal }).catch(() => "aborted");
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 1);
    controller.abort();
    expect(await p).toBe("aborted");
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 0);
    await post(s.url, "/jobs", { queue: "q" });
    const r = await post(s.url, "/poll", { worker: "w", queue: "q" });
    expect((r.json as { job: unknown }).job).not.toBeNull();
  });

  it("validates fields and counts notified polls", async () => {
    const s = await server();
    expect((await post(s.url, "/poll", { worker: "w" })).status).toBe(400);
    expect((await post(s.url, "/poll", { worker: "w", queue: "q", waitMs: 120_001 })).status).toBe(400);
    expect((await post(s.url, "/poll", { worker: "w", queue: "q", waitMs: "5" })).status).toBe(400);
    expect((await post(s.url, "/poll", { worker: "w", queue: "q", notified: "yes" })).status).toBe(400);
    expect((await post(s.url, "/poll", { worker: "", queue: "q" })).status).toBe(400);
    expect((await post(s.url, "/jobs", {})).status).toBe(400);
    expect((await post(s.url, "/jobs", null)).status).toBe(400);
    expect((await post(s.url, "/jobs/1/complete", {})).status).toBe(400);
    expect((await http(`${s.url}/jobs`, "GET")).status).toBe(404);
    const bad = await post(s.url, "/poll", { worker: "w" });
    expect(bad.json).toEqual({ error: expect.any(String) as string });

    await post(s.url, "/jobs", { queue: "q" });
    await post(s.url, "/poll", { worker: "w", loop: "task", queue: "q", notified: true });
    await post(s.url, "/poll", { worker: "w", loop: "task", queue: "q", notified: true });
    const text = await scrape(s.url);
    expect(metric(text, "jobs_notified_polls_total", { worker: "w", loop: "task" })).toBe(2);
    expect(metric(text, "jobs_notified_empty_polls_total", { worker: "w", loop: "task" })).toBe(1);
    // completing twice: the second time there is no claimed job
    expect((await post(s.url, "/jobs/1/complete", { worker: "w" })).status).toBe(200);
    expect((await post(s.url, "/jobs/1/complete", { worker: "w" })).status).toBe(404);
  });

  it("close() ends SSE streams and held polls promptly", async () => {
    const s = await startServer({ db: ":memory:", notify: "broadcast" });
    const sub = await subscribe(s.url, "w", "q");
    const ended = new Promise((r) => sub.res.on("close", r));
    const held = post(s.url, "/poll", { worker: "w", queue: "q", waitMs: 60_000 });
    await waitFor(async () => metric(await scrape(s.url), "jobs_longpolls_waiting") === 1);
    const t0 = Date.now();
    await s.close();
    await ended;
    expect(((await held).json as { job: unknown }).job).toBeNull();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
