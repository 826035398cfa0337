/** Bad input: one clear message naming what is wrong, exit code 2, nothing started or written. */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runHarness, tempDir } from "../helpers/cli.js";

describe("bad input exits 2 with one clear message", () => {
  it("names the file and the field of a scenario with a wrong field", async () => {
    const dir = tempDir();
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ name: "bad", server: { reference: {} }, workers: [{ reference: { loops: { task: "tight" } }, cuont: 2 }] }));
    const out = join(dir, "out");
    const r = await runHarness(["run", file, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain("cuont");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a wrong type with the field's path", async () => {
    const dir = tempDir();
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "name: bad\nwindow: { durationS: -3 }\nserver: { reference: {} }\nworkers: [{ reference: {} }]\n");
    const r = await runHarness(["run", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/window\.durationS/);
  });

  it("rejects an unknown strategy, showing the accepted forms", async () => {
    const r = await runHarness(["run", "tight-loop", "--set", "taskStrategy=sometimes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sometimes");
    expect(r.stderr).toContain("fixed:<ms>");
  });

  it("rejects an unknown scenario name", async () => {
    const r = await runHarness(["run", "no-such-scenario"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown scenario "no-such-scenario"');
  });

  it("rejects a negative duration", async () => {
    const r = await runHarness(["run", "tight-loop", "--duration", "-5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/duration/);
  });

  it("rejects --set on a field that does not exist", async () => {
    const r = await runHarness(["run", "tight-loop", "--set", "nothing.here=1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing");
  });

  it("lists the built-in scenarios", async () => {
    const r = await runHarness(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tight-loop\s+Seed 000/m);
    expect(r.stdout).toMatch(/^fixed-backoff\s+/m);
  });
});
