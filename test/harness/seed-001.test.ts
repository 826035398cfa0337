/** Seed 001's replication row: the wall-clock tables of the loaded server, stdout versus buffered logging. */
import { describe, expect, it } from "vitest";
import { experimentCommand, experiments } from "../../harness/replicate/experiments.js";
import type { ExperimentOutcome } from "../../harness/replicate/findings.js";
import { SEED_001_FINDING, SEED_001_ID } from "../../harness/replicate/seed-001.js";
import type { WallCategory, WallTable } from "../../harness/profile/wall-clock.js";

function wall(rows: Partial<Record<WallCategory, number>>): WallTable {
  const total = Object.values(rows).reduce((a, b) => a + (b ?? 0), 0);
  return {
    process: "server",
    counts: "wall-clock (all threads, waiting included)",
    method: "bpftrace",
    threads: 12,
    totalMs: total,
    rows: Object.entries(rows).map(([category, ms]) => ({ category: category as WallCategory, ms: ms ?? 0, share: (ms ?? 0) / total, note: null })),
  };
}

function outcome(stdout: WallTable[], buffered: WallTable[]): ExperimentOutcome {
  const e = experiments().find((x) => x.id === SEED_001_ID);
  if (!e) throw new Error("no seed 001 experiment");
  return { experiment: e, command: experimentCommand(e, "out"), dir: "d", comparison: { conditions: [] } as unknown as ExperimentOutcome["comparison"], results: [[], []], exitCode: 0, wallTables: [stdout.map((server) => ({ server })), buffered.map((server) => ({ server }))] };
}

describe("seed 001 replication", () => {
  it("runs loaded with and without buffered logging under --profile cpu", () => {
    const e = experiments().find((x) => x.id === SEED_001_ID);
    expect(e && experimentCommand(e, "out")).toMatch(/^harness run loaded --sweep 'log=stdout,buffered' --profile cpu /);
  });

  it("reproduces when the server mostly waits, logging is the largest code cost and buffering halves it", () => {
    const stdout = wall({ "idle-thread": 8000, "idle-io": 1500, logging: 60, "net-send": 30, application: 20 });
    const buffered = wall({ "idle-thread": 8000, "idle-io": 1500, logging: 5, "net-send": 30, application: 20 });
    const v = SEED_001_FINDING.evaluate(outcome([stdout, stdout], [buffered, buffered]));
    expect(v.reproduces).toBe("yes");
    expect(v.tables.join("\n")).toContain("| Idle (thread wait) | 60.0% |");
    expect(v.ours).toMatch(/^waiting 98\.9%, stdout logging 0\.62% → 0\.05% buffered/);
  });

  it("does not when the server is busy, and says why without tables of nothing", () => {
    const busy = wall({ "idle-io": 300, application: 700 });
    expect(SEED_001_FINDING.evaluate(outcome([busy], [busy])).reproduces).toBe("no");
    expect(() => SEED_001_FINDING.evaluate(outcome([], []))).toThrow(/--profile cpu/);
  });
});
