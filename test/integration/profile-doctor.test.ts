/** --profile doctor: Clinic.js doctor's HTML on Node < 21.7; a clear message and an unprofiled run on newer Node. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { atLeast } from "../../harness/profile/node-version.js";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

describe("harness run --profile doctor", () => {
  it.skipIf(atLeast(process.version, 21, 7))("writes one Clinic.js doctor HTML per Node process and links it", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "fixed-backoff", "--profile", "doctor", "--duration", "2", "--warmup", "3", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    expect(result.profiled).toBe("doctor");
    const report = readFileSync(join(out, "report.md"), "utf8");
    for (const name of ["server", "worker"]) {
      expect(existsSync(join(out, "profiles", name, `${name}.clinic-doctor.html`)), name).toBe(true);
      expect(report).toContain(`(profiles/${name}/${name}.clinic-doctor.html)`);
    }
  });

  it("on a (simulated) Node >= 21.7 says why in one clear message and still completes the unprofiled run", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "fixed-backoff", "--profile", "doctor", "--duration", "1", "--warmup", "0", "--quiet", "--out", out], { env: { HARNESS_SIMULATE_NODE_VERSION: "22.3.0" } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Clinic.js doctor does not work on Node v22.3.0");
    expect(r.stderr).toContain("the run goes on without a profiler");
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    expect(result.profiled).toBe(false);
    expect(result.status).toBe("ok");
    expect(result.roles.worker?.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(result.problems.join("\n")).toContain("Clinic.js doctor does not work");
    expect(existsSync(join(out, "profiles"))).toBe(false);
  });
});
