/**
 * Held long-polls with a relay (Postgres replicas): a heard job wakes one free waiter, which claims
 * for itself; one that loses the race keeps waiting until its deadline, and each wake-up is counted
 * (empty ones as wasted). No database here: claims are scripted promises.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LongPolls, RELAY_LINGER_MS, type Relay } from "../../src/server/longpoll.js";
import { createMetrics, type Metrics } from "../../src/server/metrics.js";
import type { Job } from "../../src/server/store.js";

const job = (id: number): Job => ({ id, queue: "q", payload: null, enqueuedAt: 0 });

async function total(m: { get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

/** A claim the test answers by hand, one call at a time. */
function scriptedClaim(): { claim: () => Promise<Job | undefined>; calls: number; answer(j: Job | undefined): void } {
  const pending: ((j: Job | undefined) => void)[] = [];
  const s = {
    calls: 0,
    claim: () => {
      s.calls++;
      return new Promise<Job | undefined>((r) => pending.push(r));
    },
    answer: (j: Job | undefined) => pending.shift()?.(j),
  };
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function relay(): Relay & { listens: string[]; unlistens: string[] } {
  const r = { listens: [] as string[], unlistens: [] as string[], listen: async (q: string) => void r.listens.push(q), unlisten: (q: string) => void r.unlistens.push(q) };
  return r;
}

interface Held {
  answered: Job | undefined | "pending";
  done: Promise<void>;
}

function hold(lp: LongPolls, worker: string, waitMs: number, claim: () => Promise<Job | undefined>): Held {
  const h: Held = { answered: "pending", done: Promise.resolve() };
  h.done = lp.poll("q", worker, "task", waitMs, claim, (j) => (h.answered = j), () => {});
  return h;
}

let lp: LongPolls | undefined;
afterEach(() => {
  lp?.closeAll();
  lp = undefined;
  vi.useRealTimers();
});

function relayed(): { lp: LongPolls; metrics: Metrics; r: ReturnType<typeof relay> } {
  const metrics = createMetrics();
  const r = relay();
  lp = new LongPolls(metrics);
  lp.attachRelay(r);
  return { lp, metrics, r };
}

describe("long-polls woken through a relay", () => {
  it("listens before the first claim; a lost race keeps the poll waiting until its deadline, counted as a wasted wake-up", async () => {
    const { lp, metrics, r } = relayed();
    const c = scriptedClaim();
    // a deadline far above a loaded machine's pauses between these steps
    const h = hold(lp, "w", 1500, c.claim);
    await tick();
    expect(r.listens).toEqual(["q"]);
    c.answer(undefined); // the first claim: empty
    await tick();
    lp.wake("q"); // a job heard; another replica takes it
    await tick();
    expect(c.calls).toBe(2);
    c.answer(undefined);
    await tick();
    expect(h.answered).toBe("pending");
    expect(await total(metrics.notifiedPolls, { worker: "w" })).toBe(1);
    expect(await total(metrics.notifiedEmptyPolls, { worker: "w" })).toBe(1);
    const t0 = Date.now();
    await h.done;
    expect(h.answered).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThan(750);
    expect(await total(metrics.longPolls, { released: "timeout" })).toBe(1);
  });

  it("one job wakes one waiter, oldest first; the others stay held", async () => {
    const { lp, metrics } = relayed();
    const a = scriptedClaim();
    const b = scriptedClaim();
    const ha = hold(lp, "a", 60_000, a.claim);
    await tick();
    a.answer(undefined);
    const hb = hold(lp, "b", 60_000, b.claim);
    await tick();
    b.answer(undefined);
    await tick();
    lp.wake("q");
    await tick();
    expect([a.calls, b.calls]).toEqual([2, 1]);
    a.answer(job(7));
    await ha.done;
    expect(ha.answered).toEqual(job(7));
    expect(hb.answered).toBe("pending");
    expect(await total(metrics.notifiedPolls)).toBe(1);
    expect(await total(metrics.notifiedEmptyPolls)).toBe(0);
    expect(await total(metrics.longPolls, { released: "work" })).toBe(1);
    expect(await total(metrics.longPollsWaiting)).toBe(1);
  });

  it("a job heard while every waiter is claiming is not lost: the claim that comes back empty tries again", async () => {
    const { lp, metrics } = relayed();
    const c = scriptedClaim();
    const h = hold(lp, "w", 60_000, c.claim);
    await tick();
    c.answer(undefined);
    await tick();
    lp.wake("q"); // job 1: the waiter claims
    await tick();
    lp.wake("q"); // job 2, heard meanwhile: nobody free
    await tick();
    c.answer(undefined); // job 1 went elsewhere
    await tick();
    expect(c.calls).toBe(3);
    c.answer(job(2));
    await h.done;
    expect(h.answered).toEqual(job(2));
    expect(await total(metrics.notifiedPolls)).toBe(2);
    expect(await total(metrics.notifiedEmptyPolls)).toBe(1);
  });

  it("a job heard during the first claim makes it claim again before holding", async () => {
    const { lp } = relayed();
    const c = scriptedClaim();
    const h = hold(lp, "w", 60_000, c.claim);
    await tick();
    lp.wake("q"); // committed after the first claim looked
    c.answer(undefined);
    await tick();
    expect(c.calls).toBe(2);
    c.answer(job(3));
    await h.done;
    expect(h.answered).toEqual(job(3));
  });

  it("a deadline during a claim waits for it: a job claimed for the poll is answered, not dropped", async () => {
    const { lp, metrics } = relayed();
    const c = scriptedClaim();
    const h = hold(lp, "w", 1000, c.claim);
    await tick();
    c.answer(undefined);
    await tick();
    lp.wake("q");
    await new Promise((r) => setTimeout(r, 1500)); // past the deadline, the claim still in flight
    expect(h.answered).toBe("pending");
    c.answer(job(4));
    await h.done;
    expect(h.answered).toEqual(job(4));
    expect(await total(metrics.longPolls, { released: "work" })).toBe(1);
    expect(await total(metrics.longPolls, { released: "timeout" })).toBe(0);
  });

  it("keeps the queue's channel a while after its last poll, then unlistens", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { lp, r } = relayed();
    const h = hold(lp, "w", 0 + 1000, async () => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    await h.done;
    const again = hold(lp, "w", 1000, async () => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    await again.done;
    expect(r.listens).toEqual(["q"]);
    expect(r.unlistens).toEqual([]);
    await vi.advanceTimersByTimeAsync(RELAY_LINGER_MS);
    expect(r.unlistens).toEqual(["q"]);
  });

  it("alone (no relay) an enqueue wakes a waiter and nothing is counted as notified", async () => {
    const metrics = createMetrics();
    lp = new LongPolls(metrics);
    let n = 0;
    const h = hold(lp, "w", 60_000, async () => (n++ === 0 ? undefined : job(5)));
    await tick();
    lp.wake("q");
    await h.done;
    expect(h.answered).toEqual(job(5));
    expect(await total(metrics.notifiedPolls)).toBe(0);
  });
});
