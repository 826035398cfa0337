/**
 * Who wakes whom (harness/sample/wakeup-source.ts): wake-ups counted in the kernel by bpftrace, on
 * programs the harness knows nothing about (a Python unix-socket server and its clients, a 1 ms
 * timer) measured with plain `harness attach`, and on the reference scenarios (tight loop, herd).
 * Ratios with wide margins: the machine is shared. bpftrace must never outlive the harness, even
 * when the harness is SIGKILLed.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, Verdict } from "../../harness/analyze/result-types.js";
import { wakeupsUnavailable } from "../../harness/sample/wakeup-source.js";
import { BIN, ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { alive } from "../helpers/groups.js";
import { trackChildren, waitFor } from "../helpers/children.js";

/** Why bpftrace cannot count here (not root, not installed, or the kernel refuses BPF), or null. */
function unavailable(): string | null {
  const why = wakeupsUnavailable();
  if (why) return why;
  try {
    execFileSync("bpftrace", ["-e", "tracepoint:sched:sched_waking { @n = count(); exit(); }"], { stdio: "pipe", timeout: 30_000 });
    return null;
  } catch (err) {
    return `the kernel refused BPF: ${String((err as { stderr?: Buffer }).stderr ?? err).split("\n").find((l) => l.startsWith("ERROR")) ?? "bpftrace failed"}`;
  }
}
const WHY = unavailable();
if (WHY) console.warn(`wakeups: skipped: ${WHY}`);

const FIX = join(ROOT, "test", "fixtures", "wakeups");
const startChild = trackChildren();

function start(cmd: string, args: string[], read = false): ChildProcess {
  return startChild(cmd, args, { read });
}

const load = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
const of = (vs: Verdict[], who: string): Verdict[] => vs.filter((v) => v.subject === who);
const show = (vs: Verdict[] | undefined): string => JSON.stringify((vs ?? []).map((v) => v.text), null, 1);
const from = (r: RunResult, to: string, waker: string): number =>
  r.processes.find((p) => p.name === to)?.wakeups?.by.filter((s) => s.from === waker).reduce((a, s) => a + s.perS, 0) ?? 0;

