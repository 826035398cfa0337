/**
 * The scheduler source of a run or an attach: who wakes whom over the window, counted in the kernel
 * by bpftrace on sched:sched_waking (wakeup-program.ts). It sees what the wire cannot: unix sockets,
 * pipes, futexes between threads, timers.
 *
 * `harness run` and `harness attach` call prepare() before the warm-up (bpftrace takes ~0.7 s and
 * some CPU to compile and attach: done before the window, it shifts none of its figures), start() at
 * the window's first reading and end() at its last (each makes bpftrace print its maps: SIGUSR1;
 * the window's counts are the difference), stop() in their finally, and figures() per process.
 *
 * bpftrace is our own child in its own process group and never outlives the harness: its program
 * exits when the harness's main thread exits (sched_process_exit, SIGKILL included), and its
 * workload (`-c`) is `timeout --foreground <bound> cat` reading a pipe from the harness, which ends
 * when the harness does (the kernel closes the pipe) or at the bound. The measured processes are
 * never signalled.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Sampler } from "./sampler.js";
import { readStat } from "./proc.js";
import { BPFTRACE_NOISE, TracerChild } from "./tracer-child.js";
import { nowSeconds } from "./tree-snapshot.js";
import { contextEvents, diffSnapshots, parsePrintout, splitPrintouts, wakeupProgram, type WakeSnapshot } from "./wakeup-program.js";
import { uncountedWakeups, wakeupFigures, type ResolvedWake } from "../analyze/wakeup-figures.js";
import type { WakeupFigures } from "../analyze/result-types.js";

export const WAKEUP_METHOD = "bpftrace on sched:sched_waking, counted in the kernel";

const NOT_INSTALLED = "bpftrace not installed (apt-get install bpftrace): wake-ups by waker were not counted";

const TRACEFS = ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"];

/** bpftrace seconds beyond the window before it ends by itself */
const MARGIN_S = 60;
/** the wakee threads of a whole machine over a window: bpftrace's default (4096 keys) can fill */
const MAP_KEYS = 131_072;

function tracefsHas(): (event: string) => boolean {
  for (const dir of TRACEFS) if (existsSync(`${dir}/sched/sched_waking`)) return (e) => existsSync(`${dir}/${e}`);
  // tracefs not readable here: assume the common events, not the x86-only ones
  return (e) => !e.startsWith("irq_vectors/");
}

/** Why wake-ups cannot be counted on this machine, or null when they may be. */
export function wakeupsUnavailable(): string | null {
  if (!(process.env.PATH ?? "").split(":").some((d) => d && existsSync(`${d}/bpftrace`))) return NOT_INSTALLED;
  let caps = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    caps = m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    // unknown: let bpftrace say
    return null;
  }
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  // CAP_SYS_ADMIN (21), or CAP_PERFMON (38) and CAP_BPF (39)
  if (!has(21) && !(has(38) && has(39))) return "needs root or CAP_BPF and CAP_PERFMON: wake-ups by waker were not counted";
  return null;
}


export class WakeupSource {
  private child?: TracerChild;
  private failure?: string;
  private startSnap?: WakeSnapshot;
  private endSnap?: WakeSnapshot;
  private startAt = Number.NaN;
  private endAt = Number.NaN;
  /** tid → tgid, read at the end while the threads live */
  private readonly tgidOf = new Map<number, number>();
  private events: string[] = [];

  /** enabled: false for `--wakeups off` */
  constructor(
    private readonly sampler: Sampler,
    private readonly enabled = true,
  ) {}

  /** The bpftrace process id while it runs (for benches). */
  get attributorPid(): number | undefined {
    return this.child?.pid;
  }

