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
  it("no regression when nothing changed (5 vs 5 runs can reach the level)", () => {
    const v = decide({ baseline, current: load("current-same.json"), limits });
    expect(v.outcome).toBe("no-regression");
    expect(v.regressed).toEqual([]);
    // the fixtures predate the counted figures added later: only the four they hold are judged
    expect(v.judgements.map((j) => j.figure)).toEqual(["pollsPerSPerWorker", "wakeupsPerS", "serverCpuPercent", "workerCpuPercent"]);
    expect(v.judgements.map((j) => j.outcome)).toEqual(["no-regression", "no-regression", "no-regression", "no-regression"]);
    for (const j of v.judgements) {
      expect(j.test?.minP).toBeCloseTo(1 / 252, 8);
      expect(j.test?.level).toBeCloseTo(0.05 / 4, 8);
    }
    expect(v.mode).toBe("saved-baseline");
    expect(v.notes.join(" ")).toMatch(/Not interleaved/);
  });

  it("names every figure of a clear regression, with p at the smallest reachable value", () => {
    const v = decide({ baseline, current: load("current-tight-loop.json"), limits });
    expect(v.outcome).toBe("regression");
    expect(v.regressed).toEqual(["pollsPerSPerWorker", "wakeupsPerS", "serverCpuPercent", "workerCpuPercent"]);
    expect(v.judgements.every((j) => j.test?.p === j.test?.minP)).toBe(true);
    expect(v.notes.join(" ")).toContain('"fixed-backoff"');
    const md = renderGateMarkdown(v, { exitCode: 1 });
    expect(md).toContain("REGRESSION");
    expect(md).toContain("**Server CPU**");
    expect(md).toContain("| Figure | Against | Baseline | Current | Change | Allowed | p | Smallest p | Outcome | Why |");
    expect(md).toContain("not interleaved");
    expect(md).toContain("1/C(10,5) = 0.004");
  });

  it("not enough evidence when the change is over the allowance but within chance, with run more", () => {
    const v = decide({ baseline, current: load("current-noisy.json"), limits });
    expect(v.outcome).toBe("not-enough-evidence");
    expect(v.unsure).toEqual(["serverCpuPercent"]);
    const j = v.judgements.find((x) => x.figure === "serverCpuPercent");
    expect(j?.change).toBeGreaterThan(1);
    expect(j?.test?.p).toBeGreaterThan(0.05);
    expect(j?.why).toMatch(/not beyond chance/);
    expect(v.runMore).toBe(10);
    expect(renderGateMarkdown(v)).toContain("Run more: `--repeat 10`");
  });

  it("a looser CPU limit turns the noisy case into no regression, a tighter one keeps it unsure", () => {
    expect(decide({ baseline, current: load("current-noisy.json"), limits: parseLimits(["cpu=3pp"]) }).outcome).toBe("no-regression");
    expect(decide({ baseline, current: load("current-noisy.json"), limits: parseLimits(["serverCpuPercent=0.1pp"]) }).outcome).toBe("not-enough-evidence");
  });

  it("judges counts tightly: +15% polls is a regression, +15% of a tiny rate is under the floor", () => {
    const current = structuredClone(load("current-same.json"));
    for (const r of current.runs) r.figures.pollsPerSPerWorker = (r.figures.pollsPerSPerWorker as number) * 1.15;
    const v = decide({ baseline, current, limits });
    expect(v.outcome).toBe("regression");
    expect(v.regressed).toEqual(["pollsPerSPerWorker"]);
    // 0.2 polls/s growing by 50%: far over 10%, but +0.1/s is under the 0.5/s floor
    const tinyBase = structuredClone(baseline);
    const tinyCur = structuredClone(load("current-same.json"));
    tinyBase.runs.forEach((r, i) => (r.figures.pollsPerSPerWorker = 0.2 + i * 0.001));
    tinyCur.runs.forEach((r, i) => (r.figures.pollsPerSPerWorker = 0.3 + i * 0.001));
    const tiny = decide({ baseline: tinyBase, current: tinyCur, limits });
    const j = tiny.judgements.find((x) => x.figure === "pollsPerSPerWorker");
    expect(j?.outcome).toBe("no-regression");
    expect(j?.limit).toBe(0.5);
    expect(j?.limitText).toMatch(/floor/);
    expect(decide({ baseline: tinyBase, current: tinyCur, limits: parseLimits([], ["polls=0"]) }).regressed).toEqual(["pollsPerSPerWorker"]);
  });

  it("too few runs: not enough evidence whatever the data, with the --repeat that reaches the level", () => {
    const three = (set: typeof baseline): typeof baseline => ({ ...set, runs: set.runs.slice(0, 3) });
    const v = decide({ baseline: three(baseline), current: three(load("current-tight-loop.json")), limits });
    // 3 vs 3: smallest p 1/20 = 0.05, above 0.05/4
    expect(v.outcome).toBe("not-enough-evidence");
    expect(v.judgements.every((j) => j.why.includes("cannot show a regression"))).toBe(true);
    expect(v.runMore).toBe(6); // with a saved baseline of 3 runs: 1/C(9,3) = 0.012 <= 0.0125
    const inter = decide({ baseline: three(baseline), current: three(load("current-tight-loop.json")), limits, mode: "interleaved" });
    expect(inter.runMore).toBe(5); // both sides grow: 1/C(10,5) = 0.004 <= 0.0125
    expect(renderGateMarkdown(inter)).toContain("Interleaved");
  });

  it("judges thresholds with an exact sign test; 5 runs reach one threshold's level, not three", () => {
    const current = load("current-same.json");
    expect(decide({ current, thresholds: { pollsPerSPerWorker: 12 }, limits }).outcome).toBe("no-regression");
    const three = decide({ current, thresholds: { serverCpuPercent: 2, workerCpuPercent: 2, pollsPerSPerWorker: 12 }, limits });
    expect(three.outcome).toBe("not-enough-evidence");
    expect(three.runMore).toBe(6); // 0.5^6 = 0.016 <= 0.05/3
    const over = decide({ current, thresholds: { pollsPerSPerWorker: 5 }, limits });
    expect(over.outcome).toBe("regression");
    expect(over.judgements[0]?.limitText).toBe("≤ 5/s");
    expect(over.judgements[0]?.test?.p).toBeCloseTo(1 / 32, 8);
    const straddle = decide({ current: load("current-noisy.json"), thresholds: { serverCpuPercent: 1 }, limits });
    expect(straddle.outcome).toBe("not-enough-evidence");
  });

  it("a threshold on a figure nobody measured is not enough evidence, not a pass", () => {
    const v = decide({ current: load("current-no-metrics.json"), thresholds: { pollsPerSPerWorker: 12 }, limits });
    expect(v.outcome).toBe("not-enough-evidence");
    expect(v.judgements[0]?.why).toMatch(/not measured/);
  });

  it("a figure the baseline has but the current runs lost is not enough evidence; one the baseline lacks is left out", () => {
    const v = decide({ baseline, current: load("current-no-metrics.json"), limits });
    expect(v.unsure).toContain("pollsPerSPerWorker");
    expect(v.judgements.find((j) => j.figure === "pollsPerSPerWorker")?.why).toMatch(/in no current run/);
    expect(v.judgements.some((j) => j.figure === "emptyPollsPerS")).toBe(false);
  });

  it("names the --set overrides of each side", () => {
    const current = { ...load("current-same.json"), overrides: ["server.reference.pollCostMs=1.5"] };
    const v = decide({ baseline: { ...baseline, overrides: [] }, current, limits });
    expect(v.overrides).toEqual({ current: ["server.reference.pollCostMs=1.5"], baseline: [] });
    expect(v.notes.join(" ")).toContain("--set server.reference.pollCostMs=1.5");
    const old = decide({ baseline, current, limits });
    expect(old.notes.join(" ")).toMatch(/not recorded/);
  });
});

