import { describe, expect, it } from "vitest";
import { parseContextSwitches, parseIo, parseSwitches, parseStat, processTree, readStat } from "../../harness/sample/proc.js";
import { identify, snapshotTree } from "../../harness/sample/tree-snapshot.js";

describe("/proc parsing", () => {
  it("parses a stat line whose comm holds spaces and parentheses", () => {
    const line = "4242 (my (odd) worker) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0 98765 1000000 500 18446744073709551615";
    const st = parseStat(line);
    expect(st.pid).toBe(4242);
    expect(st.comm).toBe("my (odd) worker");
    expect(st.state).toBe("S");
    expect(st.ppid).toBe(1);
    expect(st.cpuTicks).toBe(250 + 50 + 7 + 3);
    expect(st.ownTicks).toBe(250 + 50);
    expect(st.childTicks).toBe(7 + 3);
    expect(st.numThreads).toBe(11);
    expect(st.startTicks).toBe(98765);
  });

  it("sums voluntary and involuntary context switches", () => {
    expect(parseContextSwitches("Name:\tnode\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n")).toBe(127);
    expect(parseSwitches("Name:\tnode\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n")).toEqual({ voluntary: 120, involuntary: 7 });
  });

  it("parses /proc/<pid>/io", () => {
    expect(parseIo("rchar: 10\nwchar: 20\nsyscr: 3\nsyscw: 4\nread_bytes: 0\n")).toEqual({ rchar: 10, wchar: 20, syscr: 3, syscw: 4 });
  });

  it("reads this process and finds it in its own tree", () => {
    const me = readStat(process.pid);
    expect(me?.pid).toBe(process.pid);
    expect(processTree(process.pid)).toContain(process.pid);
    const snap = snapshotTree(identify(process.pid)!);
    expect(snap.alive).toBe(true);
    const root = snap.members[0]!;
    expect(root.pid).toBe(process.pid);
    expect(root.ownTicks).toBeGreaterThan(0);
    expect(root.threads!.length).toBeGreaterThan(1); // node has libuv and V8 threads
    expect(root.threads!.reduce((n, t) => n + t.voluntary, 0)).toBeGreaterThan(0);
  });

  it("refuses to read a pid whose start time changed (pid reuse)", () => {
    const id = identify(process.pid)!;
    expect(snapshotTree({ pid: id.pid, startTicks: id.startTicks + 1 }).alive).toBe(false);
  });
});
