/** The gate's decision on fixture result sets: clear pass, clear regression, noisy inconclusive. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decide } from "../../harness/gate/decide.js";
import { parseLimits, allowedIncrease } from "../../harness/gate/limits.js";
import { readResultSet } from "../../harness/gate/result-set.js";
import { renderGateMarkdown } from "../../harness/gate/summary-markdown.js";
import { UsageError } from "../../harness/util/errors.js";

const dir = join(import.meta.dirname, "..", "fixtures", "gate");
const load = (f: string) => readResultSet(join(dir, f));
const baseline = load("baseline-fixed-backoff.json");
const limits = parseLimits([]);

describe("gate decision on fixture result sets", () => {
  it("passes when nothing changed", () => {
    const v = decide({ baseline, current: load("current-same.json"), limits });
    expect(v.outcome).toBe("pass");
    expect(v.regressed).toEqual([]);
    expect(v.judgements.map((j) => j.outcome)).toEqual(["pass", "pass", "pass", "pass"]);
  });

  it("names every figure of a clear regression (tight loop against the fixed-backoff baseline)", () => {
    const v = decide({ baseline, current: load("current-tight-loop.json"), limits });
    expect(v.outcome).toBe("regression");
    expect(v.regressed).toEqual(["serverCpuPercent", "workerCpuPercent", "pollsPerSPerWorker", "wakeupsPerS"]);
    expect(v.notes.join(" ")).toContain('"fixed-backoff"');
    const md = renderGateMarkdown(v, { exitCode: 1 });
    expect(md).toContain("REGRESSION");
    expect(md).toContain("**Server CPU**");
    expect(md).toContain("| Figure | Against | Baseline | Current | Difference | Threshold | Outcome | Why |");
  });

  it("is inconclusive when the noise straddles the limit", () => {
    const v = decide({ baseline, current: load("current-noisy.json"), limits });
    expect(v.outcome).toBe("inconclusive");
    expect(v.inconclusive).toEqual(["serverCpuPercent"]);
    const j = v.judgements.find((x) => x.figure === "serverCpuPercent");
    expect(j?.interval?.low).toBeLessThan(1);
    expect(j?.interval?.high).toBeGreaterThan(1);
    expect(j?.why).toMatch(/too noisy/);
  });

  it("a looser CPU limit turns the noisy case into a pass, a tighter one keeps it inconclusive", () => {
    expect(decide({ baseline, current: load("current-noisy.json"), limits: parseLimits(["cpu=3pp"]) }).outcome).toBe("pass");
    expect(decide({ baseline, current: load("current-noisy.json"), limits: parseLimits(["serverCpuPercent=0.1pp"]) }).outcome).toBe("inconclusive");
  });

  it("judges deterministic counts tightly: +15% polls is a regression", () => {
    const current = structuredClone(load("current-same.json"));
    for (const r of current.runs) r.figures.pollsPerSPerWorker = (r.figures.pollsPerSPerWorker as number) * 1.15;
    const v = decide({ baseline, current, limits });
    expect(v.outcome).toBe("regression");
    expect(v.regressed).toEqual(["pollsPerSPerWorker"]);
  });

  it("judges thresholds on the current median, with the same three outcomes", () => {
    const current = load("current-same.json");
    expect(decide({ current, thresholds: { serverCpuPercent: 2, workerCpuPercent: 2, pollsPerSPerWorker: 12 }, limits }).outcome).toBe("pass");
    const over = decide({ current, thresholds: { pollsPerSPerWorker: 5 }, limits });
    expect(over.outcome).toBe("regression");
    expect(over.judgements[0]?.limitText).toBe("≤ 5/s");
    const straddle = decide({ current: load("current-noisy.json"), thresholds: { serverCpuPercent: 1 }, limits });
    expect(straddle.outcome).toBe("inconclusive");
  });

  it("a threshold on a figure nobody measured is inconclusive, not a pass", () => {
    const v = decide({ current: load("current-no-metrics.json"), thresholds: { pollsPerSPerWorker: 12 }, limits });
    expect(v.outcome).toBe("inconclusive");
    expect(v.judgements[0]?.why).toMatch(/not measured/);
  });

  it("a figure measured on one side only is inconclusive", () => {
    const v = decide({ baseline, current: load("current-no-metrics.json"), limits });
    expect(v.inconclusive).toEqual(["pollsPerSPerWorker"]);
  });
});

describe("--max-increase", () => {
  it("parses kinds, figures, pp, % and absolute values over the defaults", () => {
    const l = parseLimits(["cpu=2pp,wakeupsPerS=50", "polls=5%"]);
    expect(l.serverCpuPercent).toEqual({ mode: "absolute", value: 2 });
    expect(l.wakeupsPerS).toEqual({ mode: "absolute", value: 50 });
    expect(l.pollsPerSPerWorker).toEqual({ mode: "relative", percent: 5 });
    expect(allowedIncrease(l.pollsPerSPerWorker, 10)).toBeCloseTo(0.5);
  });
  it("rejects bad specs as usage errors", () => {
    expect(() => parseLimits(["cpu=lots"])).toThrow(UsageError);
    expect(() => parseLimits(["memory=1%"])).toThrow(/unknown key "memory"/);
    expect(() => parseLimits(["polls=1pp"])).toThrow(/CPU figures only/);
    expect(() => parseLimits(["cpu"])).toThrow(UsageError);
  });
});

describe("result-set files", () => {
  it("rejects a file that is not a result set, naming it", () => {
    expect(() => load("not-a-result-set.json")).toThrow(/not-a-result-set\.json/);
    expect(() => load("missing.json")).toThrow(UsageError);
  });
});
