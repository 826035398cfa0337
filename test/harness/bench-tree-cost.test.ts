import { describe, expect, it } from "vitest";
import { parseStatTimes, readTreeCpu, sumBpfRunTime } from "../../bench/tree-cpu.js";
import { toTreeReading, treeCost, type TreeReading } from "../../bench/harness-tree-cost.js";

describe("bench/tree-cpu", () => {
  it("reads utime, stime, cutime and cstime after a comm holding spaces and ')'", () => {
    const text = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 230 41 20 0 1 0 1000 1000000 100 18446744073709551615";
    expect(parseStatTimes(text)).toEqual({ comm: "my (odd) name", utime: 17, stime: 5, cutime: 230, cstime: 41 });
    expect(parseStatTimes("garbage")).toBeUndefined();
    expect(parseStatTimes("1 (x) S 1 2")).toBeUndefined();
  });

  it("sums the run time of BPF program fds only, and says when a process holds none", () => {
    const prog = (ns: number, cnt: number): string => `pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1\nprog_type:\t5\nprog_jited:\t1\nprog_tag:\tabc\nmemlock:\t4096\nprog_id:\t77\nrun_time_ns:\t${ns}\nrun_cnt:\t${cnt}\nrecursion_misses:\t0\n`;
    const map = "pos:\t0\nflags:\t02000002\nmap_type:\t1\nkey_size:\t4\nmap_id:\t12\n";
    expect(sumBpfRunTime([prog(1000, 10), map, prog(500, 5), "pos:\t0\n"])).toEqual({ runNs: 1500, runs: 15, programs: 2 });
    expect(sumBpfRunTime([map])).toBeNull();
  });

  it("reads this process's own CPU (its children are whatever the test runner started)", () => {
    const r = readTreeCpu(process.pid, 100);
    expect(r?.self).toBeGreaterThan(0);
    expect(r?.reaped).toBeGreaterThanOrEqual(0);
    expect(readTreeCpu(2 ** 22 + 1, 100)).toBeUndefined();
  });
});

describe("bench/harness-tree-cost", () => {
  it("groups the children: bpftrace, perf, and every other child with the reaped ones", () => {
    const r = toTreeReading(2, { self: 100, byChild: { bpftrace: 40, perf: 7, bash: 3, ss: 2 }, reaped: 50 }, 9, 4);
    expect(r).toEqual({ t: 2, node: 100, bpftrace: 40, perf: 7, other: 55, bpfKernel: 9 });
    // bpftrace gone: its programs' time stays at the last figure; not measured: null
    expect(toTreeReading(3, { self: 1, byChild: {}, reaped: 0 }, undefined, 9).bpfKernel).toBe(9);
    expect(toTreeReading(3, { self: 1, byChild: { bpftrace: 1 }, reaped: 0 }, 5, null).bpfKernel).toBeNull();
  });

  it("gives each part's and the total's steady, second-half and whole-life figures", () => {
    // 1% node, 0.5% bpftrace, 0.2% BPF in the kernel, 0.1% perf, 0.2% other, per second, from t=1 to 21
    const readings: TreeReading[] = [];
    for (let t = 1; t <= 21; t++) readings.push({ t, node: t * 10e6, bpftrace: 300e6 + t * 5e6, perf: t * 1e6, other: t * 2e6, bpfKernel: t * 2e6 });
    const c = treeCost(readings, 22, 0, 700, 3, 19);
    expect(c.parts.node.steadyPercent).toBeCloseTo(1, 6);
    expect(c.parts.bpftrace.steadyPercent).toBeCloseTo(0.5, 6);
    expect(c.parts.bpfKernel.latePercent).toBeCloseTo(0.2, 6);
    expect(c.total.steadyPercent).toBeCloseTo(2, 6);
    expect(c.totalHasBpfKernel).toBe(true);
    // whole life: perf's 700 ms for the processes + the BPF programs' 42 ms, over 22 s
    expect(c.total.lifeCpuMs).toBeCloseTo(742, 1);
    expect(c.parts.node.lifeCpuMs).toBeCloseTo(210, 1);
    expect(c.parts.bpftrace.lifeCpuMs).toBeCloseTo(405, 1);
    // other = the rest of perf's total: 700 - 210 - 405 - 21
    expect(c.parts.other.lifeCpuMs).toBeCloseTo(64, 1);
    expect(c.readingsLifeCpuMs).toBeCloseTo(210 + 405 + 21 + 42, 1);
  });

  it("leaves the BPF programs out of the total, and says so, when their time was not counted", () => {
    const readings: TreeReading[] = [1, 3, 5, 9, 10].map((t) => ({ t, node: t * 1e7, bpftrace: 0, perf: 0, other: 0, bpfKernel: null }));
    const c = treeCost(readings, 11, 0, null, 3, 9);
    expect(c.totalHasBpfKernel).toBe(false);
    expect(c.parts.bpfKernel.steadyPercent).toBeNull();
    expect(c.parts.bpfKernel.lifeCpuMs).toBeNull();
    expect(c.total.steadyPercent).toBeCloseTo(1, 6);
    // no perf: the readings' total
    expect(c.total.lifeCpuMs).toBeCloseTo(100, 1);
  });
});
