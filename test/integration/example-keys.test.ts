/**
 * The committed example reports are what the code writes today: a fresh tight-loop run's result.json
 * has the same key paths as reports/example-tight-loop/result.json. When this fails after a change
 * to the result format, regenerate the examples (README "Quick start": `npx harness run tight-loop
 * --out reports/example-tight-loop`, and fixed-backoff) and commit them; the test then passes.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { keyPaths } from "../helpers/key-paths.js";

describe("the committed example reports", () => {
  it("have the key paths of a fresh result.json (regenerate them when this fails)", async () => {
    const out = tempDir();
    try {
      const r = await runHarness(["run", "tight-loop", "-d", "3", "-w", "1", "-q", "-o", out]);
      expect(r.code, r.stderr).toBe(0);
      const fresh = keyPaths(JSON.parse(readFileSync(join(out, "result.json"), "utf8")));
      for (const example of ["example-tight-loop", "example-fixed-backoff"]) {
        const committed = keyPaths(JSON.parse(readFileSync(join(ROOT, "reports", example, "result.json"), "utf8")));
        const missing = [...fresh].filter((k) => !committed.has(k)).sort();
        const extra = [...committed].filter((k) => !fresh.has(k)).sort();
        expect({ example, missingFromExample: missing, notWrittenAnyMore: extra }).toEqual({ example, missingFromExample: [], notWrittenAnyMore: [] });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
