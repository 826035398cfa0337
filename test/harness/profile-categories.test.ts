import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { categorize, jsOwner, splitJsName, VM_STATE, type Frame } from "../../harness/profile/categories.js";
import { foldStacks, parsePerfScript, perfSamples } from "../../harness/profile/perf-script.js";
import { renderProfileSummary } from "../../harness/profile/profile-markdown.js";
import { summarise } from "../../harness/profile/summary.js";
import { isV8Preprocessed, v8Samples } from "../../harness/profile/v8-log.js";
import { sourceLocator } from "../../harness/profile/source-location.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "profiles");
const v8 = JSON.parse(readFileSync(join(fixtures, "v8-small.json"), "utf8")) as unknown;

function js(name: string): Frame {
  return { type: "JS", name };
}

describe("profile categories", () => {
  it("splits a V8 JS code name into function, file and line", () => {
    expect(splitJsName("pollOnce /app/dist/loop.js:10:3")).toEqual({ fn: "pollOnce", file: "/app/dist/loop.js", line: 10, column: 3 });
    expect(splitJsName(" /app/x.js:4:23").fn).toBe("(anonymous)");
    expect(jsOwner("emit node:events:519:28")).toBe("runtime");
    expect(jsOwner("prepare /app/node_modules/better-sqlite3/lib/x.js:5:20")).toBe("libraries");
    expect(jsOwner("pollOnce /app/dist/loop.js:10:3")).toBe("application");
  });

  it("applies the precedence idle > GC > logging > JSON > compiler > owner of the leaf", () => {
    const app = js("pollOnce /app/loop.js:1:1");
    expect(categorize(VM_STATE.IDLE, [{ type: "CPP", name: "epoll_pwait@@GLIBC_2.6" }])).toBe("idle");
    expect(categorize(VM_STATE.EXTERNAL, [{ type: "CPP", name: "epoll_pwait@@GLIBC_2.6" }])).toBe("idle");
    expect(categorize(VM_STATE.GC, [app])).toBe("gc");
    expect(categorize(VM_STATE.JS, [{ type: "CPP", name: "__write" }, js("log node:internal/console/constructor:377:6"), app])).toBe("logging");
    expect(categorize(VM_STATE.JS, [{ type: "CODE", name: "JsonParse" }, app])).toBe("json");
    expect(categorize(VM_STATE.PARSER, [app])).toBe("runtime");
    expect(categorize(VM_STATE.JS, [app])).toBe("application");
    expect(categorize(VM_STATE.JS, [{ type: "CODE", name: "StringAdd_CheckNone" }, app])).toBe("application");
    expect(categorize(VM_STATE.JS, [{ type: "CODE", name: "StringAdd_CheckNone" }, js("emit node:events:1:1")])).toBe("runtime");
    expect(categorize(VM_STATE.EXTERNAL, [{ type: "CPP", name: "__write@@GLIBC_2.2.5" }, app])).toBe("native-io");
    expect(categorize(VM_STATE.JS, [{ type: "CPP", name: "v8::internal::Runtime_StringAdd" }, app])).toBe("runtime");
    // unnamed native code: native work outside JS, the runtime working for the caller inside it
    expect(categorize(VM_STATE.EXTERNAL, [{ type: "UNKNOWN", name: "(unknown)" }, app])).toBe("native-io");
    expect(categorize(VM_STATE.JS, [{ type: "UNKNOWN", name: "(unknown)" }, app])).toBe("application");
    // perf samples carry no VM state: the program's own code vs. libraries and the kernel
    expect(categorize(null, [{ type: "CPP", name: "main_loop" }])).toBe("application");
    expect(categorize(null, [{ type: "SHARED_LIB", name: "do_syscall_64 [kernel]" }])).toBe("native-io");
    expect(categorize(null, [{ type: "SHARED_LIB", name: "__libc_recv (libc.so.6)" }])).toBe("native-io");
    expect(categorize(null, [{ type: "SHARED_LIB", name: "_PyEval_EvalFrameDefault (libpython3.11.so.1.0)" }])).toBe("runtime");
    expect(categorize(null, [{ type: "SHARED_LIB", name: "my_poll (libmyapp.so)" }])).toBe("application");
  });
});

