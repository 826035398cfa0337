/**
 * The harness itself SIGKILLed mid-run: its processes survive (each leads its own group), the run
 * record it keeps names them, the next `harness run` reports them, `harness clean` stops them, and
 * no result.json that parses is left to lie about the run.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { detectCgroups } from "../../harness/sample/cgroup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

describe("harness killed with SIGKILL mid-run", () => {
  it("leaves a record; the next run reports the orphans and `harness clean` stops them", async () => {
    const dir = tempDir("orphans-");
    const state = join(dir, "state");
    const env = { HARNESS_STATE_DIR: state };
    const file = join(dir, "sleepers.yaml");
    writeFileSync(
      file,
      [
        "name: sleepers",
        "server: { name: srv, command: [sleep, '300'], ready: { delayMs: 100 } }",
        "workers:",
        "  - { name: sleeper, count: 2, command: [/bin/sh, -c, 'sleep 300; echo done'] }",
        "",
      ].join("\n"),
    );
    // the folder holds a finished run's result first: a killed run must not leave it behind as its own
    const out = join(dir, "out");
    const first = await runHarness(["run", file, "--duration", "1", "--warmup", "0", "--out", out], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(out, "result.json"))).toBe(true);
    const killed = await runHarness(["run", file, "--duration", "30", "--warmup", "0", "--out", out], { env, signal: "SIGKILL", signalWhen: /\[window/ });
    expect(killed.signal).toBe("SIGKILL");
    // nothing that parses and lies: no result.json at all, and a report that says the run never finished
    expect(existsSync(join(out, "result.json"))).toBe(false);
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("RUN IN PROGRESS (or the harness was killed before it finished)");
    expect(readdirSync(join(state, "active"))).toHaveLength(1);
    // where the harness made cgroups for its trees, the record names them for `harness clean`
    const support = detectCgroups();
    const record = JSON.parse(readFileSync(join(state, "active", readdirSync(join(state, "active"))[0]!), "utf8")) as { cgroups?: string[] };
    const cgroups = record.cgroups ?? [];
    if (support.kind) {
      expect(cgroups.length).toBe(4); // the run's folder and one per tree
      for (const d of cgroups) expect(existsSync(d), d).toBe(true);
    } else {
      expect(cgroups).toEqual([]);
    }
    const left = leftoverProcesses();
    expect(left.filter((l) => /sleep 300/.test(l)).length).toBeGreaterThanOrEqual(3);

    const listed = await runHarness(["clean", "--dry-run"], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/left 3 process group\(s\) running/);
    expect(listed.stdout).toContain('server "srv"');

    // the next run names them before doing anything else (here it then fails on a bad scenario)
    const next = await runHarness(["run", "no-such-scenario"], { env });
    expect(next.code).toBe(2);
    expect(next.stderr).toMatch(/a harness run that died .* left 3 process group\(s\) running/);
    expect(next.stderr).toContain("harness clean");

    const cleaned = await runHarness(["clean"], { env });
    expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toMatch(/stopped 3 process group\(s\)/);
    // The run's perf (syscall counts) is not in the record: its workload reads a pipe from the harness,
    // so it stops by itself when the harness dies, but removing its tracepoints can take a second; bpftrace
    // (wake-ups) ends when the harness's main thread exits, and detaching its probes takes a second or two.
    for (let i = 0; i < 100 && leftoverProcesses().some((l) => /perf stat|bpftrace/.test(l)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftoverProcesses()).toEqual([]);
    expect(readdirSync(join(state, "active"))).toHaveLength(0);
    for (const d of cgroups) expect(existsSync(d), d).toBe(false);

    const again = await runHarness(["clean"], { env });
    expect(again.stdout).toContain("no process left by a dead harness run");
  });

  it("removes the record when a run ends normally", async () => {
    const dir = tempDir("orphans-");
    const state = join(dir, "state");
    const file = join(dir, "short.yaml");
    writeFileSync(file, "name: short\nserver: { command: [sleep, '60'], ready: { delayMs: 50 } }\nworkers: [{ command: [sleep, '60'] }]\n");
    const r = await runHarness(["run", file, "--duration", "1", "--warmup", "0", "--out", join(dir, "out")], { env: { HARNESS_STATE_DIR: state } });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(state, "active"))).toEqual([]);
  });
});
