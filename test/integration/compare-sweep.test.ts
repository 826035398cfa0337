/**
 * `harness run --sweep --repeat` end to end on short windows, then `harness compare` rebuilding the
 * same tables from the saved results. Ratios with wide margins only: the machine is shared.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Comparison } from "../../harness/compare/comparison-types.js";
import { runHarness, tempDir } from "../helpers/cli.js";

describe("harness run --sweep --repeat, then harness compare", () => {
  it("runs a two-value sweep twice each and writes one comparison with medians and ranges", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "fixed-backoff", "--sweep", "taskStrategy=fixed:20,fixed:200", "--repeat", "2", "--duration", "2", "--warmup", "1", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const runs = ["fixed_20-r1", "fixed_200-r1", "fixed_20-r2", "fixed_200-r2"].map((s) => join(out, `fixed-backoff-taskStrategy-${s}`));
    for (const d of runs) {
      expect(existsSync(join(d, "result.json")), d).toBe(true);
      expect(readFileSync(join(d, "report.md"), "utf8")).toContain("![CPU over time](cpu.svg)");
      expect(readFileSync(join(d, "cpu.svg"), "utf8")).toMatch(/^<svg/);
    }
    const c = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8")) as Comparison;
    expect(c.sweepKey).toBe("taskStrategy");
    expect(c.conditions.map((k) => k.label)).toEqual(["fixed:20", "fixed:200"]);
    for (const k of c.conditions) expect(k.figures.pollsPerS!.n).toBe(2);
    // 50 polls/s against 5 polls/s: at least 3x, whatever the machine is doing
    expect(c.conditions[0]!.figures.pollsPerS!.median).toBeGreaterThan(3 * c.conditions[1]!.figures.pollsPerS!.median);

    const md = readFileSync(join(out, "comparison.md"), "utf8");
    expect(md).toContain("| taskStrategy | Polls/sec | Server CPU | Worker CPU | Notes |");
    expect(md).toContain("| **Reduction** |");
    expect(md).toContain("![Server and worker CPU per condition](comparison.svg)");
    expect(md).toMatch(/\| fixed:20 \| \d+\.\d \(\d+\.\d–\d+\.\d\) \|/);
    expect(r.stdout).toContain(`comparison: ${join(out, "comparison.md")}`);

    const again = await runHarness(["compare", out]);
    expect(again.code, again.stderr).toBe(0);
    const table = md.slice(md.indexOf("## Sweep"), md.indexOf("## Strategy matrix"));
    expect(again.stdout).toContain(table.trim());
  });

  it("prints the before/after table with the reduction row from two saved fixture results", async () => {
    const fx = join(import.meta.dirname, "..", "fixtures", "results");
    const r = await runHarness(["compare", join(fx, "tight-loop", "result.json"), join(fx, "fixed-backoff")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("| Condition | Server CPU | Worker CPU |");
    expect(r.stdout).toMatch(/\| \*\*Reduction\*\* \| \*\*9\d%\*\* \| \*\*9\d%\*\* \|/);
    const bad = await runHarness(["compare", join(fx, "no-such-run")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("no such file or folder");
  });
});
