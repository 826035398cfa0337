/** The window driver's contract: marked start and end readings, and the hooks in order around them. */
import { describe, expect, it } from "vitest";
import { WindowDriver } from "../../harness/run/window.js";
import type { ReadingMark, Sampler } from "../../harness/sample/sampler.js";

/** A sampler that only records the marks it was asked for (no /proc reads). */
function fakeSampler(log: string[]): Sampler {
  return {
    windowStart: Number.NaN,
    tick: async (_now: number, mark?: ReadingMark) => {
      log.push(`tick${mark ? `:${mark}` : ""}`);
    },
  } as unknown as Sampler;
}

describe("window driver", () => {
  it("takes warm-up readings, then start, samples and end, calling each hook right after its reading", async () => {
    const log: string[] = [];
    const sampler = fakeSampler(log);
    const clock = new WindowDriver(sampler, { warmupS: 0.1, durationS: 0.2, sampleS: 0.05 }, new AbortController().signal);
    expect(sampler.windowStart).toBe(clock.windowStart);
    await clock.run({
      onWindowStart: (p) => void log.push(`start k=${p.k}`),
      onSample: (p) => void log.push(`sample k=${p.k}`),
      onWindowEnd: (p) => void log.push(`end k=${p.k}/${p.steps}`),
      afterReading: (phase) => void log.push(`after ${phase}`),
    });
    expect(log).toEqual([
      "tick",
      "after warmup",
      "tick",
      "after warmup",
      "tick:start",
      "start k=0",
      "after window",
      ...[1, 2, 3].flatMap((k) => ["tick", `sample k=${k}`, "after window"]),
      "tick:end",
      "end k=4/4",
      "after window",
    ]);
    expect(clock.reachedEnd).toBe(true);
    expect(clock.measuredS).toBeGreaterThan(0.15);
  });

  it("stops early when asked, with no end reading", async () => {
    const log: string[] = [];
    const clock = new WindowDriver(fakeSampler(log), { warmupS: 0, durationS: 0.2, sampleS: 0.05 }, new AbortController().signal);
    let n = 0;
    await clock.run({ stopEarly: () => ++n >= 2 });
    expect(log).toEqual(["tick:start", "tick"]);
    expect(clock.reachedEnd).toBe(false);
  });

  it("takes no reading after an abort", async () => {
    const log: string[] = [];
    const ac = new AbortController();
    ac.abort();
    const clock = new WindowDriver(fakeSampler(log), { warmupS: 0, durationS: 1, sampleS: 0.1 }, ac.signal);
    await clock.run({});
    expect(log).toEqual([]);
    expect(clock.measuredS).toBe(0);
  });
});
