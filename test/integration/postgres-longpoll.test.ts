/**
 * Long-polls relayed between two server replicas on one Postgres: a job enqueued on replica A wakes
 * the long-polls held on replica B through the enqueue's NOTIFY on the queue's channel, so B answers
 * in far less than the poll's timeout; of several woken waiters exactly one gets the job (SKIP
 * LOCKED), and a waiter that lost the race waits on until its deadline, its wake-up counted as wasted.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, sumMetric } from "../../harness/sample/prometheus.js";
import { leftoverProcesses } from "../global-setup.js";
import { PG_BIN, postgresProcesses, startCluster, startPostgresServer, stopChild, type TestCluster } from "../helpers/postgres.js";

interface Replica {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function metric(r: Replica, name: string, match: Record<string, string> = {}): Promise<number> {
  return sumMetric(parsePrometheusText(await (await fetch(`${r.url}/metrics`)).text()), name, match);
}

async function until(ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (let t = 0; t < ms; t += 25) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not met in time");
}

interface Answer {
  worker: string;
  job: { id: number } | null;
  /** from sending the poll to its answer, ms */
  heldMs: number;
  /** performance.now() at the answer */
  at: number;
}

function longPoll(r: Replica, worker: string, queue: string, waitMs: number): Promise<Answer> {
  const t0 = performance.now();
  return post(`${r.url}/poll`, { worker, loop: "task", queue, waitMs }).then((b) => {
    const at = performance.now();
    return { worker, job: b.job as Answer["job"], heldMs: at - t0, at };
  });
}

/** The counters a test reads, so it can compare after with before: a retried test meets the first try's counts. */
const COUNTERS: [string, string, Record<string, string>?][] = [
  ["claims", "jobs_claims_total"],
  ["pickupSum", "jobs_pickup_latency_seconds_sum"],
  ["byWork", "jobs_longpolls_total", { released: "work" }],
  ["byTimeout", "jobs_longpolls_total", { released: "timeout" }],
  ["notified", "jobs_notified_polls_total"],
  ["notifiedEmpty", "jobs_notified_empty_polls_total"],
];
async function counters(r: Replica): Promise<Record<string, number>> {
  const text = parsePrometheusText(await (await fetch(`${r.url}/metrics`)).text());
  return Object.fromEntries(COUNTERS.map(([key, name, match]) => [key, sumMetric(text, name, match ?? {})]));
}
async function since(r: Replica, before: Record<string, number>): Promise<Record<string, number>> {
  const now = await counters(r);
  return Object.fromEntries(Object.keys(now).map((k) => [k, (now[k] as number) - (before[k] as number)]));
}

let attempt = 0;
/** Fresh queue and worker names per try, and no poll of an earlier try still held. */
async function freshTry(...replicas: Replica[]): Promise<string> {
  await until(async () => {
    for (const r of replicas) if ((await metric(r, "jobs_longpolls_waiting")) !== 0) return false;
    return true;
  }, 15_000);
  return `t${++attempt}`;
}

