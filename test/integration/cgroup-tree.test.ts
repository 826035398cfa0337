/**
 * A tree whose children and threads come and go, measured through `harness run`: where the harness
 * can make cgroups (v2 or v1 cpuacct, detected at run time), each started tree's CPU is the cgroup's
 * own accounting, which sees children orphaned to init that the /proc tree walk loses; the cgroups
 * are removed at the end, after Ctrl-C/SIGTERM too. Where it cannot, the result says so once and
 * the CPU comes from /proc. Also: an output folder under /proc fails at once.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runHarness, tempDir } from "../helpers/cli.js";
import { detectCgroups } from "../../harness/sample/cgroup.js";
import type { RunResult } from "../../harness/analyze/result-types.js";

const BURN = (ms: number): string => `const e = Date.now() + ${ms}; while (Date.now() < e);`;

/** Forks a child burning 120 ms every 300 ms (reaped by this process) and a worker thread burning 80 ms every 500 ms. */
const REAPER = `
const { spawn } = require("node:child_process");
const { Worker } = require("node:worker_threads");
setInterval(() => spawn(process.execPath, ["-e", ${JSON.stringify(BURN(120))}], { stdio: "ignore" }), 300);
setInterval(() => new Worker(${JSON.stringify(BURN(80))}, { eval: true }), 500);
`;

/** Every 500 ms starts a child through a shell that exits at once: the child, orphaned to init, burns 300 ms. */
const ORPHANER = `
const { spawn } = require("node:child_process");
const child = ${JSON.stringify(`${process.execPath} -e '${BURN(300)}'`)};
setInterval(() => spawn("/bin/sh", ["-c", child + " & exit 0"], { stdio: "ignore" }), 500);
`;

function scenario(dir: string): string {
  writeFileSync(join(dir, "reaper.cjs"), REAPER);
  writeFileSync(join(dir, "orphaner.cjs"), ORPHANER);
  const file = join(dir, "churn.yaml");
  writeFileSync(
    file,
    [
      "name: churn",
      "server: { name: srv, command: [sleep, '120'] }",
      "workers:",
      `  - { name: reaper, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(dir, "reaper.cjs"))}] }`,
      `  - { name: orphaner, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(dir, "orphaner.cjs"))}] }`,
      "",
    ].join("\n"),
  );
  return file;
}

const harnessCgroups = (parent: string): string[] => (existsSync(parent) ? readdirSync(parent).filter((d) => d.startsWith("idle-cpu-harness-")) : []);

for (const kind of ["v2", "v1"] as const) {
  describe(`cgroup ${kind} accounting of a forking tree`, () => {
    const support = detectCgroups({ HARNESS_CGROUP: kind });

    it("takes each started tree's CPU from its cgroup (orphans included) and removes the cgroups", async () => {
      const dir = tempDir("cgroup-");
      const before = support.kind ? harnessCgroups(support.parent) : [];
      const r = await runHarness(["run", scenario(dir), "--duration", "5", "--warmup", "1", "--out", join(dir, "out"), "--quiet"], { env: { HARNESS_CGROUP: kind } });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(dir, "out", "result.json"), "utf8")) as RunResult;
      const by = (name: string) => result.processes.find((p) => p.name === name)!;
      if (!support.kind) {
        // no cgroup here: said once, and every figure from /proc
        console.warn(`cgroup ${kind} unavailable here (${support.reason}): checking the /proc fallback only`);
        expect(result.problems.filter((p) => /no cgroup/.test(p))).toHaveLength(1);
        for (const p of result.processes) expect(p.cpuSource).toBe("proc-tree");
        return;
      }
      const source = kind === "v2" ? "cgroup-v2" : "cgroup-v1-cpuacct";
      for (const p of result.processes) expect(p.cpuSource, p.name).toBe(source);
      const reaper = by("reaper");
      const orphaner = by("orphaner");
      // children reaped inside the tree: the /proc walk and the cgroup agree (wide margin: a shared 2-core VM)
      expect(reaper.cpuPercent).toBeGreaterThan(5);
      expect(Math.abs(reaper.cpuPercent - (reaper.procTreeCpuPercent as number))).toBeLessThan(Math.max(3, 0.2 * reaper.cpuPercent));
      // children orphaned to init leave the /proc tree but not the cgroup
      expect(orphaner.cpuPercent).toBeGreaterThan((orphaner.procTreeCpuPercent as number) + 5);
      expect(orphaner.cpuPercent).toBeGreaterThan(2 * (orphaner.procTreeCpuPercent as number));
      expect(harnessCgroups(support.parent)).toEqual(before);
    });

    it("removes the cgroups when the run is stopped with SIGTERM", async () => {
      if (!support.kind) return console.warn(`cgroup ${kind} unavailable here (${support.reason}): nothing to remove`);
      const dir = tempDir("cgroup-");
      const before = harnessCgroups(support.parent);
      const r = await runHarness(["run", scenario(dir), "--duration", "30", "--warmup", "0", "--out", join(dir, "out")], { env: { HARNESS_CGROUP: kind }, signal: "SIGTERM", signalWhen: /\[window/ });
      expect(r.code, r.stderr).toBe(143);
      expect(r.stderr).not.toMatch(/exited \(code/); // the trees were running when the signal came
      expect(harnessCgroups(support.parent)).toEqual(before);
    });
  });
}

describe("an output folder under /proc", () => {
  it("exits 2 at once instead of hanging in mkdir", async () => {
    const started = Date.now();
    const r = await runHarness(["run", "tight-loop", "--out", "/proc/x"], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/output folder \/proc\/x cannot be written/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