describe("--max-increase", () => {
  it("parses kinds, figures, pp, % and absolute values over the defaults", () => {
    const l = parseLimits(["cpu=2pp,wakeupsPerS=50", "polls=5%"], ["emptyPollsPerS=2"]);
    expect(l.serverCpuPercent).toEqual({ mode: "absolute", value: 2 });
    expect(l.wakeupsPerS).toEqual({ mode: "absolute", value: 50 });
    expect(l.pollsPerSPerWorker).toEqual({ mode: "relative", percent: 5, floor: 0.5 });
    expect(l.emptyPollsPerS).toEqual({ mode: "relative", percent: 5, floor: 2 });
    expect(allowedIncrease(l.pollsPerSPerWorker, 20)).toBeCloseTo(1);
    expect(allowedIncrease(l.pollsPerSPerWorker, 2)).toBeCloseTo(0.5); // 5% of 2 is 0.1: the floor wins
    expect(l.serverCpuMsPerPoll).toEqual({ mode: "relative", percent: 50, floor: 0.05 });
  });
  it("rejects bad specs as usage errors", () => {
    expect(() => parseLimits(["cpu=lots"])).toThrow(UsageError);
    expect(() => parseLimits(["memory=1%"])).toThrow(/unknown key "memory"/);
    expect(() => parseLimits(["polls=1pp"])).toThrow(/CPU figures only/);
    expect(() => parseLimits(["cpu"])).toThrow(UsageError);
    expect(() => parseLimits([], ["polls=5%"])).toThrow(/--floor polls: a floor is an amount/);
  });
});

describe("result-set files", () => {
  it("rejects a file that is not a result set, naming it", () => {
    expect(() => load("not-a-result-set.json")).toThrow(/not-a-result-set\.json/);
    expect(() => load("missing.json")).toThrow(UsageError);
  });
});
