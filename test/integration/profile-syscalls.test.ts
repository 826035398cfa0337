/**
 * --profile syscalls: every started process under perf trace -s (or strace -c -f), and a table of
 * its syscalls by type per second. On the tight loop the worker's send/receive pair runs at about
 * the poll rate the server counted.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, SyscallProfile } from "../../harness/analyze/result-types.js";
import { chooseSyscallTracer } from "../../harness/profile/syscalls.js";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

const perfTrace = chooseSyscallTracer().tracer === "perf-trace";
const strace = chooseSyscallTracer({ HARNESS_SYSCALL_TRACER: "strace" }).tracer === "strace";
if (!perfTrace) console.warn("profile-syscalls: perf trace cannot run here (linux-perf missing or not permitted): its test is skipped");

/** calls per second that succeeded: Node 24's worker also calls recvfrom once per answer, failing (EAGAIN) */
function rate(p: SyscallProfile | undefined, names: string[]): number {
  return (p?.syscalls ?? []).filter((s) => names.includes(s.name)).reduce((a, s) => a + (s.calls > 0 ? ((s.perS ?? 0) * (s.calls - s.errors)) / s.calls : 0), 0);
}
const SEND = ["writev", "write", "sendto", "sendmsg"];
const RECEIVE = ["read", "recvfrom", "recvmsg"];

describe("harness run --profile syscalls", () => {
  it.skipIf(!perfTrace)("tight-loop under perf trace -s: the worker's send/receive pair at about the poll rate", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--profile", "syscalls", "--duration", "3", "--warmup", "2", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    expect(result.profiled).toBe("syscalls");
    const worker = result.processes.find((p) => p.name === "worker")?.syscallProfile;
    const server = result.processes.find((p) => p.name === "server")?.syscallProfile;
    expect(worker?.source).toBe("perf trace -s");
    expect(worker?.tracedS).toBeGreaterThan(1);
    expect(existsSync(join(out, "profiles", "worker", "perf-trace.txt"))).toBe(true);
    const polls = result.server.pollsPerS ?? Number.NaN;
    expect(polls).toBeGreaterThan(0);
    for (const [name, names] of [["send", SEND], ["receive", RECEIVE]] as const) {
      expect(rate(worker, [...names]) / polls, `worker ${name}/s vs ${polls} polls/s`).toBeGreaterThan(0.5);
      expect(rate(worker, [...names]) / polls, `worker ${name}/s vs ${polls} polls/s`).toBeLessThan(2);
      expect(rate(server, [...names]) / polls, `server ${name}/s vs ${polls} polls/s`).toBeGreaterThan(0.5);
    }
    expect(worker?.totalPerS).toBeGreaterThan(rate(worker, [...SEND, ...RECEIVE]));
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("## Profile: syscalls by type (perf trace -s)");
    expect(report).toMatch(/### worker\n\n[\d,]+ syscalls from `perf trace -s`/);
    expect(report).toContain("| Syscall | Calls/s | Calls | Failed |");
    expect(report).toContain("Read/write calls/s");
    expect(report).not.toContain("Syscalls/s");
  });

  it.skipIf(!strace)("strace -c -f where perf trace cannot (forced): counts and rates for every process", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "fixed-backoff", "--profile", "syscalls", "--duration", "2", "--warmup", "1", "--quiet", "--out", out], { env: { HARNESS_SYSCALL_TRACER: "strace" } });
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    for (const name of ["server", "worker"]) {
      const p = result.processes.find((x) => x.name === name)?.syscallProfile;
      expect(p?.source, name).toBe("strace -c -f");
      expect(p?.totalCalls, name).toBeGreaterThan(0);
      expect(p?.totalPerS, name).toBeGreaterThan(0);
      expect(p?.span, name).toMatch(/whole life/);
    }
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("## Profile: syscalls by type (strace -c -f)");
  });
});
