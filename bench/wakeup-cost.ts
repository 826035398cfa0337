/**
 * The cost of counting who wakes whom (harness/sample/wakeup-source.ts): `harness attach` on a
 * Python unix-socket server and client at three paces (about 1k, 10k and 100k wake-ups/s in all),
 * with `--wakeups on` and `--wakeups off`, interleaved. For each: bpftrace's own CPU (its threads'
 * schedstat, read every 200 ms: whole life, and steady from 2 s after it appeared), the harness
 * process's own CPU, and the exchanges/s the server counted itself (scraped by the harness at the
 * window's start and end): the kernel-side cost of the BPF program runs in the measured processes'
 * own time, so it shows as a lower rate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../harness/util/paths.js";
import { median } from "../harness/stats/summary.js";
import { threadsCpuNs } from "./process-cpu.js";
import type { Benchmark, BenchOutput } from "./types.js";
import type { RunResult } from "../harness/analyze/result-types.js";

const DURATION_S = Number(process.env.BENCH_WAKEUP_S ?? 5);
const REPEATS = Number(process.env.BENCH_WAKEUP_REPEATS ?? 2);
const FIX = join(packageRoot(), "test", "fixtures", "wakeups");
const cli = (): string => join(packageRoot(), "dist", "harness", "cli", "main.js");
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** client arguments for each pace: sleep seconds, busy-wait µs */
const PACES: { label: string; args: string[] }[] = [
  { label: "~1k wake-ups/s (client sleeps 2 ms)", args: ["0.002"] },
  { label: "~10k wake-ups/s (client busy-waits 150 µs)", args: ["0", "150"] },
  { label: "~100k wake-ups/s (client never waits)", args: ["0"] },
];

interface Sample {
  pace: string;
  wakeups: "on" | "off";
  /** server's own count over the window */
  exchangesPerS: number | null;
  /** wake-ups/s the two processes received in all (bpftrace when on; voluntary switches from /proc either way) */
  wakeupsPerS: number | null;
  voluntaryPerS: number;
  harnessCpuMs: number;
  bpftraceCpuMs: number | null;
  bpftraceSteadyPercent: number | null;
  measuredCpuPercent: number;
}

