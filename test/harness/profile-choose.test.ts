import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan, ProcessSpec } from "../../harness/scenario/plan.js";
import type { Scenario } from "../../harness/scenario/schema.js";
import { parseProfilerName, startProfiling } from "../../harness/profile/choose.js";
import { doctorUnsupportedReason } from "../../harness/profile/doctor.js";
import { isNodeSpec } from "../../harness/profile/node-process.js";
import { atLeast } from "../../harness/profile/node-version.js";
import { tempDir } from "../helpers/cli.js";

function spec(name: string, argv: string[], role: ProcessSpec["role"] = "worker"): ProcessSpec {
  return { role, name, group: name, index: 0, argv, shell: false, env: {}, readyTimeoutS: 15 };
}

function plan(workers: ProcessSpec[], warmupS = 1): Plan {
  const scenario = { name: "t", description: "", window: { warmupS, durationS: 2, sampleS: 1 } } as unknown as Scenario;
  return { scenario, server: spec("server", [process.execPath, "server.js"], "server"), workers };
}

describe("choosing and wrapping a profiler", () => {
  it("knows a Node process from its argv", () => {
    expect(isNodeSpec(spec("a", [process.execPath, "x.js"]))).toBe(true);
    expect(isNodeSpec(spec("a", ["node", "x.js"]))).toBe(true);
    expect(isNodeSpec(spec("a", ["/usr/local/bin/node20", "x.js"]))).toBe(true);
    expect(isNodeSpec(spec("a", ["python3", "w.py"]))).toBe(false);
    expect(isNodeSpec({ ...spec("a", ["node x.js"]), shell: true })).toBe(false);
  });

  it("parses the profiler name or fails as bad usage", () => {
    expect(parseProfilerName("Flame")).toBe("flame");
    expect(() => parseProfilerName("gprof")).toThrow(/expected one of cpu, flame, doctor, perf/);
  });

  it("flame wraps every Node process with 0x, raises a short warm-up, and leaves other processes alone", () => {
    const out = tempDir();
    const s = startProfiling("flame", plan([spec("worker", [process.execPath, "w.js", "--x"]), spec("py", ["python3", "w.py"])]), out);
    expect(s.profiled).toBe("flame");
    const worker = s.plan.workers[0];
    expect(worker?.argv.slice(0, 2)).toEqual([process.execPath, expect.stringMatching(/0x[/\\]cmd\.js$/)]);
    expect(worker?.argv.slice(-3)).toEqual([process.execPath, "w.js", "--x"]);
    expect(worker?.argv).toContain(join(out, "profiles", "worker", "flame"));
    expect(s.plan.server.argv[1]).toMatch(/0x[/\\]cmd\.js$/);
    expect(s.plan.workers[1]?.argv).toEqual(["python3", "w.py"]);
    expect(s.plan.scenario.window.warmupS).toBe(3);
    expect(s.notes.join("\n")).toMatch(/py ran unprofiled/);
    expect(s.notes.join("\n")).toMatch(/warm-up raised from 1 s to 3 s/);
    expect(s.stopGraceMs).toBeGreaterThanOrEqual(60_000);
    expect(existsSync(join(out, "profiles", "worker"))).toBe(true);
  });

  it("doctor refuses Node >= 21.7 with a clear reason and leaves the plan unprofiled", () => {
    expect(atLeast("v21.7.0", 21, 7)).toBe(true);
    expect(atLeast("v21.6.2", 21, 7)).toBe(false);
    expect(atLeast("v20.19.0", 21, 7)).toBe(false);
    expect(doctorUnsupportedReason({ HARNESS_SIMULATE_NODE_VERSION: "20.11.1" })).toBeNull();
    const p = plan([spec("worker", [process.execPath, "w.js"])]);
    const s = startProfiling("doctor", p, tempDir(), { env: { HARNESS_SIMULATE_NODE_VERSION: "23.1.0" } });
    expect(s.profiled).toBe(false);
    expect(s.plan).toBe(p);
    expect(s.notes[0]).toMatch(/Clinic\.js doctor does not work on Node v23\.1\.0 .* the run goes on without a profiler/);
  });

  it("doctor on Node 20 runs clinic with NO_INSIGHT=1 in the process's own profile folder", () => {
    const out = tempDir();
    const s = startProfiling("doctor", plan([spec("worker", [process.execPath, "w.js"])], 5), out, { env: { HARNESS_SIMULATE_NODE_VERSION: "20.11.1" } });
    const w = s.plan.workers[0];
    expect(w?.argv[1]).toMatch(/clinic[/\\]bin\.js$/);
    expect(w?.argv).toContain("doctor");
    expect(w?.env.NO_INSIGHT).toBe("1");
    expect(w?.cwd).toBe(join(out, "profiles", "worker"));
    expect(s.notes).toEqual([]);
  });
});
