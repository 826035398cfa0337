/**
 * --profile flame: 0x wraps every Node process; when the supervisor stops the process groups with
 * SIGTERM, 0x still writes each flamegraph, and the report gets the profile tables and verdicts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { readProfileRun as read, type SummaryFile } from "../helpers/profile-run.js";

function idleShare(s: SummaryFile, process: string): number {
  return s.artifacts.find((a) => a.process === process)?.summary?.categories.find((c) => c.category === "idle")?.share ?? Number.NaN;
}

// Known flake, not understood yet: in 2 of 6 full-suite runs on the shared 2-core VM one run's worker
// profile held only start-up frames (its V8 log cut short), once for tight-loop, once for
// fixed-backoff; alone the file passes. One retry, so a real regression (which fails every time) still fails.
describe("harness run --profile flame", { retry: 1 }, () => {
  it("tight-loop: a flamegraph per Node process, the worker's poll loop in the tables, the tight-loop verdict", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--profile", "flame", "--duration", "3", "--warmup", "3", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverProcesses()).toEqual([]);
    const { result, report, summary } = read(out);
    expect(result.profiled).toBe("flame");
    for (const name of ["server", "worker"]) {
      const html = join(out, "profiles", name, "flame", "flamegraph.html");
      expect(existsSync(html), `${name} flamegraph; its log ends:\n${readFileSync(join(out, "logs", `${name}.log`), "utf8").slice(-3000)}`).toBe(true);
      expect(readFileSync(html, "utf8")).toContain("d3-fg");
      expect(report).toContain(`(profiles/${name}/flame/flamegraph.html)`);
    }
    expect(report).toContain("## Profile: 0x flamegraph");
    expect(report).toContain("| Category | Self time | Share | Notes |");
    // the worker's polling function, with its source file and line, in the worker's tables; not on
    // Node 24, where V8's tick log leaves node's own frames unnamed and cuts the stacks there (twice in
    // a row in CI's run of 2026-12-01: the tables held native frames only; README says to use --profile cpu)
    const worker = summary.artifacts.find((a) => a.process === "worker")?.summary;
    const names = [...(worker?.topApplication ?? []), ...(worker?.topSelf ?? [])].map((f) => `${f.name} ${f.file}:${f.line}`);
    if (Number(process.versions.node.split(".")[0]) >= 24) {
      console.warn(`Node ${process.versions.node}: 0x's function tables are not checked for the worker's poll loop (unnamed native frames, see README "flame")`);
      expect(names.length).toBeGreaterThan(0);
    } else {
      expect(names.join("\n")).toMatch(/(runLoop|poll) src\/worker\/(loop|client)\.ts:\d+/);
      expect(report).toMatch(/`(runLoop|poll)` \| `src\/worker\/(loop|client)\.ts:\d+`/);
    }
    expect(report).toMatch(/## Verdict\n\n- worker: tight poll loop: \d+% of its polls came less than 1 ms after the previous response/);
  });

  it("fixed-backoff: the worker is mostly idle, far more than in the tight loop, and gets no tight-loop verdict", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "fixed-backoff", "--profile", "flame", "--duration", "3", "--warmup", "3", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const { report, summary } = read(out);
    expect(idleShare(summary, "worker")).toBeGreaterThan(0.6);
    expect(report).not.toContain("tight poll loop");
    expect(report).toContain("**Idle (waiting for I/O or timers)**");
  });

  it("writes the flamegraphs when the harness itself is stopped with SIGTERM mid-window", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "--profile", "flame", "--duration", "30", "--warmup", "3", "--out", out], { signal: "SIGTERM", signalWhen: /\[window/ });
    expect(r.code, r.stderr).toBe(143);
    expect(leftoverProcesses()).toEqual([]);
    expect(existsSync(join(out, "profiles", "worker", "flame", "flamegraph.html"))).toBe(true);
    const { result, report } = read(out);
    expect(result.status).toBe("interrupted");
    expect(report).toContain("## Profile: 0x flamegraph");
  });
});

describe("harness run --profile: bad usage", () => {
  it("rejects an unknown profiler before anything starts", async () => {
    const r = await runHarness(["run", "tight-loop", "--profile", "gprof"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile: expected one of cpu, flame, doctor, perf(, \w+)*, got "gprof"/);
  });
});
