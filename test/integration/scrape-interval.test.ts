/** window.scrapeEveryS: the series scrapes can be thinned or turned off; the window's figures stay. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { runHarness, tempDir } from "../helpers/cli.js";

function series(dir: string): { points: number; polls: number | null } {
  const r = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
  return { points: r.server.series?.length ?? 0, polls: r.server.pollsPerS };
}

describe("window.scrapeEveryS", () => {
  it("scrapes at every sample by default and only at the window's ends with 0", async () => {
    const every = tempDir();
    const ends = tempDir();
    expect((await runHarness(["run", "fixed-backoff", "-d", "3", "-w", "0.5", "-q", "-o", every])).code).toBe(0);
    expect((await runHarness(["run", "fixed-backoff", "-d", "3", "-w", "0.5", "-q", "-o", ends, "--set", "window.scrapeEveryS=0"])).code).toBe(0);
    expect(series(every).points).toBeGreaterThanOrEqual(3);
    expect(series(ends).points).toBe(1);
    expect(series(ends).polls).toBeGreaterThan(0);
  });
});