function childrenNamed(pid: number, name: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(readFileSync(`/proc/${e}/stat`, "utf8"));
      if (m && m[1] === name && Number(m[2]) === pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

async function one(pace: (typeof PACES)[number], wakeups: "on" | "off"): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), "wakeup-cost-"));
  const kids: ChildProcess[] = [];
  try {
    const server = spawn("python3", [join(FIX, "uds_server.py"), join(dir, "s.sock")], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    kids.push(server);
    const port = await new Promise<string>((resolve, reject) => {
      let text = "";
      server.stdout?.on("data", (c: Buffer) => {
        text += c.toString();
        const m = /metrics (\d+)/.exec(text);
        if (m) resolve(m[1] as string);
      });
      server.once("exit", () => reject(new Error("server exited")));
    });
    const client = spawn("python3", [join(FIX, "uds_client.py"), join(dir, "s.sock"), ...pace.args], { stdio: "ignore", detached: true });
    kids.push(client);
    await sleep(500);
    const out = join(dir, "out");
    const h = spawn(process.execPath, [cli(), "attach", "-p", String(server.pid), "-p", String(client.pid), "--name", `${server.pid}=server`, "--name", `${client.pid}=client`, "--role", `${server.pid}=server`, "-d", String(DURATION_S), "-w", "1", "-q", "--wakeups", wakeups, "--metrics", `http://127.0.0.1:${port}/metrics`, "-o", out], { stdio: "ignore" });
    const exited = new Promise<void>((r) => h.once("exit", () => r()));
    let done = false;
    void exited.then(() => (done = true));
    let harnessNs = 0;
    let bpf: number | undefined;
    const bpfReadings: { t: number; ns: number }[] = [];
    while (!done) {
      harnessNs = threadsCpuNs(h.pid as number) ?? harnessNs;
      bpf ??= childrenNamed(h.pid as number, "bpftrace")[0];
      if (bpf !== undefined) {
        const ns = threadsCpuNs(bpf);
        if (ns !== undefined) bpfReadings.push({ t: performance.now() / 1000, ns });
      }
      await Promise.race([exited, sleep(200)]);
    }
    const r = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    const first = bpfReadings[0];
    const steadyFrom = first ? bpfReadings.find((x) => x.t >= first.t + 2) : undefined;
    const last = bpfReadings.at(-1);
    return {
      pace: pace.label,
      wakeups,
      exchangesPerS: r.server.counterRates.uds_requests_total ?? null,
      wakeupsPerS: r.processes.every((p) => p.wakeups?.totalPerS !== null && p.wakeups?.totalPerS !== undefined) ? round(r.processes.reduce((a, p) => a + (p.wakeups?.totalPerS ?? 0), 0)) : null,
      voluntaryPerS: round(r.processes.reduce((a, p) => a + (p.voluntaryWakeupsPerS ?? 0), 0)),
      harnessCpuMs: round(harnessNs / 1e6, 1),
      bpftraceCpuMs: last ? round(last.ns / 1e6, 1) : null,
      bpftraceSteadyPercent: steadyFrom && last && last.t > steadyFrom.t ? round(((last.ns - steadyFrom.ns) / 1e9 / (last.t - steadyFrom.t)) * 100, 2) : null,
      measuredCpuPercent: round(r.processes.reduce((a, p) => a + p.cpuPercent, 0)),
    };
  } finally {
    for (const k of kids) {
      try {
        if (k.pid) process.kill(-k.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const med = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round(median(v)) : null;
};

export const wakeupCost: Benchmark = {
  name: "wakeup-cost",
  description: "who wakes whom (bpftrace on sched:sched_waking): its CPU, the harness's, and the change in the measured rate at ~1k, 10k, 100k wake-ups/s",
  async run(): Promise<BenchOutput> {
    const loadBefore = load();
    const samples: Sample[] = [];
    for (const pace of PACES) {
      for (let i = 0; i < REPEATS; i++) {
        // which mode goes first alternates between repeats
        for (const mode of (i % 2 === 0 ? ["on", "off"] : ["off", "on"]) as ("on" | "off")[]) samples.push(await one(pace, mode));
      }
    }
    const loadAfter = load();
    const rows: string[] = [];
    const summary: Record<string, unknown>[] = [];
    for (const pace of PACES) {
      const on = samples.filter((s) => s.pace === pace.label && s.wakeups === "on");
      const off = samples.filter((s) => s.pace === pace.label && s.wakeups === "off");
      const rateOn = med(on.map((s) => s.exchangesPerS));
      const rateOff = med(off.map((s) => s.exchangesPerS));
      const change = rateOn !== null && rateOff ? round(((rateOn - rateOff) / rateOff) * 100, 1) : null;
      const s = {
        pace: pace.label,
        wakeupsPerS: med(on.map((x) => x.wakeupsPerS)),
        bpftraceSteadyPercent: med(on.map((x) => x.bpftraceSteadyPercent)),
        bpftraceLifeCpuMs: med(on.map((x) => x.bpftraceCpuMs)),
        harnessCpuMsOn: med(on.map((x) => x.harnessCpuMs)),
        harnessCpuMsOff: med(off.map((x) => x.harnessCpuMs)),
        exchangesPerSOn: rateOn,
        exchangesPerSOff: rateOff,
        rateChangePercent: change,
        measuredCpuOn: med(on.map((x) => x.measuredCpuPercent)),
        measuredCpuOff: med(off.map((x) => x.measuredCpuPercent)),
      };
      summary.push(s);
      rows.push(
        `| ${s.pace} | ${s.wakeupsPerS ?? "–"} | ${s.bpftraceSteadyPercent ?? "–"}% | ${s.bpftraceLifeCpuMs ?? "–"} | ${s.harnessCpuMsOn ?? "–"} / ${s.harnessCpuMsOff ?? "–"} | ${rateOn ?? "–"} / ${rateOff ?? "–"} (${change === null ? "–" : `${change > 0 ? "+" : ""}${change}%`}) | ${s.measuredCpuOn ?? "–"}% / ${s.measuredCpuOff ?? "–"}% |`,
      );
    }
    const markdown = [
      `Command: \`npm run bench -- wakeup-cost\` (BENCH_WAKEUP_S=${DURATION_S}, BENCH_WAKEUP_REPEATS=${REPEATS}; medians of ${REPEATS} interleaved runs per cell). Load average before: ${loadBefore}; after: ${loadAfter}.`,
      "",
      "`harness attach -d " + DURATION_S + " -w 1` on a Python unix-socket server and client (test/fixtures/wakeups), `--wakeups on` vs `off`. bpftrace steady: its threads' CPU from 2 s after it started to its last reading (the window, after compiling); life: all of it, compile and attach included (before the warm-up). Exchanges/s: the server's own count over the window; the BPF program itself runs in the woken and waking processes' time, so its cost shows there.",
      "",
      "| Pace | Wake-ups/s counted | bpftrace steady (% of a core) | bpftrace life (CPU ms) | Harness CPU ms (on / off) | Exchanges/s (on / off, change) | Measured CPU (on / off) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n");
    return { figures: { durationS: DURATION_S, repeats: REPEATS, loadBefore, loadAfter, summary, samples }, markdown, targetsMet: true };
  },
};