describe.skipIf(!PG_BIN)("long-polls across two Postgres replicas", () => {
  let cluster: TestCluster | undefined;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    cluster = await startCluster();
    a = await startPostgresServer(cluster.url);
    b = await startPostgresServer(cluster.url);
  });

  afterAll(async () => {
    for (const r of [a, b]) if (r) await stopChild(r.child, "SIGTERM");
    const dir = cluster?.dir;
    await cluster?.stop();
    expect(dir && existsSync(dir)).toBe(false);
    expect(postgresProcesses()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });

  it("a job enqueued on A answers a long-poll held on B far sooner than its timeout; one of B's 3 waiters gets it, the others wait on", async () => {
    const waitMs = 4000;
    const t = await freshTry(a, b);
    const [beforeA, beforeB] = [await counters(a), await counters(b)];
    const polls = ["b1", "b2", "b3"].map((w) => longPoll(b, `${w}-${t}`, `relay1-${t}`, waitMs));
    await until(async () => (await metric(b, "jobs_longpolls_waiting")) === 3);
    const t0 = performance.now();
    const id = (await post(`${a.url}/jobs`, { queue: `relay1-${t}` })).id as number;
    const first = await Promise.race(polls);
    // wide margin: the relay is a NOTIFY and a claim (milliseconds); without it, B answers at its timeout
    expect(first.at - t0).toBeLessThan(waitMs / 5);
    expect(first.job?.id).toBe(id);
    const all = await Promise.all(polls);
    expect(all.filter((p) => p.job !== null)).toHaveLength(1);
    // the others were not answered early with nothing: they waited until their deadline
    for (const p of all.filter((x) => x.job === null)) expect(p.heldMs).toBeGreaterThan(waitMs * 0.9);
    // exactly one claim, on B; its pickup latency (server clock) far below the timeout too
    const [onA, onB] = [await since(a, beforeA), await since(b, beforeB)];
    expect(onA.claims).toBe(0);
    expect(onB.claims).toBe(1);
    expect((onB.pickupSum as number) * 1000).toBeLessThan(waitMs / 5);
    expect(onB.byWork).toBe(1);
    expect(onB.byTimeout).toBe(2);
    // B woke one waiter for the one job, and it won
    expect(onB.notified).toBe(1);
    expect(onB.notifiedEmpty).toBe(0);
  });

  it("a waiter on each replica: both wake, one claims, the loser's wake-up is counted as wasted and it waits until its deadline", async () => {
    const waitMs = 3000;
    const t = await freshTry(a, b);
    const [ra, rb] = [`ra-${t}`, `rb-${t}`];
    const polls = [longPoll(a, ra, `relay2-${t}`, waitMs), longPoll(b, rb, `relay2-${t}`, waitMs)];
    await until(async () => (await metric(a, "jobs_longpolls_waiting")) === 1 && (await metric(b, "jobs_longpolls_waiting")) === 1);
    const t0 = performance.now();
    await post(`${a.url}/jobs`, { queue: `relay2-${t}` });
    const first = await Promise.race(polls);
    expect(first.at - t0).toBeLessThan(waitMs / 5);
    const all = await Promise.all(polls);
    expect(all.filter((p) => p.job !== null)).toHaveLength(1);
    const loser = all.find((p) => p.job === null) as Answer;
    expect(loser.heldMs).toBeGreaterThan(waitMs * 0.9);
    const sum = async (name: string, worker: string): Promise<number> => (await metric(a, name, { worker })) + (await metric(b, name, { worker }));
    expect((await sum("jobs_claims_total", ra)) + (await sum("jobs_claims_total", rb))).toBe(1);
    // one wake-up per replica, one of them wasted (the loser's)
    expect(await sum("jobs_notified_polls_total", ra)).toBe(1);
    expect(await sum("jobs_notified_polls_total", rb)).toBe(1);
    expect(await sum("jobs_notified_empty_polls_total", loser.worker)).toBe(1);
    expect(await sum("jobs_notified_empty_polls_total", first.worker)).toBe(0);
  });

  it("a replica whose listening connection was lost says so once and wakes its own long-polls on its own enqueues", async () => {
    const waitMs = 4000;
    const t = await freshTry(a, b);
    const poll = longPoll(b, `lost-${t}`, `relay3-${t}`, waitMs);
    await until(async () => (await metric(b, "jobs_longpolls_waiting")) === 1);
    // end every listening connection (their last statement was a LISTEN or UNLISTEN), as a database restart would
    // (a retry finds B's connection already lost: nothing to end then)
    if (!/was lost/.test(b.stderr())) {
      const admin = new pg.Client({ connectionString: cluster!.url });
      await admin.connect();
      try {
        const ended = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ~* '^\\s*(UN)?LISTEN ' AND pid <> pg_backend_pid()");
        expect(ended.rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
    }
    await until(async () => /connection that hears other replicas' jobs was lost/.test(b.stderr()));
    const t0 = performance.now();
    await post(`${b.url}/jobs`, { queue: `relay3-${t}` });
    const answer = await poll;
    expect(answer.job).not.toBeNull();
    expect(answer.at - t0).toBeLessThan(waitMs / 5);
    expect(b.stderr().match(/was lost/g)).toHaveLength(1);
  });
});
