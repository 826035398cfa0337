/** Fault matrix, the output folder and the filesystem: unwritable, full, deleted, shared by two runs. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { expectLeaves, expectRow, harness, loadResult, matrixTests, scratch, startHarness, until } from "./helpers.js";

const { dir, env, scenario } = scratch("output");
const sleepers = scenario("sleepers", ["server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }", "workers: [{ name: w, command: [sleep, '60'] }]"]);
const aFile = join(dir, "a-file");
writeFileSync(aFile, "not a folder");
const under = (name: string): string => join(aFile, name);
const W = ["--duration", "1", "--warmup", "0"];

/** Mount a small tmpfs (we run as root in CI); undefined, with one warning, where mounting is refused. */
function smallTmpfs(sizeKb: number): string | undefined {
  const at = join(dir, `tmpfs-${sizeKb}k`);
  mkdirSync(at, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", at], { stdio: "pipe" });
    mounts.push(at);
    return at;
  } catch (err) {
    console.warn(`fault matrix: mount -t tmpfs refused (${(err as Error).message.split("\n")[0]}): the full-filesystem row checks nothing`);
    return undefined;
  }
}
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    try {
      execFileSync("umount", [m], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", m], { stdio: "pipe" });
    }
  }
});

matrixTests("output", {
  "run: output folder unwritable": async (row) => {
    const r = await harness(["run", sleepers, ...W, "--out", under("run")], env);
    expectRow(row, r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    await expectLeaves(row, under("run"));
  },
  "attach: output folder unwritable": async (row) => {
    const r = await harness(["attach", "--pid", String(process.pid), "-d", "1", "--out", under("attach")], env);
    expectRow(row, r);
    await expectLeaves(row, under("attach"));
  },
  "check: output folder unwritable": async (row) => {
    const r = await harness(["check", "fixed-backoff", "--baseline", join(ROOT, "test", "fixtures", "gate", "baseline-fixed-backoff.json"), "--out", under("check")], env);
    expectRow(row, r);
    await expectLeaves(row, under("check"));
  },
  "compare: output folder unwritable": async (row) => {
    const r = await harness(["compare", join(ROOT, "test", "fixtures", "results", "fixed-backoff"), "--out", under("compare")], env);
    expectRow(row, r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe(""); // refused before any table is printed
    await expectLeaves(row, under("compare"));
  },
  "run: full filesystem": async (row) => {
    const fs = smallTmpfs(2048);
    if (!fs) return;
    const out = join(fs, "out");
    const flood = scenario("flood-full", ["server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }", "workers: [{ name: noisy, command: [yes, 'fill the disk with this line'] }]"]);
    const r = await harness(["run", flood, "--duration", "1", "--warmup", "0", "--out", out], { ...env, HARNESS_LOG_CAP_MB: "64" });
    expectRow(row, r);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/no result\.json or report\.md was written/);
    await expectLeaves(row, out);
  },
  "run: output folder deleted during the run": async (row) => {
    const out = join(dir, "deleted");
    const h = startHarness(["run", sleepers, "--duration", "2", "--warmup", "0", "--out", out], env);
    await until(() => /\[window/.test(h.stderr()), "the window");
    rmSync(out, { recursive: true, force: true });
    const r = await h.done;
    expectRow(row, r, out);
    expect(loadResult(out).status).toBe("ok");
    await expectLeaves(row, out);
  },
  "run: two runs into one output folder": async (row) => {
    const out = join(dir, "shared");
    const first = startHarness(["run", sleepers, "--duration", "3", "--warmup", "0", "--out", out], env);
    await until(() => /\[window/.test(first.stderr()), "the first run's window");
    const second = await harness(["run", sleepers, ...W, "--out", out], env);
    expectRow(row, second);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    expect(loadResult(out).status).toBe("ok");
    await expectLeaves({ ...row, leaves: "result with a note", expect: /.*/ }, out);
  },
  "run: two runs at once": async (row) => {
    const a = join(dir, "at-once-a");
    const b = join(dir, "at-once-b");
    const first = startHarness(["run", sleepers, "--duration", "3", "--warmup", "0", "--out", a], env);
    await until(() => /\[window/.test(first.stderr()), "the first run's window");
    const second = await harness(["run", sleepers, ...W, "--out", b], env);
    expectRow(row, second);
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    for (const out of [a, b]) expect(loadResult(out).status).toBe("ok");
    // each removed its own run record; neither took the other's processes for orphans
    expect(readdirSync(join(env.HARNESS_STATE_DIR as string, "active"))).toEqual([]);
    await expectLeaves({ ...row, leaves: "result with a note", expect: /.*/ }, a);
  },
  "compare: a result.json that is garbage": async (row) => {
    const bad = join(dir, "garbage-run");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "result.json"), '{"schemaVersion": 1, "processes": [');
    const r = await harness(["compare", bad], env);
    expectRow(row, r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(bad, "comparison.md"))).toBe(false);
  },
});

