/** The reference server over real HTTP: endpoints, bad input, long-poll and notification fan-out. */
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/http.js";
import { startWorker, type RunningWorker } from "../../src/worker/loop.js";
import { parseStrategy } from "../../src/worker/strategy.js";
import { parsePrometheusText, sumMetric } from "../../harness/sample/prometheus.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer({ db: ":memory:", sseHeartbeatMs: 0, ...opts });
  cleanups.push(() => s.close());
  return s;
}

function worker(...args: Parameters<typeof startWorker>): RunningWorker {
  const w = startWorker(...args);
  cleanups.unshift(() => w.stop());
  return w;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function metric(s: RunningServer, name: string, match: Record<string, string> = {}): Promise<number> {
  return sumMetric(parsePrometheusText(await (await fetch(`${s.url}/metrics`)).text()), name, match);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("reference server", () => {
  it("enqueues, claims once, completes, and counts it", async () => {
    const s = await server();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const e = await post(`${s.url}/jobs`, { queue: "q", payload: { x: 1 } });
    expect(e.status).toBe(201);
    const p1 = await post(`${s.url}/poll`, { worker: "w", loop: "task", queue: "q" });
    expect((p1.json.job as { id: number }).id).toBe(e.json.id);
    const p2 = await post(`${s.url}/poll`, { worker: "w", loop: "task", queue: "q" });
    expect(p2.json.job).toBeNull();
    expect((await post(`${s.url}/jobs/${e.json.id as number}/complete`, { worker: "w" })).status).toBe(200);
    expect((await post(`${s.url}/jobs/999/complete`, { worker: "w" })).status).toBe(404);
    expect(await metric(s, "jobs_polls_total")).toBe(2);
    expect(await metric(s, "jobs_empty_polls_total")).toBe(1);
    expect(await metric(s, "jobs_claims_total", { worker: "w", loop: "task" })).toBe(1);
    expect(await metric(s, "jobs_pickup_latency_seconds_count")).toBe(1);
    expect(await metric(s, "jobs_poll_gap_seconds_count")).toBe(1);
  });

  it("answers garbage with 4xx and keeps serving", async () => {
    const s = await server({ maxBodyBytes: 1000 });
    expect((await post(`${s.url}/poll`, "{not json")).status).toBe(400);
    expect((await post(`${s.url}/poll`, { worker: 5, queue: "q" })).status).toBe(400);
    expect((await post(`${s.url}/poll`, [1, 2])).status).toBe(400);
    expect((await post(`${s.url}/jobs`, { queue: "q", payload: "x".repeat(5000) })).status).toBe(413);
    expect((await post(`${s.url}/nowhere`, {})).status).toBe(404);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it("holds a long-poll until a job arrives", async () => {
    const s = await server();
    const pending = post(`${s.url}/poll`, { worker: "w", queue: "q", waitMs: 10_000 });
    await sleep(100);
    await post(`${s.url}/jobs`, { queue: "q" });
    const r = await pending;
    expect(r.json.job).not.toBeNull();
    expect(await metric(s, "jobs_longpolls_total", { released: "work" })).toBe(1);
    const t = await post(`${s.url}/poll`, { worker: "w", queue: "q", waitMs: 50 });
    expect(t.json.job).toBeNull();
    expect(await metric(s, "jobs_longpolls_total", { released: "timeout" })).toBe(1);
  });

  it.each([
    ["broadcast", 6],
    ["targeted", 2],
  ] as const)("%s notification delivers %d events for one job to 6 subscribers over 3 queues", async (mode, expected) => {
    const s = await server({ notify: mode });
    const ws = ["q0", "q1", "q2", "q0", "q1", "q2"].map((queue, i) => worker({ serverUrl: s.url, name: `w${i}`, queue, loops: [{ name: "task", strategy: parseStrategy("notify:60000") }], workMs: 0 }));
    for (let i = 0; i < 50 && (await metric(s, "jobs_sse_subscribers")) < 6; i++) await sleep(20);
    await sleep(100); // let every loop make its first (empty) poll and start waiting
    await post(`${s.url}/jobs`, { queue: "q0" });
    for (let i = 0; i < 100 && (await metric(s, "jobs_claims_total")) < 1; i++) await sleep(20);
    await sleep(200);
    expect(await metric(s, "jobs_notifications_sent_total")).toBe(expected);
    expect(ws.reduce((a, w) => a + w.stats.notificationsSeen, 0)).toBe(expected);
    expect(await metric(s, "jobs_claims_total")).toBe(1);
    // both q0 subscribers poll; one claims, the other's poll is a wasted wake-up
    expect(await metric(s, "jobs_notified_polls_total")).toBe(2);
    expect(await metric(s, "jobs_notified_empty_polls_total")).toBe(1);
  });

  it("a tight loop polls at least 5x more than fixed:100 in the same time (a wide margin: a loaded machine has cut the tight rate to ~14x)", async () => {
    const s = await server();
    worker({ serverUrl: s.url, name: "tight", queue: "q", loops: [{ name: "task", strategy: parseStrategy("tight") }], workMs: 0 });
    worker({ serverUrl: s.url, name: "fixed", queue: "q", loops: [{ name: "task", strategy: parseStrategy("fixed:100") }], workMs: 0 });
    await sleep(1000);
    const tight = await metric(s, "jobs_polls_total", { worker: "tight" });
    const fixed = await metric(s, "jobs_polls_total", { worker: "fixed" });
    expect(tight).toBeGreaterThan(5 * fixed);
  });
});