  /** Start bpftrace and wait until its probes are attached (call before the warm-up); boundS: how long it may run at most. */
  async prepare(boundS: number): Promise<void> {
    if (!this.enabled) {
      this.failure = "wake-ups by waker were not counted (--wakeups off)";
      return;
    }
    const why = wakeupsUnavailable();
    if (why) {
      this.failure = why;
      return;
    }
    const has = tracefsHas();
    this.events = contextEvents(has);
    const program = wakeupProgram(has, process.pid);
    const child = new TracerChild({
      command: "bpftrace",
      args: ["-B", "none", "-e", program],
      bound: { seconds: boundS + MARGIN_S, as: "-c" },
      env: { BPFTRACE_MAP_KEYS_MAX: String(MAP_KEYS) },
      whenMissing: NOT_INSTALLED,
    });
    this.child = child;
    if ((await child.ready((out) => out.includes("ready\n"), 20_000)) !== "ready") {
      const line = child.problemLine(BPFTRACE_NOISE) ?? "no output within 20 s";
      const refused = /not permitted|permission denied|failed to load|error loading|bpf\(|verifier|attach/i.test(line);
      this.failure ??= child.startProblem ?? `${refused ? "the kernel refused BPF" : "bpftrace failed"} (bpftrace: ${line}): wake-ups by waker were not counted`;
      await this.stop();
    }
  }

  /** At the window's first reading: the counts so far, to subtract. */
  async start(): Promise<void> {
    if (this.failure || !this.child) return;
    this.startAt = nowSeconds();
    this.startSnap = await this.printout(1);
    const why = this.child.problemLine(BPFTRACE_NOISE);
    if (!this.startSnap) this.failure ??= `bpftrace did not print its counts at the window's start${why ? ` (${why})` : ""}`;
  }

  /** At the window's last reading: the counts, then the processes of the threads woken (while they live). */
  async end(): Promise<void> {
    if (this.failure || !this.child || !this.startSnap) return;
    this.endAt = nowSeconds();
    this.endSnap = await this.printout(2);
    if (!this.endSnap) {
      this.failure ??= "bpftrace did not print its counts at the window's end";
      return;
    }
    for (const w of this.endSnap.wakes) {
      if (this.tgidOf.has(w.wakeeTid) || this.endSnap.exitedTgid.has(w.wakeeTid)) continue;
      const tgid = readTgid(w.wakeeTid);
      if (tgid !== undefined) this.tgidOf.set(w.wakeeTid, tgid);
    }
  }

  /** Stop bpftrace if it runs (call in finally). Never leaves it running. */
  async stop(): Promise<void> {
    await this.child?.stop(3000);
  }

  /** Synchronous last resort for an exiting harness. */
  killNow(): void {
    this.child?.killNow();
  }

  /** Every measured process's wake-ups; absent (undefined) when the window never started. */
  figures(): Map<string, WakeupFigures> | undefined {
    const keys = [...this.sampler.tracks.keys()];
    if (this.failure) return new Map(keys.map((k) => [k, uncountedWakeups(this.failure as string)]));
    if (!this.startSnap) return undefined;
    if (!this.endSnap) return new Map(keys.map((k) => [k, uncountedWakeups("the window ended before its last reading: wake-ups were counted at its start only")]));
    const resolve = this.resolver(this.endSnap);
    const wakes: ResolvedWake[] = [];
    let unresolved = 0;
    const coveredS = Math.max(0, this.endAt - this.startAt);
    for (const w of diffSnapshots(this.startSnap, this.endSnap)) {
      const tgid = this.endSnap.exitedTgid.get(w.wakeeTid) ?? this.tgidOf.get(w.wakeeTid);
      if (tgid === undefined) {
        unresolved += w.count;
        continue;
      }
      const wakeeKey = resolve(tgid);
      if (wakeeKey === null) continue;
      wakes.push({ wakerTgid: w.wakerTgid, wakerComm: w.wakerComm, wakerKey: w.wakerTgid > 0 ? resolve(w.wakerTgid) : null, wakeeKey, ctx: w.ctx, via: w.via, count: w.count });
    }
    const notes: string[] = [];
    if (unresolved > 0 && coveredS > 0) notes.push(`${Math.round(unresolved / coveredS)} wake-ups/s (machine-wide) went to threads whose process could not be found: if some were a measured process's, they are missing`);
    const method = `${WAKEUP_METHOD}; interrupt context from ${this.events.join(", ") || "no context tracepoint (every waker is the running task)"}`;
    return wakeupFigures(keys, { wakes, coveredS, attributorPid: this.child?.pid ?? -1, harnessPid: process.pid, method, notes });
  }

  /** tgid → the measured process whose tree holds it (members seen in the readings, else an ancestor that is one), or null. */
  private resolver(snap: WakeSnapshot): (tgid: number) => string | null {
    const memberOf = new Map<number, string>();
    for (const [key, track] of this.sampler.tracks) {
      memberOf.set(track.target.pid, key);
      for (const r of track.readings) for (const m of r.snap.members) if (!memberOf.has(m.pid)) memberOf.set(m.pid, key);
    }
    const mine = new Set([process.pid, this.child?.pid ?? -1]);
    const cache = new Map<number, string | null>();
    return (tgid) => {
      if (mine.has(tgid)) return null;
      const cached = cache.get(tgid);
      if (cached !== undefined) return cached;
      const path: number[] = [];
      let found: string | null = null;
      for (let p: number | undefined = tgid, depth = 0; p !== undefined && p > 1 && depth < 16; depth++) {
        if (mine.has(p)) break;
        const c = cache.get(p);
        if (c !== undefined) {
          found = c;
          break;
        }
        path.push(p);
        const k = memberOf.get(p);
        if (k !== undefined) {
          found = k;
          break;
        }
        p = readStat(p)?.ppid ?? snap.exitedParent.get(p);
      }
      for (const p of path) cache.set(p, found);
      return found;
    };
  }

  /** Ask for printout number `n` (SIGUSR1) and wait for it (5 s at most). */
  private async printout(n: number): Promise<WakeSnapshot | undefined> {
    const child = this.child;
    if (!child?.signal("SIGUSR1")) return undefined;
    // woken by bpftrace's output (the tracer child's readiness wait), not by a timer polling it
    if ((await child.ready((out) => splitPrintouts(out).length >= n, 5000)) !== "ready") return undefined;
    return parsePrintout(splitPrintouts(child.stdout)[n - 1] as string);
  }
}

function readTgid(tid: number): number | undefined {
  try {
    const m = /^Tgid:\s*(\d+)$/m.exec(readFileSync(`/proc/${tid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
