import { describe, expect, it } from "vitest";
import { cpuPercentBetween, parseTaskClockMs, threadsCpuNs } from "../../bench/process-cpu.js";

describe("bench/process-cpu", () => {
  it("reads task-clock milliseconds from perf stat -x, output", () => {
    const text = "# started on Tue Dec  1 14:50:06 2026\n\n412.97,msec,task-clock,412970000,100.00,0.021,CPUs utilized\n";
    expect(parseTaskClockMs(text)).toBeCloseTo(412.97, 2);
    expect(parseTaskClockMs("<not counted>,msec,task-clock,0,0.00,,\n")).toBeNull();
    expect(parseTaskClockMs("")).toBeNull();
  });

  it("takes the rate between the first and last readings inside the stretch", () => {
    const readings = [
      { t: 0.5, ns: 0 },
      { t: 3, ns: 100e6 },
      { t: 5, ns: 120e6 },
      { t: 13, ns: 200e6 },
      { t: 20, ns: 900e6 },
    ];
    // 100 ms of CPU over 10 s between t=3 and t=13
    expect(cpuPercentBetween(readings, 3, 19)).toBeCloseTo(1, 6);
    // fewer than two readings, or less than a second apart: no figure, never 0
    expect(cpuPercentBetween(readings, 14, 19)).toBeNull();
    expect(cpuPercentBetween([{ t: 3, ns: 0 }, { t: 3.5, ns: 1e6 }], 0, 10)).toBeNull();
  });

  it("reads this process's threads' CPU, and nothing for a pid that is not running", () => {
    const ns = threadsCpuNs(process.pid);
    expect(ns).toBeGreaterThan(0);
    expect(threadsCpuNs(2 ** 22 + 1)).toBeUndefined();
  });
});
