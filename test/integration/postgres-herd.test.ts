/**
 * postgres-herd: two server replicas on one Postgres, 100 notify workers over 10 queues spread over
 * both, the load generator enqueuing on the first. Notifications go through the database: broadcast
 * (one channel) wakes all ~100 workers per job, targeted (a channel per queue) only the ~10 of the
 * job's queue, on both replicas. Counters are read from every replica's /metrics and summed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { clusterDirOf, gone, PG_BIN, postgresProcesses } from "../helpers/postgres.js";

interface Result {
  processes: { role: string; name: string }[];
  server: { metricsUrl: string | null; enqueuedPerS: number | null; fanout?: { notificationsPerEnqueue: number; enqueued: number; queueSubscribersPerEnqueue: number | null } };
}

describe.skipIf(!PG_BIN)("postgres-herd across two replicas", () => {
  it.each([
    ["broadcast", 100],
    ["targeted", 10],
  ] as const)("%s: about %i notifications per job", async (notify, perJob) => {
    const out = tempDir("pg-herd-");
    const r = await runHarness(["run", "postgres-herd", "--set", `notify=${notify}`, "--duration", "6", "--warmup", "2", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as Result;
    expect(result.processes.filter((p) => p.role === "server").map((p) => p.name)).toEqual(["server", "server-2"]);
    expect(result.processes.filter((p) => p.role === "database")).toHaveLength(1);
    // both replicas' counters, summed
    expect(result.server.metricsUrl).toMatch(/^http:\/\/\S+\/metrics \+ http:\/\/\S+\/metrics$/);
    const f = result.server.fanout;
    expect(f?.enqueued).toBeGreaterThanOrEqual(3);
    // wide margins: a job enqueued near a scrape can count on one side only
    expect(f!.notificationsPerEnqueue).toBeGreaterThan(perJob * 0.6);
    expect(f!.notificationsPerEnqueue).toBeLessThan(perJob * 1.4);
    // every worker of the job's queue hears it, wherever it is connected: 10 subscribers per queue over both replicas
    expect(f!.queueSubscribersPerEnqueue).toBeGreaterThan(6);
    expect(f!.queueSubscribersPerEnqueue).toBeLessThan(14);
    expect(gone(clusterDirOf(r.stderr))).toBe(true);
    expect(postgresProcesses()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});