describe.skipIf(WHY !== null)("who wakes whom", () => {
  it("a unix-socket poll loop: the client's wake-ups from the server match the server's own count; the verdict names the pair; a 0.5 s poller is not tight; a 1 ms timer is a timer", async () => {
    const dir = tempDir();
    const sock = join(dir, "uds.sock");
    const server = start("python3", [join(FIX, "uds_server.py"), sock], true);
    const port = (await waitFor(server, /metrics (\d+)/))[1] as string;
    const client = start("python3", [join(FIX, "uds_client.py"), sock, "0"]);
    const slow = start("python3", [join(FIX, "uds_client.py"), sock, "0.5"]);
    const timer = start(process.execPath, ["-e", "setInterval(()=>{},1)"]);
    await new Promise((r) => setTimeout(r, 500));
    const out = tempDir();
    const args = ["attach", "--duration", "3", "--warmup", "1", "--out", out, "--metrics", `http://127.0.0.1:${port}/metrics`];
    for (const [name, c] of Object.entries({ udsserver: server, udsclient: client, slowclient: slow, timerproc: timer })) args.push("--pid", String(c.pid), "--name", `${c.pid}=${name}`);
    args.push("--role", `${server.pid}=server`);
    const r = await runHarness(args);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const vs = result.verdicts ?? [];
    const client_ = result.processes.find((p) => p.name === "udsclient");
    expect(client_?.wakeups?.method, JSON.stringify(client_?.wakeups)).toMatch(/sched_waking/);

    // the server's own count over the window (scraped at its start and end) against the scheduler's
    const served = result.server.counterRates.uds_requests_total ?? 0;
    expect(served).toBeGreaterThan(1000);
    const c = of(vs, "udsclient");
    expect(c.map((v) => v.pattern), show(vs)).toEqual(["tight-poll-loop"]);
    expect(c[0]?.text).toMatch(/tight poll loop with udsserver over a unix socket/);
    // exchanges from the client's wake-ups by the server (and the server's by the client): the
    // largest of those given while sending or while receiving, each at most one per exchange
    const exchanges = Number(c[0]?.evidence.wakeExchangesPerS);
    const woken = JSON.stringify([client_?.wakeups?.by, result.processes.find((p) => p.name === "udsserver")?.wakeups?.by]);
    expect(exchanges / served, `exchanges ${exchanges}/s, server counted ${served}/s: ${woken}`).toBeGreaterThan(0.75);
    expect(exchanges / served, woken).toBeLessThan(1.25);

    expect(of(vs, "slowclient").filter((v) => ["tight-poll-loop", "polls-too-often"].includes(v.pattern)), show(vs)).toEqual([]);

    const t = result.processes.find((p) => p.name === "timerproc")?.wakeups;
    const timerShare = (t?.by.filter((s) => s.kind === "timer/interrupt").reduce((a, s) => a + s.perS, 0) ?? 0) / (t?.totalPerS ?? 1);
    expect(timerShare, JSON.stringify(t)).toBeGreaterThanOrEqual(0.8);
    expect(of(vs, "timerproc").map((v) => v.pattern), show(vs)).toEqual(["timer-wakeups"]);
    expect(of(vs, "timerproc")[0]?.text).toMatch(/timer loop: .*a timer every/);

    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/## Who wakes whom/);
    expect(report).toMatch(/\| udsserver \| udsclient \|/);
  });

  it("--wakeups off: not counted, and says so (null, never zeros)", async () => {
    const timer = start(process.execPath, ["-e", "setInterval(()=>{},5)"]);
    const out = tempDir();
    const r = await runHarness(["attach", "--pid", String(timer.pid), "--duration", "1", "--wakeups", "off", "--out", out, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const w = load(out).processes[0]?.wakeups;
    expect(w).toMatchObject({ method: null, totalPerS: null, by: [] });
    expect(w?.notes[0]).toMatch(/--wakeups off/);
  });

  it("the reference tight loop: the worker↔server pair, and the wire and the scheduler agree or say they do not", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "-d", "3", "-w", "1", "-q", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    expect(from(result, "worker", "server"), JSON.stringify(result.processes.map((p) => [p.name, p.wakeups]))).toBeGreaterThan(100);
    expect(from(result, "server", "worker")).toBeGreaterThan(100);
    const w = of(result.verdicts ?? [], "worker").find((v) => v.pattern === "tight-poll-loop");
    expect(w?.evidence.wireAndWakeupsAgree, show(result.verdicts)).toMatch(/^(yes|no)$/);
    if (w?.evidence.wireAndWakeupsAgree === "no") expect(w.text).toMatch(/the wire and the scheduler disagree/);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/\| server \| worker \|/);
    expect(report).toMatch(/\| worker \| server \|/);
  });

  it("a broadcast herd: the server wakes every subscriber process for each job", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "thundering-herd", "-d", "4", "-w", "2", "-q", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const jobs = result.server.enqueuedPerS ?? 0;
    expect(jobs).toBeGreaterThan(0.4);
    const workers = result.processes.filter((p) => p.role === "worker");
    expect(workers.length).toBe(5);
    for (const w of workers) expect(from(result, w.name, "server") / jobs, `${w.name}: ${JSON.stringify(w.wakeups)}`).toBeGreaterThanOrEqual(0.8);
    const fan = (result.verdicts ?? []).find((v) => v.pattern === "notification-fanout");
    if (fan) expect(fan.evidence.processesWokenPerJob, show(result.verdicts)).toBe(5);
  });

  it("bpftrace never outlives a SIGKILLed harness", async () => {
    const timer = start(process.execPath, ["-e", "setInterval(()=>{},5)"]);
    const out = tempDir();
    const harness = spawn(process.execPath, [BIN, "attach", "--pid", String(timer.pid), "--duration", "30", "--out", out], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    harness.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // bpftrace is attached once the window runs (its progress line)
    const deadline = Date.now() + 30_000;
    let bpf: number[] = [];
    while (Date.now() < deadline && bpf.length === 0) {
      await new Promise((r) => setTimeout(r, 200));
      bpf = childrenNamed(harness.pid!, "bpftrace");
    }
    expect(bpf.length, stderr).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    const gone = new Promise((r) => harness.once("exit", r));
    harness.kill("SIGKILL");
    await gone;
    const until = Date.now() + 10_000;
    while (Date.now() < until && bpf.some(alive)) await new Promise((r) => setTimeout(r, 100));
    expect(bpf.filter(alive)).toEqual([]);
  });
});

/** Children of `pid` whose comm is `name`. */
function childrenNamed(pid: number, name: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === name && Number(m[2]) === pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}
