/** --profile cpu's pure parts: the V8 CPU profile reader, the scheduler's reading, the wall-clock table and its labels. */
import { describe, expect, it } from "vitest";
import { cpuProfileSamples, type CpuProfile } from "../../harness/profile/cpu-profile-read.js";
import { readOffCpu } from "../../harness/profile/off-cpu-read.js";
import { renderProfileSummary, renderWallTable } from "../../harness/profile/profile-markdown.js";
import { summarise } from "../../harness/profile/summary.js";
import { wallCategoryOfSample, wallShares, wallTable, type ThreadTime } from "../../harness/profile/wall-clock.js";
import { VM_STATE, type Frame } from "../../harness/profile/categories.js";

const node = (id: number, functionName: string, url = "", children: number[] = [], lineNumber = -1) => ({ id, callFrame: { functionName, url, lineNumber, columnNumber: 0, scriptId: "0" }, children });

/** 10 s of an idle event loop with a little work: (idle) 9 of every 10 ms, runLoop the 10th. */
function idleProfile(): CpuProfile {
  const nodes = [node(1, "(root)", "", [2, 3, 5]), node(2, "(idle)"), node(3, "runLoop", "file:///app/dist/src/worker/loop.js", [4], 60), node(4, "poll", "file:///app/dist/src/worker/client.js", [], 43), node(5, "(garbage collector)")];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    samples.push(i % 10 === 9 ? 4 : i % 100 === 50 ? 5 : 2);
    timeDeltas.push(1000);
  }
  return { nodes, startTime: 1_000_000, endTime: 1_000_000 + 10_000_000, samples, timeDeltas };
}

function idleThreads(): ThreadTime[] {
  const wait = (k: "thread" | "io", ms: number) => ({ thread: k === "thread" ? ms : 0, io: k === "io" ? ms : 0, timer: 0, disk: 0, other: 0 });
  return [
    { tid: 100, comm: "node", onCpuMs: 900, runnableMs: 100, waitMs: wait("io", 9000), waitBySyscall: { epoll_pwait: 9000 } },
    ...[101, 102, 103, 104].map((tid) => ({ tid, comm: "V8 worker", onCpuMs: 5, runnableMs: 0, waitMs: wait("thread", 9995), waitBySyscall: { futex: 9995 } })),
  ];
}

describe("V8 CPU profile reader", () => {
  it("turns samples into weighted stacks, leaf first, with (idle) and GC as VM states, cut to a span of the profile's clock", () => {
    const all = cpuProfileSamples(idleProfile());
    expect(all.samples).toHaveLength(10_000);
    expect(all.coveredS).toBeCloseTo(10, 3);
    const busy = all.samples.find((s) => s.vmState === VM_STATE.JS);
    expect(busy?.stack.map((f) => f.name)).toEqual(["poll file:///app/dist/src/worker/client.js:44:1", "runLoop file:///app/dist/src/worker/loop.js:61:1"]);
    expect(all.samples.filter((s) => s.vmState === VM_STATE.IDLE).length).toBeGreaterThan(8000);
    expect(all.samples.some((s) => s.vmState === VM_STATE.GC)).toBe(true);
    // the middle 2 s only
    const cut = cpuProfileSamples(idleProfile(), 1_000_000 + 4_000_000, 1_000_000 + 6_000_000);
    expect(cut.samples).toHaveLength(2000);
    expect(cut.coveredS).toBeCloseTo(2, 3);
  });
});

