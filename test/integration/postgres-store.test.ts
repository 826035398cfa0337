/**
 * The reference server on Postgres (server.reference.store: postgres): the harness makes and runs a
 * throw-away cluster, measures it as role "database", and the tight loop is still a tight loop.
 * An existing database (databaseUrl) that refuses connections: exit 1, one line.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../harness/supervise/postgres-cluster.js";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { clusterDirOf, gone, PG_BIN, postgresProcesses } from "../helpers/postgres.js";

interface Proc {
  role: string;
  name: string;
  cpuPercent: number;
}

describe.skipIf(!PG_BIN)("tight-loop on Postgres", () => {
  it("shows the database role with real CPU and the same tight-loop verdict", async () => {
    const out = tempDir("pg-tight-");
    const r = await runHarness(["run", "tight-loop", "--set", "store=postgres", "--duration", "4", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as {
      processes: Proc[];
      roles: Record<string, { cpuPercent: number } | undefined>;
      verdicts: { pattern: string; subject: string | null }[];
      server: { pollsPerS: number };
    };
    const db = result.processes.find((p) => p.role === "database");
    expect(db).toBeDefined();
    // every empty poll is a query the database answers: it burns real CPU (wide margin: a tenth of the server's)
    const server = result.processes.find((p) => p.role === "server") as Proc;
    expect(db!.cpuPercent).toBeGreaterThan(0.5);
    expect(db!.cpuPercent).toBeGreaterThan(server.cpuPercent / 10);
    expect(result.roles.database?.cpuPercent).toBe(db!.cpuPercent);
    expect(result.server.pollsPerS).toBeGreaterThan(100);
    // the worker is still the tight loop; the database is never called a poll loop
    expect(result.verdicts.some((v) => v.subject === "worker" && v.pattern === "tight-poll-loop")).toBe(true);
    expect(result.verdicts.some((v) => v.subject === "database" && /poll/.test(v.pattern))).toBe(false);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/\| database \| database \|/);
    expect(gone(clusterDirOf(r.stderr))).toBe(true);
    expect(postgresProcesses()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});

describe("an existing database that refuses connections", () => {
  it("is exit 1 with one clear line, before anything starts", async () => {
    const port = await freePort();
    const out = tempDir("pg-refuse-");
    const r = await runHarness(["run", "tight-loop", "--set", `server.reference.databaseUrl=postgres://postgres@127.0.0.1:${port}/postgres`, "--duration", "2", "--out", join(out, "run")]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^harness: server\.reference\.databaseUrl postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: cannot connect: .*ECONNREFUSED/);
    expect(leftoverProcesses()).toEqual([]);
  });
});
