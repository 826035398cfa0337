import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { intervalMs, runVerdicts, sweepVerdicts, THRESHOLDS } from "../../harness/diagnose/verdicts.js";

const dir = join(import.meta.dirname, "..", "fixtures", "profiles", "results");
const load = (name: string): RunResult => JSON.parse(readFileSync(join(dir, name), "utf8")) as RunResult;

/** a fixture result with some figures changed */
function variant(base: RunResult, change: (r: RunResult) => void): RunResult {
  const r = structuredClone(base);
  change(r);
  return r;
}

/** result.server.fanout, set structurally (the field is newer than some results) */
function setFanout(r: RunResult, f: Record<string, number> | null): void {
  (r.server as unknown as { fanout: Record<string, number> | null }).fanout = f;
}

/** role and process CPU together (the fixtures have one process per role) */
function withCpu(r: RunResult, server: number, worker: number): void {
  if (r.roles.server) r.roles.server.cpuPercent = server;
  if (r.roles.worker) r.roles.worker.cpuPercent = worker;
  for (const p of r.processes) if (p.role === "server" || p.role === "worker") p.cpuPercent = p.role === "server" ? server : worker;
}

describe("run verdicts", () => {
  const tight = load("tight-loop.json");
  const fixed = load("fixed-backoff.json");

  it("names the worker of a tight poll loop with its gap share, polls/s and empty share", () => {
    const v = runVerdicts(tight);
    expect(v[0]).toBe("worker: tight poll loop: 64% of its polls came less than 1 ms after the previous response (polls 350.8/s, 100% empty)");
  });

  it("calls the 100 ms backoff idle and quiet, naming the poll with its requests per day, with no tight-loop verdict", () => {
    const v = runVerdicts(fixed);
    expect(v.join("\n")).not.toContain("tight poll loop");
    expect(v).toEqual(["worker: polls every 116 ms (8.6 polls/s, 746,928 requests/day, 100% empty)", "idle and quiet: server 0.7%, worker 0.7%, 8.6 polls/s"]);
  });

  it("names the loop when a worker has several, and leaves out loops that re-poll after real work", () => {
    const r = variant(tight, (x) => {
      const base = x.server.perLoop[0];
      if (!base) throw new Error("fixture");
      x.server.perLoop = [
        { ...base, worker: "worker-1", loop: "task", pollsPerS: 9800, gapUnder1msShare: 0.98, emptyPollRatio: 1 },
        { ...base, worker: "worker-1", loop: "workflow", pollsPerS: 10, gapUnder1msShare: 0, emptyPollRatio: 1 },
        { ...base, worker: "worker-2", loop: "task", pollsPerS: 900, gapUnder1msShare: 0.95, emptyPollRatio: 0.1 },
      ];
    });
    const v = runVerdicts(r);
    expect(v.filter((l) => l.includes("tight poll loop"))).toEqual(["worker-1 (task loop): tight poll loop: 98% of its polls came less than 1 ms after the previous response (polls 9,800/s, 100% empty)"]);
  });

  it("needs the gap share and the poll rate over their thresholds", () => {
    const at = (gap: number, polls: number): string[] =>
      runVerdicts(
        variant(tight, (x) => {
          const l = x.server.perLoop[0];
          if (l) Object.assign(l, { gapUnder1msShare: gap, pollsPerS: polls });
        }),
      ).filter((l) => l.includes("tight poll loop"));
    expect(at(THRESHOLDS.tightGapShare, THRESHOLDS.tightMinPollsPerS)).toHaveLength(1);
    expect(at(THRESHOLDS.tightGapShare - 0.01, 1000)).toHaveLength(0);
    expect(at(1, THRESHOLDS.tightMinPollsPerS - 1)).toHaveLength(0);
  });

  it("reports notification fan-out per job with the wasted share (broadcast unknown without subscribers per queue)", () => {
    const r = variant(fixed, (x) => {
      setFanout(x, { enqueued: 10, notificationsPerEnqueue: 100, pollsTriggeredPerEnqueue: 100, wastedPollsPerEnqueue: 90, wastedWakeupsPerEnqueue: 99 });
    });
    expect(runVerdicts(r)[1]).toMatch(/^notification fan-out: 100 notifications delivered per job, 90% of the polls they trigger come back empty; the CPU it drives: server 0\.7% \+ worker 0\.7% of one core/);
    const targeted = variant(fixed, (x) => {
      setFanout(x, { enqueued: 10, notificationsPerEnqueue: 1, pollsTriggeredPerEnqueue: 1, wastedPollsPerEnqueue: 0, wastedWakeupsPerEnqueue: 0 });
    });
    expect(runVerdicts(targeted).join("\n")).not.toContain("fan-out");
  });

  it("falls back on notification rates when the result has no fan-out figures", () => {
    const r = variant(fixed, (x) => {
      setFanout(x, null);
      Object.assign(x.server, { enqueuedPerS: 1, notificationsPerS: 8, notifiedPollsPerS: 8, notifiedEmptyPollsPerS: 7 });
    });
    expect(runVerdicts(r)[1]).toMatch(/^notification fan-out: 8 notifications delivered per job, 88% of the polls they trigger come back empty; the CPU it drives: .* for 8 notifications\/s/);
  });

  it("says CPU burns elsewhere when the queue is idle, CPU is high and no loop polls tightly", () => {
    const r = variant(fixed, (x) => withCpu(x, 24.1, 20.3));
    const v = runVerdicts(r);
    expect(v).toContain("server: burning while idle: 24.1% of one core while 100% of polls come back empty (8.6 polls/s) and no loop polls tightly: the CPU goes somewhere other than polling; profile it (--profile flame)");
    expect(v.filter((l) => l.startsWith("worker: burning while idle: 20.3%"))).toHaveLength(1);
    expect(v.join("\n")).not.toContain("idle and quiet");
  });

  it("never calls a busy run quiet, and marks profiled runs", () => {
    const r = variant(fixed, (x) => {
      withCpu(x, 3, 0.5);
      x.profiled = "flame";
    });
    const v = runVerdicts(r);
    expect(v.join("\n")).not.toContain("idle and quiet");
    expect(v).toContain("worker: polls every 116 ms (8.6 polls/s, 746,928 requests/day, 100% empty)");
    expect(v.at(-1)).toMatch(/^profiled with flame: /);
  });
});

