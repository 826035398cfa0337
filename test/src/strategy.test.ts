import { describe, expect, it } from "vitest";
import { ACCEPTED_FORMS, Backoff, formatStrategy, parseStrategy } from "../../src/worker/strategy.js";

describe("strategy strings", () => {
  it.each(["tight", "fixed:100", "exponential:100,1.5,1200", "exponential:100,2,1000,jitter", "notify:100", "long-poll:30000"])("parses and formats %s", (s) => {
    expect(formatStrategy(parseStrategy(s))).toBe(s);
  });
  it.each(["", "sometimes", "fixed", "fixed:", "fixed:-1", "fixed:abc", "tight:5", "exponential:100,1.5", "exponential:100,0.5,1000", "exponential:1000,2,100", "exponential:1,2,3,wobble", "long-poll:0"])("rejects %j with the accepted forms", (s) => {
    expect(() => parseStrategy(s)).toThrow(ACCEPTED_FORMS);
  });
});

describe("backoff", () => {
  it("grows x1.5 per empty poll up to the cap and resets on work (seed 004, time-scaled)", () => {
    const b = new Backoff(parseStrategy("exponential:100,1.5,1200"));
    const seq = Array.from({ length: 9 }, () => b.nextDelay());
    expect(seq).toEqual([100, 150, 225, 338, 506, 759, 1139, 1200, 1200]);
    b.reset();
    expect(b.nextDelay()).toBe(100);
  });
  it("draws full jitter below the current wait", () => {
    const b = new Backoff(parseStrategy("exponential:100,2,1000,jitter"), () => 0.5);
    expect([b.nextDelay(), b.nextDelay(), b.nextDelay()]).toEqual([50, 100, 200]);
  });
  it("never sleeps for tight, always the same for fixed", () => {
    const t = new Backoff(parseStrategy("tight"));
    const f = new Backoff(parseStrategy("fixed:100"));
    expect([t.nextDelay(), t.nextDelay()]).toEqual([0, 0]);
    expect([f.nextDelay(), f.nextDelay()]).toEqual([100, 100]);
  });
});