describe("V8 tick log → profile summary", () => {
  it("reads the preprocessed log, weights samples by the time since the previous one and stops at 0x's exit", () => {
    expect(isV8Preprocessed(v8)).toBe(true);
    if (!isV8Preprocessed(v8)) return;
    const { samples, coveredS } = v8Samples(v8);
    expect(samples).toHaveLength(13); // the two soft-exit ticks are cut
    const s = summarise(samples, { process: "worker", profiler: "flame", flamegraph: "profiles/worker/flame/flamegraph.html", source: "x.json", coveredS });
    const ms = Object.fromEntries(s.categories.map((c) => [c.category, Math.round(c.ms)]));
    expect(ms).toEqual({ idle: 1090, gc: 1, runtime: 2, "native-io": 2, application: 3, libraries: 1, logging: 1, json: 1, profiler: 0 });
    expect(s.totalMs).toBeCloseTo(1101, 0);
    expect(s.categories.find((c) => c.category === "idle")?.topFunction).toBe("epoll_pwait");
    // self time: idle waits left out; file and line kept
    expect(s.topSelf.every((f) => f.category !== "idle")).toBe(true);
    const poll = s.topSelf.find((f) => f.name === "pollOnce");
    expect(poll).toMatchObject({ file: "/app/dist/worker/loop.js", line: 10, samples: 1 });
    expect(s.topSelf.find((f) => f.name === "pollOnce › native")).toBeDefined();
    // total time: every application function on the stack
    expect(s.topApplication.map((f) => f.name)).toEqual(expect.arrayContaining(["runLoop", "pollOnce"]));
    expect(s.topApplication[0]?.name).toBe("runLoop");
  });

  it("keeps only the last windowS seconds, clipping the first sample to the window", () => {
    if (!isV8Preprocessed(v8)) throw new Error("fixture");
    const { samples, coveredS } = v8Samples(v8, 0.05);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.weightMs).toBeCloseTo(50, 5);
    expect(coveredS).toBeCloseTo(0.05, 5);
  });

  it("renders seed-001-shaped tables with file:line and a flamegraph link", () => {
    if (!isV8Preprocessed(v8)) throw new Error("fixture");
    const { samples, coveredS } = v8Samples(v8);
    const md = renderProfileSummary(summarise(samples, { process: "worker|1", profiler: "flame", flamegraph: "profiles/worker/flame/flamegraph.html", source: "x.json", coveredS, locate: (f, l) => ({ file: f.replace("/app/dist/", "src/").replace(/\.js$/, ".ts"), line: l + 1 }) }));
    expect(md).toContain("| Category | Self time | Share | Notes |");
    expect(md).toContain("**Idle (waiting for I/O or timers)**");
    expect(md).toContain("`src/worker/loop.ts:11`");
    expect(md).toContain("[flamegraph](profiles/worker/flame/flamegraph.html)");
    expect(md).toContain("worker\\|1");
  });
});

describe("perf script → samples", () => {
  const text = readFileSync(join(fixtures, "perf-script.txt"), "utf8");

  it("parses headers and frames, and adds the idle rest of the window", () => {
    const parsed = parsePerfScript(text);
    expect(parsed.length).toBeGreaterThan(10);
    expect(parsed[0]?.comm).toBe("python3");
    expect(parsed[0]?.periodNs).toBe(250000);
    expect(parsed.some((p) => p.stack.some((f) => f.symbol === "_PyEval_EvalFrameDefault"))).toBe(true);
    const windowS = 2;
    const { samples } = perfSamples(parsed, windowS);
    const total = samples.reduce((a, s) => a + s.weightMs, 0);
    expect(total).toBeCloseTo(windowS * 1000, 5);
    const s = summarise(samples, { process: "py", profiler: "perf", flamegraph: null, source: "perf.data", coveredS: windowS });
    const busy = s.categories.filter((c) => c.category !== "idle").reduce((a, c) => a + c.ms, 0);
    expect(busy).toBeCloseTo(parsed.filter((p) => p.time >= Math.max(...parsed.map((q) => q.time)) - windowS).length * 0.25, 5);
    expect(foldStacks(parsed).split("\n")[0]).toMatch(/^python3;.+ \d+$/);
  });
});

describe("source locations", () => {
  it("maps a compiled file:line back through its source map, relative to the package root", () => {
    const root = mkdtempSync(join(tmpdir(), "harness-srcmap-"));
    mkdirSync(join(root, "dist", "src"), { recursive: true });
    mkdirSync(join(root, "src"), { recursive: true });
    writeFileSync(join(root, "dist", "src", "loop.js"), "a;\nb;\n");
    // line 1 -> src/loop.ts line 1; line 2 -> src/loop.ts line 5
    writeFileSync(join(root, "dist", "src", "loop.js.map"), JSON.stringify({ version: 3, file: "loop.js", sources: ["../../src/loop.ts"], names: [], mappings: "AAAA;AAIA" }));
    const locate = sourceLocator(root);
    expect(locate(join(root, "dist", "src", "loop.js"), 2, 1)).toEqual({ file: join("src", "loop.ts"), line: 5 });
    expect(locate(join(root, "dist", "src", "other.js"), 3, 1)).toEqual({ file: join("dist", "src", "other.js"), line: 3 });
    expect(locate("node:events", 10, 1)).toEqual({ file: "node:events", line: 10 });
  });
});
