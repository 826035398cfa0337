/**
 * The throw-away Postgres cluster on every fault path: Ctrl-C and SIGTERM stop it and remove its
 * folder; a SIGKILLed harness leaves it in the run record, and `harness clean` stops the postmaster
 * (and so its backends) and removes the folder.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { clusterDirOf, gone, PG_BIN, postgresProcesses } from "../helpers/postgres.js";
import { CLUSTER_PREFIX } from "../../harness/supervise/postgres-cluster.js";

const clusterDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith(CLUSTER_PREFIX));

const waitFor = async (ok: () => boolean, ms = 5000): Promise<void> => {
  for (let t = 0; t < ms && !ok(); t += 100) await new Promise((r) => setTimeout(r, 100));
};

describe.skipIf(!PG_BIN)("the Postgres cluster when the harness is interrupted", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: no postgres process and no cluster folder left", async (signal, code) => {
    const out = tempDir("pg-int-");
    const r = await runHarness(["run", "tight-loop", "--set", "store=postgres", "--duration", "30", "--warmup", "1", "--out", out], { signal, signalWhen: /\[window/ });
    expect(r.code, r.stderr).toBe(code);
    const dir = clusterDirOf(r.stderr);
    expect(dir).toBeDefined();
    expect(gone(dir)).toBe(true);
    expect(postgresProcesses()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
    expect((JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { status: string }).status).toBe("interrupted");
  });

  it("SIGKILL, then `harness clean`: stops the cluster and removes its folder", async () => {
    const dir = tempDir("pg-kill-");
    const env = { HARNESS_STATE_DIR: join(dir, "state") };
    const killed = await runHarness(["run", "tight-loop", "--set", "store=postgres", "--duration", "30", "--warmup", "1", "--out", join(dir, "out")], { env, signal: "SIGKILL", signalWhen: /\[window/ });
    expect(killed.signal).toBe("SIGKILL");
    const cluster = clusterDirOf(killed.stderr);
    expect(cluster && existsSync(cluster)).toBe(true);
    expect(postgresProcesses().length).toBeGreaterThan(0);
    const record = JSON.parse(readFileSync(join(dir, "state", "active", readdirSync(join(dir, "state", "active"))[0]!), "utf8")) as { dirs?: string[]; processes: { role: string }[] };
    expect(record.dirs).toEqual([cluster]);
    expect(record.processes.map((p) => p.role)).toContain("database");

    const cleaned = await runHarness(["clean"], { env });
    expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toMatch(/database \(pid \d+\)/);
    // perf and bpftrace end by themselves when the harness dies (their workload reads a pipe from it), but removing their probes can take seconds
    await waitFor(() => postgresProcesses().length === 0 && leftoverProcesses().every((l) => !/perf stat|bpftrace/.test(l)), 10_000);
    expect(postgresProcesses()).toEqual([]);
    expect(gone(cluster)).toBe(true);
    expect(leftoverProcesses()).toEqual([]);
    expect(readdirSync(join(dir, "state", "active"))).toHaveLength(0);
  });

  it("a database that never becomes ready fails the run (exit 1) and leaves no cluster folder", async () => {
    // stand-in programs: an initdb that makes the folder and a postgres that dies at once
    const bin = tempDir("pg-fake-bin-");
    chmodSync(bin, 0o755); // readable by the unprivileged user the cluster runs as
    writeFileSync(join(bin, "initdb"), '#!/bin/sh\nmkdir -p "$2"\n', { mode: 0o755 });
    writeFileSync(join(bin, "postgres"), "#!/bin/sh\necho 'FATAL:  fake postgres refuses to start' >&2\nexit 1\n", { mode: 0o755 });
    const before = new Set(clusterDirs());
    const out = tempDir("pg-never-");
    const r = await runHarness(["run", "tight-loop", "--set", "store=postgres", "--duration", "2", "--warmup", "0", "--out", out], { env: { HARNESS_PG_BIN: bin } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/database "database" exited \(code 1\) before it was ready/);
    expect(r.stdout + r.stderr).toContain("fake postgres refuses to start");
    expect(clusterDirs().filter((d) => !before.has(d))).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});
