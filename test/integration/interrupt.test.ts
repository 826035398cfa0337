/** Ctrl-C and SIGTERM mid-window: the run stops, nothing it started is left, a partial report says so. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

describe.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)("harness run interrupted by %s", (signal, expectedCode) => {
  it("stops every process of the run and marks the report partial", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--duration", "30", "--warmup", "1", "--out", out], { signal, signalWhen: /\[window/ });
    expect(r.code, r.stderr).toBe(expectedCode);
    expect(leftoverProcesses()).toEqual([]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { status: string; processes: { pid: number }[] };
    expect(result.status).toBe("interrupted");
    for (const p of result.processes) expect(() => process.kill(p.pid, 0)).toThrow();
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("INTERRUPTED");
  });
});
