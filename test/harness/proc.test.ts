import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import {
  auxvValue,
  beginReadingRound,
  endReadingRound,
  parseContextSwitches,
  parseIo,
  parseStat,
  parseSwitches,
  procReadCount,
  processTree,
  readStat,
  readTasks,
  releaseProcFiles,
} from "../../harness/sample/proc.js";
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
    expect(st.rssPages).toBe(500);
    expect(st.pgrp).toBe(4242);
    expect(parseStat("7 (x) Z 1 7 7 0 -1 4 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0").cpuTicks).toBe(7);
  });

  it("sums voluntary and involuntary context switches", () => {
    expect(parseContextSwitches("Name:\tnode\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n")).toBe(127);
    expect(parseSwitches("Name:\tnode\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n")).toEqual({ voluntary: 120, involuntary: 7 });
    // the order of the two lines does not matter, nor lines after them
    expect(parseSwitches("nonvoluntary_ctxt_switches:\t7\nvoluntary_ctxt_switches:\t120\nx86_Thread_features:\t\n")).toEqual({ voluntary: 120, involuntary: 7 });
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

describe("kept readings (the sampler's)", () => {
  const tidsOf = (s: ReturnType<typeof snapshotTree>): number[] => s.members[0]!.threads!.map((t) => t.tid).sort((a, b) => a - b);

  it("follow threads that start and exit, and never run ahead of a full reading", async () => {
    const me = identify(process.pid)!;
    try {
      beginReadingRound();
      const before = snapshotTree(me, undefined, true);
      endReadingRound();
      const w = new Worker("setInterval(() => {}, 1000)", { eval: true });
      await once(w, "online");
      beginReadingRound();
      const during = snapshotTree(me, undefined, true);
      endReadingRound();
      expect(tidsOf(during).length).toBe(tidsOf(before).length + 1);
      await w.terminate();
      beginReadingRound();
      const after = snapshotTree(me, undefined, true);
      const full = snapshotTree(me, undefined, true, true);
      endReadingRound();
      expect(tidsOf(after)).toEqual(tidsOf(before));
      expect(tidsOf(full)).toEqual(tidsOf(after));
      for (const t of after.members[0]!.threads!) {
        const f = full.members[0]!.threads!.find((x) => x.tid === t.tid)!;
        expect(f.voluntary).toBeGreaterThanOrEqual(t.voluntary);
        expect(f.involuntary).toBeGreaterThanOrEqual(t.involuntary);
      }
    } finally {
      releaseProcFiles();
    }
  });

  it("read a thread's status and children again only when it ran: idle threads cost one small read", async () => {
    // a worker blocked in Atomics.wait does not run until notified; V8's and libuv's idle threads neither
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const w = new Worker("const { workerData } = require('node:worker_threads'); Atomics.wait(new Int32Array(workerData), 0, 0);", { eval: true, workerData: shared.buffer });
    await once(w, "online");
    try {
      const st = readStat(process.pid)!;
      let n0 = procReadCount();
      const a = readTasks(process.pid, st.numThreads, st.startTicks, { keep: true })!;
      const firstReads = procReadCount() - n0;
      expect(firstReads).toBeGreaterThanOrEqual(3 * a.threads.length); // schedstat, status, children each
      await new Promise((r) => setTimeout(r, 50)); // the main thread sleeps: it is scheduled again
      n0 = procReadCount();
      const b = readTasks(process.pid, st.numThreads, st.startTicks, { keep: true })!;
      const laterReads = procReadCount() - n0;
      expect(b.ran).toBe(true);
      expect(b.threads.length).toBe(a.threads.length);
      expect(laterReads).toBeLessThan(firstReads);
      expect(laterReads).toBeGreaterThanOrEqual(a.threads.length); // every thread's schedstat
      // a full reading reads every thread again
      n0 = procReadCount();
      readTasks(process.pid, st.numThreads, st.startTicks, { keep: true, full: true });
      expect(procReadCount() - n0).toBeGreaterThanOrEqual(3 * a.threads.length);
    } finally {
      Atomics.notify(shared, 0);
      await w.terminate();
      releaseProcFiles();
    }
  });

  it("ignore what they remember of a pid that now belongs to another program", () => {
    const st = readStat(process.pid)!;
    expect(readTasks(process.pid, st.numThreads, st.startTicks, { keep: true })?.threads.length).toBeGreaterThan(1);
    // another start time: nothing remembered is used, the threads are listed again
    expect(readTasks(process.pid, st.numThreads, st.startTicks + 1, { keep: true })?.threads.length).toBeGreaterThan(1);
    releaseProcFiles();
  });
});

describe("units without getconf", () => {
  it("reads the clock tick and page size from the auxiliary vector", () => {
    expect(auxvValue(17)).toBe(Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()));
    expect(auxvValue(6)).toBe(Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()));
    // AT_CLKTCK = 17 with value 250, then AT_NULL
    const b = Buffer.alloc(48);
    b.writeBigUInt64LE(17n, 0);
    b.writeBigUInt64LE(250n, 8);
    expect(auxvValue(17, b)).toBe(250);
    expect(auxvValue(6, b)).toBeUndefined();
  });
});
