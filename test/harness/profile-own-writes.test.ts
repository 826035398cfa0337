/** 0x (--prof): V8 writing its own log is the profiler's work, not the program's; the program's own writes stay. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { categorize, isProfilerLogWrite, VM_STATE, type Frame } from "../../harness/profile/categories.js";
import { renderProfileSummary } from "../../harness/profile/profile-markdown.js";
import { summarise, type ProfileSample } from "../../harness/profile/summary.js";
import { isV8Preprocessed, v8Samples } from "../../harness/profile/v8-log.js";

const app: Frame = { type: "JS", name: "poll /app/dist/worker/client.js:30:3" };
const unknown: Frame = { type: "UNKNOWN", name: "(unknown)" };
const libcWrite: Frame = { type: "CPP", name: "__write@@GLIBC_2.2.5" };

describe("the profiler's own log writing", () => {
  it("a C-library write while V8 compiles, or V8's LOGGING state, is the profiler; the program's writes are not", () => {
    // as seen in a tight-loop worker's 0x profile: __write < (V8 logger, unnamed) < onStreamRead, COMPILER state
    expect(isProfilerLogWrite(VM_STATE.COMPILER, [libcWrite, unknown, { type: "JS", name: "onStreamRead node:internal/stream_base_commons:168:22" }])).toBe(true);
    expect(isProfilerLogWrite(VM_STATE.BYTECODE_COMPILER, [{ type: "CPP", name: "_IO_fwrite@@GLIBC_2.2.5" }, app])).toBe(true);
    expect(isProfilerLogWrite(VM_STATE.LOGGING, [{ type: "CPP", name: "v8::internal::Logger::TickEvent" }])).toBe(true);
    // the program's socket writes (libuv: writev, or write for one buffer) in the JS or EXTERNAL state
    expect(isProfilerLogWrite(VM_STATE.JS, [{ type: "CPP", name: "writev@@GLIBC_2.2.5" }, unknown, app])).toBe(false);
    expect(isProfilerLogWrite(VM_STATE.EXTERNAL, [libcWrite, app])).toBe(false);
    expect(isProfilerLogWrite(null, [libcWrite])).toBe(false);
    expect(isProfilerLogWrite(VM_STATE.COMPILER, [{ type: "CPP", name: "v8::internal::Compiler::Compile" }])).toBe(false);
    expect(categorize(VM_STATE.COMPILER, [libcWrite, app])).toBe("profiler");
    expect(categorize(VM_STATE.EXTERNAL, [libcWrite, app])).toBe("native-io");
    // a JavaScript function named like a native wait (the worker's poll) is not idle
    expect(categorize(VM_STATE.JS, [app])).toBe("application");
  });

  it("keeps the profiler's writes in their own category and out of the function tables", () => {
    const s = (vmState: number, stack: Frame[], weightMs: number): ProfileSample => ({ vmState, stack, weightMs });
    const samples = [
      ...Array.from({ length: 30 }, () => s(VM_STATE.COMPILER, [libcWrite, unknown, app], 1)),
      ...Array.from({ length: 10 }, () => s(VM_STATE.JS, [{ type: "CPP", name: "writev@@GLIBC_2.2.5" }, unknown, app], 1)),
      ...Array.from({ length: 5 }, () => s(VM_STATE.JS, [app], 1)),
    ];
    const sum = summarise(samples, { process: "worker", profiler: "flame", flamegraph: null, source: "x", coveredS: 0.045 });
    expect(sum.categories.find((c) => c.category === "profiler")?.share).toBeCloseTo(30 / 45, 3);
    expect(sum.topSelf[0]?.name).toBe("writev");
    expect(sum.topSelf.some((f) => f.name === "__write" || f.category === "profiler")).toBe(false);
    // the application's total time no longer counts the profiler's writes under its functions
    expect(sum.topApplication[0]?.ms).toBeCloseTo(15, 3);
  });
});

/** the measured window of real 0x tick logs of the tight loop (`harness run tight-loop --profile flame --duration 4 --warmup 3`), paths shortened */
function fixture(name: string, windowS: number): ReturnType<typeof summarise> {
  const log = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "profiles", name), "utf8")) as unknown;
  if (!isV8Preprocessed(log)) throw new Error(`${name}: not a V8 log`);
  const { samples, coveredS } = v8Samples(log, windowS);
  return summarise(samples, { process: "p", profiler: "flame", flamegraph: null, source: name, coveredS });
}

describe("a tight loop's 0x tables", () => {
  it.each([
    // Node 20: the server's __write in V8's compiler state was the top function (16.6% of the window)
    ["v8-tight-loop-server-node20.json", 4],
    // Node 24: V8's LOGGING state and __write while compiling; the program's own socket __write stays
    // (a loaded machine stretched that run's window to 7.1 s)
    ["v8-tight-loop-worker-node24.json", 7.1],
  ])("%s: the profiler's own writes are a category of their own, not at the top of the functions", (name, windowS) => {
    const s = fixture(name, windowS);
    const own = s.categories.find((c) => c.category === "profiler");
    expect(own?.share).toBeGreaterThan(0.03);
    expect(s.topSelf.every((f) => f.category !== "profiler")).toBe(true);
    // what would have headed the table: the profiler's writes weigh more than the top function left
    // (Node 20), or as much as a program function in the top three (Node 24)
    expect(own?.ms).toBeGreaterThan(s.topSelf[2]?.ms ?? 0);
    const md = renderProfileSummary(s);
    expect(md).toContain("| Profiler's own log writing (V8 --prof, not the program) |");
    expect(md).toContain("idle waits and the profiler's own log writing left out");
  });
});