describe("wall-clock table", () => {
  it("an idle Node process is mostly waiting, all threads counted, and the table says it is wall-clock", () => {
    const { samples } = cpuProfileSamples(idleProfile());
    const t = wallTable({ process: "worker", v8: samples, threads: idleThreads(), mainTid: 100, schedulerMethod: "bpftrace sched_switch" });
    expect(t).not.toBeNull();
    if (!t) return;
    expect(t.counts).toMatch(/^wall-clock \(all threads, waiting included\)/);
    expect(wallShares(t).waiting).toBeGreaterThan(0.9);
    expect(t.rows[0]?.category).toBe("idle-thread");
    // the JavaScript thread's 900 ms on CPU is split by its profile: runLoop/poll is application code
    expect(t.rows.find((r) => r.category === "application")?.ms).toBeGreaterThan(700);
    const md = renderWallTable(t);
    expect(md).toContain("wall-clock (all threads, waiting included)");
    expect(md).toContain("mostly `futex`");
    expect(md).toContain("mostly `epoll_pwait`");
  });

  it("without the scheduler, the JavaScript thread's profile alone, and says so", () => {
    const t = wallTable({ process: "worker", v8: cpuProfileSamples(idleProfile()).samples, threads: null, mainTid: 100, schedulerMethod: null });
    expect(t?.counts).toMatch(/JavaScript thread only/);
    expect(wallShares(t ?? ({ rows: [] } as never)).waiting).toBeGreaterThan(0.8);
  });

  it("the on-CPU tables of perf and 0x are not labelled wall-clock; the V8 CPU profile's are", () => {
    const perf = summarise([{ weightMs: 1, vmState: null, stack: [{ type: "SHARED_LIB", name: "main (/bin/x)" }] }], { process: "p", profiler: "perf", flamegraph: null, source: "perf.data", coveredS: 1 });
    const md = renderProfileSummary(perf);
    expect(md).toMatch(/Time by category \(self time\) — on-CPU samples/);
    expect(md).not.toMatch(/wall-clock/i);
    const flame = renderProfileSummary({ ...perf, profiler: "flame" });
    expect(flame).toMatch(/— on-CPU samples of the JavaScript thread/);
    expect(flame).not.toMatch(/wall-clock/i);
    const cpu = summarise(cpuProfileSamples(idleProfile()).samples, { process: "w", profiler: "cpu", counts: "wall-clock samples of the JavaScript thread", flamegraph: null, source: "x.cpuprofile", coveredS: 10 });
    expect(renderProfileSummary(cpu)).toMatch(/Time by category \(self time\) — wall-clock samples/);
  });

  it("splits busy JavaScript time into seed 001's categories", () => {
    const js = (name: string): Frame => ({ type: "JS", name });
    const handler = js("answer /app/src/server/http.ts:92:1");
    expect(wallCategoryOfSample(VM_STATE.JS, [{ type: "CPP", name: "writeUtf8String" }, js("_write node:internal/fs/sync_write_stream:20:1"), js("logRequest /app/src/server/request-log.ts:30:1"), handler])).toBe("logging");
    expect(wallCategoryOfSample(VM_STATE.JS, [js("writev"), js("writevGeneric node:internal/stream_base_commons:120:1"), js("end node:_http_outgoing:1000:1"), handler])).toBe("net-send");
    expect(wallCategoryOfSample(VM_STATE.JS, [js("onStreamRead node:internal/stream_base_commons:168:1")])).toBe("net-recv");
    expect(wallCategoryOfSample(VM_STATE.JS, [js("run"), js("sqliteTransaction /app/node_modules/better-sqlite3/lib/methods/transaction.js:52:1"), handler])).toBe("database");
    expect(wallCategoryOfSample(VM_STATE.JS, [handler])).toBe("application");
    expect(wallCategoryOfSample(VM_STATE.GC, [handler])).toBe("gc");
  });
});

describe("the scheduler's reading (bpftrace maps)", () => {
  it("adds the waits still open at END and the threads still on CPU", () => {
    const text = [
      "Attaching 5 probes...",
      "BEGIN 1000000000",
      "END 3000000000",
      "@cpu[10, 10]: 100000000",
      "@wait[10, 10, 233]: 1500000000",
      "@wait[10, 10, -2]: 50000000",
      "@comm[10, 11]: V8 DefaultWorke",
      "@off[11]: 1000000000",
      "@why[11]: 203",
      "@tgof[11]: 10",
      "@on[10]: 2700000000",
      "@tgof[10]: 10",
    ].join("\n");
    const r = readOffCpu(text, "x64");
    const threads = r?.byProcess.get(10) ?? [];
    const main = threads.find((t) => t.tid === 10);
    const worker = threads.find((t) => t.tid === 11);
    expect(main?.onCpuMs).toBeCloseTo(400, 3); // 100 ms counted + 300 ms still on CPU at END
    expect(main?.waitMs.io).toBeCloseTo(1500, 3); // epoll_wait (232 + 1)
    expect(main?.runnableMs).toBeCloseTo(50, 3);
    expect(worker?.waitMs.thread).toBeCloseTo(2000, 3); // futex (202 + 1), open since BEGIN
    expect(worker?.comm).toBe("V8 DefaultWorke");
  });
});
