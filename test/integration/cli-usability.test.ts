/**
 * The command line as a new user meets it: exit 2 without a command, `run -- <command>` with a
 * timer verdict, --json on stdout (run, compare, attach), and no escape sequence under NO_COLOR on
 * a real pseudo-terminal (util-linux `script`).
 */
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BIN, ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { trackGroups } from "../helpers/groups.js";
import type { RunResult } from "../../harness/analyze/result-types.js";

const TIMER = ["node", "-e", "setInterval(()=>{},1)"];
const ESC = String.fromCharCode(27);
const TIMER_PATTERNS = ["timer-wakeups", "wakeups-unexplained"]; // harness/diagnose/rules/timer.ts

describe("exit codes of incomplete command lines", () => {
  it("bare harness, harness baseline and harness run exit 2 with a message on stderr", async () => {
    for (const args of [[], ["baseline"], ["run"], ["run", "--", ""], ["run", "tight-loop", "--", "node"]]) {
      const r = await runHarness(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.length, args.join(" ")).toBeGreaterThan(0);
    }
  });
  it("says did you mean, with the one prefix", async () => {
    const r = await runHarness(["run", "tigt-loop"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^harness: unknown scenario "tigt-loop" \(did you mean "tight-loop"\?\)/);
    const c = await runHarness(["run", "tight-loop", "--bogus"]);
    expect(c.stderr).toMatch(/^harness: unknown option '--bogus'/);
    expect(c.stderr).not.toMatch(/^error:/m);
  });
});

describe("harness run -- <command> --json", () => {
  it("measures one program, gives a timer verdict, prints one JSON result on stdout, and compare --json reads it", async () => {
    const out = tempDir();
    try {
      const r = await runHarness(["run", "-d", "3", "-w", "1", "-o", out, "--json", "--", ...TIMER]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const result = JSON.parse(lines[0] as string) as RunResult;
      expect(result.scenario.name).toBe("node");
      expect(result.processes.map((p) => [p.name, p.role])).toEqual([["node", "worker"]]);
      expect(result.verdicts?.some((v) => v.subject === "node" && TIMER_PATTERNS.includes(v.pattern))).toBe(true);
      // the same document as the file, and the summary went to stderr
      expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8"))).toEqual(result);
      expect(r.stderr).toMatch(/verdict: node:/);
      const c = await runHarness(["compare", "--json", out]);
      expect(c.code, c.stderr).toBe(0);
      expect((JSON.parse(c.stdout) as { conditions: unknown[] }).conditions).toHaveLength(1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("harness attach --json", () => {
  const start = trackGroups();
  it("prints the result on stdout and the summary on stderr", async () => {
    const sleeper = start("sleep", ["30"]);
    const out = tempDir();
    try {
      const r = await runHarness(["attach", "-p", String(sleeper.pid), "-d", "1", "-o", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as RunResult;
      expect(result.processes[0]?.pid).toBe(sleeper.pid);
      expect(r.stderr).toMatch(/report: /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("colour on a pseudo-terminal", () => {
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  if (!hasScript) console.warn("cli-usability: util-linux `script` is missing: the pseudo-terminal test is skipped");
  /** the harness's whole output on a pty, CI unset so the terminal paths are taken */
  const onPty = (env: Record<string, string>, out: string): Promise<string> =>
    new Promise((resolve) => {
      const cmd = [process.execPath, BIN, "run", "-d", "1", "-w", "0", "-s", "0.5", "-o", out, "--", ...TIMER].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
      const childEnv: Record<string, string | undefined> = { ...process.env, TERM: "xterm-256color", ...env };
      delete childEnv.CI;
      for (const k of ["NO_COLOR", "FORCE_COLOR"]) if (!(k in env)) delete childEnv[k];
      const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (c: Buffer) => (text += c.toString("latin1")));
      child.on("exit", () => resolve(text));
    });
  it.skipIf(!hasScript)("prints escape sequences on a terminal, and none with NO_COLOR=1", async () => {
    const out = tempDir();
    try {
      const plain = await onPty({ NO_COLOR: "1" }, join(out, "a"));
      expect(plain).toMatch(/verdict: node/);
      expect(plain.includes(ESC)).toBe(false);
      const coloured = await onPty({}, join(out, "b"));
      expect(coloured).toMatch(/verdict: node/);
      expect(coloured.includes(`${ESC}[`)).toBe(true);
      const forced = await onPty({ FORCE_COLOR: "1" }, join(out, "c"));
      expect(forced.includes(`${ESC}[`)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
