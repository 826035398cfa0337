/**
 * The package as a user gets it: `npm pack` (its `prepare` builds dist/), `npm i <tarball>` into an
 * empty project (dependencies from the npm registry, the SQLite addon's prebuilt binary or a
 * build), then the installed bin `idle-cpu-harness` run on a built-in scenario, found inside the
 * installed package. Slow (one to three minutes, mostly npm): its own file and a long timeout.
 */
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempDir } from "../helpers/cli.js";
import type { RunResult } from "../../harness/analyze/result-types.js";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function registryReachable(): boolean {
  const r = spawnSync(npm, ["ping"], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  return r.status === 0;
}

const reachable = registryReachable();
if (!reachable) console.warn("package-install: the npm registry is unreachable (npm ping failed): the install test is skipped");

describe("the packed and installed package", () => {
  it.skipIf(!reachable)("installs from its tarball, without clinic, and `npx idle-cpu-harness run tight-loop --json` names the tight loop", { timeout: 600_000 }, () => {
    const dir = tempDir("harness-pack-");
    try {
      const packOut = execFileSync(npm, ["pack", "--pack-destination", dir, "--json"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
      const packed = (JSON.parse(packOut) as { filename: string; files: { path: string }[] }[])[0];
      expect(packed).toBeDefined();
      const files = new Set(packed!.files.map((f) => f.path));
      for (const f of ["bin/harness.js", "dist/harness/cli/main.js", "dist/src/server/main.js", "dist/src/worker/main.js", "dist/src/load/main.js", "scenarios/tight-loop.yaml", "package.json", "README.md"]) expect(files, f).toContain(f);
      expect([...files].some((f) => f.startsWith("test/") || f.startsWith("harness/") || f.startsWith("dist/bench/"))).toBe(false);

      const project = join(dir, "project");
      execFileSync("mkdir", [project]);
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "harness-install-check", version: "1.0.0", private: true }));
      execFileSync(npm, ["i", "--no-audit", "--no-fund", "--prefer-offline", join(dir, packed!.filename)], { cwd: project, stdio: ["ignore", "pipe", "pipe"], timeout: 480_000 });
      const modules = join(project, "node_modules");
      expect(existsSync(join(modules, ".bin", "idle-cpu-harness"))).toBe(true);
      expect(existsSync(join(modules, ".bin", "harness"))).toBe(true);
      expect(readdirSync(modules)).not.toContain("clinic");

      const run = spawnSync("npx", ["--no-install", "idle-cpu-harness", "run", "tight-loop", "-d", "3", "-w", "1", "--json", "-o", join(project, "out")], {
        cwd: project,
        encoding: "utf8",
        env: { ...process.env, CI: "true" },
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as RunResult;
      expect(result.scenario.name).toBe("tight-loop");
      // the built-in scenario and the reference programs came from the installed package
      expect(result.scenario.file).toBe("{root}/scenarios/tight-loop.yaml");
      expect(result.processes.find((p) => p.role === "server")?.command.join(" ")).toContain("{root}/dist/src/server/main.js");
      expect(result.verdicts?.some((v) => v.pattern === "tight-poll-loop")).toBe(true);
      // the reference server's SQLite store worked: it answered polls
      expect(result.server.pollsPerS).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