describe("sweep verdicts", () => {
  const fixed = load("fixed-backoff.json");
  const at = (strategy: string, server: number, worker: number): RunResult =>
    variant(fixed, (x) => {
      x.params = { taskStrategy: strategy };
      withCpu(x, server, worker);
    });

  it("reads intervals from param values", () => {
    expect(intervalMs("fixed:100")).toBe(100);
    expect(intervalMs(250)).toBe(250);
    expect(intervalMs("1000ms")).toBe(1000);
    expect(intervalMs("tight")).toBeNull();
    expect(intervalMs("exponential:100,1.5,120000")).toBeNull();
  });

  it("flags CPU that stays flat while the poll interval changes 10x (seed 000, finding 4)", () => {
    const v = sweepVerdicts([at("fixed:100", 14.1, 10), at("fixed:500", 14.3, 10.2), at("fixed:1000", 14.5, 10.2)]);
    expect(v).toEqual(["CPU does not follow the poll interval you changed (24.1% at 100 ms, 24.7% at 1000 ms; server + workers, taskStrategy): another loop is burning"]);
  });

  it("says CPU follows the interval when it drops, and stays silent on idle or unrelated sweeps", () => {
    expect(sweepVerdicts([at("fixed:10", 20, 20), at("fixed:1000", 1, 1)])[0]).toMatch(/^CPU follows the poll interval/);
    expect(sweepVerdicts([at("fixed:100", 1, 1), at("fixed:1000", 1, 1)])).toEqual([]);
    expect(sweepVerdicts([at("fixed:100", 20, 20), at("fixed:200", 20, 20)])).toEqual([]); // 2x is too small a change to judge
    expect(sweepVerdicts([at("tight", 20, 20), at("fixed:100", 1, 1)])).toEqual([]);
  });

  it("refuses to compare profiled with unprofiled runs", () => {
    const p = variant(at("fixed:1000", 1, 1), (x) => {
      x.profiled = "flame";
    });
    expect(sweepVerdicts([at("fixed:100", 20, 20), p])[0]).toMatch(/profiled and unprofiled runs are mixed/);
  });
});
