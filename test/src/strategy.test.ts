import { describe, expect, it } from "vitest";
import { ACCEPTED_FORMS, Backoff, formatStrategy, parseStrategy, StrategyError } from "../../src/worker/strategy.js";

describe("parseStrategy", () => {
  it.each([
    ["tight", { kind: "tight" }],
    ["fixed:100", { kind: "fixed", ms: 100 }],
    ["exponential:100,1.5,120000", { kind: "exponential", base: 100, factor: 1.5, cap: 120000, jitter: false }],
    ["exponential:50,2,1000,jitter", { kind: "exponential", base: 50, factor: 2, cap: 1000, jitter: true }],
    ["notify:1000", { kind: "notify", fallbackMs: 1000 }],
    ["long-poll:30000", { kind: "long-poll", waitMs: 30000 }],
  ])("accepts %s", (input, expected) => {
    expect(parseStrategy(input)).toEqual(expected);
    expect(formatStrategy(parseStrategy(input))).toBe(input);
  });

  it.each([
    "",
    "sometimes",
    "tight:5",
    "fixed",
    "fixed:",
    "fixed:-1",
    "fixed:abc",
    "fixed:1.5",
    "fixed:0",
    "exponential:100,1.5",
    "exponential:100,0.5,1000",
    "exponential:100,x,1000",
    "exponential:1000,2,100",
    "exponential:100,2,1000,jiter",
    "exponential:100,2,1000,jitter,extra",
    "notify",
    "notify:x",
    "long-poll",
    "long-poll:999999",
  ])("rejects %j, listing the accepted forms", (input) => {
    expect(() => parseStrategy(input)).toThrow(StrategyError);
    try {
      parseStrategy(input);
    } catch (err) {
      expect((err as Error).message).toContain(ACCEPTED_FORMS);
      expect((err as Error).message).toContain("fixed:<ms>");
    }
  });
});

describe("Backoff", () => {
  it("tight and long-poll never sleep; fixed and notify sleep their interval", () => {
    expect(new Backoff(parseStrategy("tight")).nextDelay()).toBe(0);
    expect(new Backoff(parseStrategy("long-poll:1000")).nextDelay()).toBe(0);
    expect(new Backoff(parseStrategy("fixed:100")).nextDelay()).toBe(100);
    expect(new Backoff(parseStrategy("notify:250")).nextDelay()).toBe(250);
  });

  it("exponential grows by the factor up to the cap and resets on work (seed 004)", () => {
    const b = new Backoff(parseStrategy("exponential:100,1.5,1000"));
    const seq = Array.from({ length: 9 }, () => b.nextDelay());
    expect(seq).toEqual([100, 150, 225, 338, 506, 759, 1000, 1000, 1000]);
    b.reset();
    expect([b.nextDelay(), b.nextDelay()]).toEqual([100, 150]);
  });

  it("full jitter sleeps a uniform share of the current wait", () => {
    const draws = [0.5, 1, 0];
    const b = new Backoff(parseStrategy("exponential:100,2,1000,jitter"), () => draws.shift() ?? 0);
    expect([b.nextDelay(), b.nextDelay(), b.nextDelay()]).toEqual([50, 200, 0]);
  });
});
