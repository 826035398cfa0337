/** Pure parts of the Postgres store (issue 14): plan checks, replicas' summed counters, channel names, cluster folders in the run record. */
import { mkdirSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../harness/scenario/load.js";
import { buildPlan } from "../../harness/scenario/plan.js";
import { sumScrapes, type PromSample } from "../../harness/sample/prometheus.js";
import { findDeadRuns } from "../../harness/supervise/run-record.js";
import { CLUSTER_PREFIX, findPostgresBin } from "../../harness/supervise/postgres-cluster.js";
import { queueChannel } from "../../src/server/notify-postgres.js";
import { tempDir } from "../helpers/cli.js";

const plan = (ref: string, sets: string[]) => {
  const l = loadScenario(ref, sets);
  return buildPlan(l.scenario, l.file);
};

describe("plan with server.reference.store", () => {
  it("stays SQLite by default, with no database and one server", () => {
    const p = plan("tight-loop", []);
    expect(p.database).toBeUndefined();
    expect(p.replicas).toBeUndefined();
  });

  it("a databaseUrl implies postgres and starts no cluster", () => {
    const p = plan("tight-loop", ["server.reference.databaseUrl=postgres://u@127.0.0.1:5/db"]);
    expect(p.database).toEqual({ kind: "url", url: "postgres://u@127.0.0.1:5/db" });
  });

  it("replicas need postgres; a SQLite file and postgres exclude each other", () => {
    expect(() => plan("tight-loop", ["server.reference.replicas=2"])).toThrow(/replicas share one database: needs server.reference.store: postgres/);
    expect(() => plan("tight-loop", ["server.reference.databaseUrl=postgres://u@h/db", "server.reference.db=/tmp/x.db"])).toThrow(/SQLite file, but the store is postgres/);
    expect(() => plan("tight-loop", ["server.reference.databaseUrl=mysql://h/db"])).toThrow(/postgres:\/\//);
  });

  it.skipIf(!findPostgresBin())("postgres-herd: a cluster and a second replica named server-2", () => {
    const p = plan("postgres-herd", []);
    expect(p.database).toEqual({ kind: "cluster" });
    expect(p.replicas?.map((r) => [r.name, r.role, r.index])).toEqual([["server-2", "server", 1]]);
  });
});

describe("replicas' counters", () => {
  it("are summed by name and labels; one scrape passes through", () => {
    const a: PromSample[] = [
      { name: "jobs_polls_total", labels: { worker: "w1", loop: "task" }, value: 3 },
      { name: "jobs_enqueued_total", labels: { queue: "q0" }, value: 1 },
    ];
    const b: PromSample[] = [
      { name: "jobs_polls_total", labels: { loop: "task", worker: "w1" }, value: 4 },
      { name: "jobs_polls_total", labels: { worker: "w2", loop: "task" }, value: 5 },
    ];
    expect(sumScrapes([a])).toBe(a);
    const sum = sumScrapes([a, b]);
    expect(sum.find((s) => s.name === "jobs_polls_total" && s.labels.worker === "w1")?.value).toBe(7);
    expect(sum.find((s) => s.name === "jobs_polls_total" && s.labels.worker === "w2")?.value).toBe(5);
    expect(sum.find((s) => s.name === "jobs_enqueued_total")?.value).toBe(1);
  });
});

describe("notification channels", () => {
  it("one per queue, at most 63 bytes, distinct", () => {
    expect(queueChannel("q0")).toBe("harness_q_q0");
    const long = queueChannel("x".repeat(200));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(queueChannel("a b")).not.toBe(queueChannel("a_b"));
  });
});

describe("cluster folders in the run record", () => {
  it("a dead run's cluster folder is removed once nothing of the run is alive; a folder not named as ours is never touched", () => {
    const dir = tempDir("run-record-pg-");
    const cluster = join(dir, `${CLUSTER_PREFIX}abc`);
    const other = join(dir, "not-ours");
    mkdirSync(join(cluster, "data"), { recursive: true });
    mkdirSync(other);
    mkdirSync(join(dir, "active"));
    writeFileSync(
      join(dir, "active", "1-1.json"),
      JSON.stringify({ version: 1, harness: { pid: 2 ** 22 + 5, startTicks: 1, command: "" }, startedAt: "", scenario: "x", outDir: "", processes: [], dirs: [cluster, other] }),
    );
    const runs = findDeadRuns(join(dir, "active"));
    expect(existsSync(cluster)).toBe(false);
    expect(existsSync(other)).toBe(true);
    expect(runs).toEqual([]);
    expect(existsSync(join(dir, "active", "1-1.json"))).toBe(false);
  });
});
