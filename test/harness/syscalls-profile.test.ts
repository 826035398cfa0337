/** --profile syscalls, the pure parts: the tracers' summaries, the wrapped command and the report table. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSyscallSection } from "../../harness/profile/syscalls-markdown.js";
import { parsePerfTraceSummary, parseStraceSummary, syscallProfileOf } from "../../harness/profile/syscalls-parse.js";
import { tracedArgv } from "../../harness/profile/syscalls.js";
import { parseProfilerName } from "../../harness/profile/choose.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "profiles");

describe("syscall profile", () => {
  it("sums perf trace -s's per-thread tables into calls by syscall (a tight-loop worker: the writev/read pair)", () => {
    const c = parsePerfTraceSummary(readFileSync(join(fixtures, "perf-trace-s.txt"), "utf8"));
    expect(c.threads).toBe(11);
    expect(c.bySyscall.get("read")?.calls).toBe(14_047);
    expect(c.bySyscall.get("writev")?.calls).toBe(13_823);
    expect(c.bySyscall.get("futex")?.errors).toBeGreaterThan(0);
    const p = syscallProfileOf(c, "perf trace -s", 4.75, "the window");
    expect(p.syscalls[0]?.name).toBe("epoll_pwait");
    expect(p.syscalls.find((s) => s.name === "read")?.perS).toBeCloseTo(14_047 / 4.75, 0);
    expect(p.totalCalls).toBe(p.syscalls.reduce((s, x) => s + x.calls, 0));
    expect(p.totalPerS).toBeCloseTo(p.totalCalls / 4.75, 0);
  });

  it("reads strace -c -f's table (blank error cells, the total row left out)", () => {
    const c = parseStraceSummary(readFileSync(join(fixtures, "strace-c.txt"), "utf8"));
    expect(c.threads).toBe(1);
    expect(c.bySyscall.has("total")).toBe(false);
    expect(c.bySyscall.get("newfstatat")).toEqual({ calls: 87, errors: 24 });
    expect([...c.bySyscall.values()].reduce((s, x) => s + x.calls, 0)).toBe(487);
  });

  it("has no rates when the traced span is unknown, and says nothing was parsed from empty text", () => {
    expect(parsePerfTraceSummary("").threads).toBe(0);
    const p = syscallProfileOf(parsePerfTraceSummary(readFileSync(join(fixtures, "perf-trace-s.txt"), "utf8")), "perf trace -s", null, "?");
    expect(p.totalPerS).toBeNull();
    expect(p.syscalls.every((s) => s.perS === null)).toBe(true);
  });

  it("runs perf trace with SIGTERM ignored and the program with SIGTERM back to the default, after the warm-up", () => {
    const argv = tracedArgv("perf-trace", ["node", "w.js"], "/out/w", 3000);
    expect(argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(argv).toContain("--ignore-signal=TERM");
    expect(argv.join(" ")).toMatch(/trace -s --delay 3000 -o \/out\/w\/perf-trace\.txt -- env --default-signal=TERM node w\.js$/);
    expect(tracedArgv("strace", ["redis-server"], "/out/r", 3000).slice(-7)).toEqual(["strace", "-c", "-f", "-o", "/out/r/strace.txt", "--", "redis-server"]);
    expect(parseProfilerName("syscalls")).toBe("syscalls");
  });

  it("renders one table per process, most calls first, with the total", () => {
    const p = syscallProfileOf(parsePerfTraceSummary(readFileSync(join(fixtures, "perf-trace-s.txt"), "utf8")), "perf trace -s", 4.75, "from 2 s after start to its stop");
    const md = renderSyscallSection("syscalls by type (perf trace -s)", [{ process: "worker", html: null, summary: null, problems: [], syscallProfile: p }]);
    expect(md).toContain("## Profile: syscalls by type (perf trace -s)");
    expect(md).toContain("### worker");
    expect(md).toContain("| Syscall | Calls/s | Calls | Failed |");
    expect(md).toMatch(/\| `writev` \| 2910\.1 \| 13,823 \|/);
    expect(md).toMatch(/\| \*\*Total\*\* \|/);
    expect(md).toContain("read/write calls/s");
  });
});
