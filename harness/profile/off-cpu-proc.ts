/**
 * The off-CPU fallback where bpftrace cannot run: every 50 ms, each thread's state and the syscall
 * it sleeps in, from /proc/<pid>/task/<tid>/{stat,syscall}; each reading stands for the time since
 * the previous one. Coarser than the scheduler's switches (a wait shorter than 50 ms is seen only
 * by chance, and "R" cannot tell running from runnable), and it costs a /proc read per thread per tick.
 */
import { readdirSync, readFileSync } from "node:fs";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { syscallName, waitKindOf, type OffCpuReading } from "./off-cpu-read.js";
import type { ThreadTime } from "./wall-clock.js";

export const PROC_WAIT_METHOD = "sampling /proc/<pid>/task/*/{stat,syscall} every 50 ms (bpftrace unavailable)";
const TICK_MS = 50;

export class ProcWaitSampler {
  private timer?: NodeJS.Timeout;
  private last = Number.NaN;
  private began = Number.NaN;
  private ended = Number.NaN;
  private readonly threads = new Map<number, { tgid: number; t: ThreadTime; waits: Map<string, number> }>();
  private selfStart = 0;

  /** Sample these process trees from fromS (monotonic seconds; readings before it do not count). */
  start(pids: number[], fromS = 0): void {
    this.selfStart = process.cpuUsage().user + process.cpuUsage().system;
    this.began = this.last = Math.max(nowSeconds(), fromS);
    const tick = (): void => {
      const now = nowSeconds();
      if (now <= this.began) return;
      const ms = (now - this.last) * 1000;
      this.last = now;
      for (const tgid of pids) this.read(tgid, ms);
    };
    this.timer = setInterval(tick, TICK_MS);
  }

  private read(tgid: number, ms: number): void {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${tgid}/task`);
    } catch {
      return;
    }
    for (const t of tids) {
      try {
        const stat = readFileSync(`/proc/${tgid}/task/${t}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const state = stat.slice(close + 2, close + 3);
        const tid = Number(t);
        let e = this.threads.get(tid);
        if (!e) {
          e = { tgid, t: { tid, comm: stat.slice(stat.indexOf("(") + 1, close), onCpuMs: 0, runnableMs: 0, waitMs: { thread: 0, io: 0, timer: 0, disk: 0, other: 0 } }, waits: new Map() };
          this.threads.set(tid, e);
        }
        if (state === "R") {
          e.t.onCpuMs += ms;
          continue;
        }
        let name: string;
        if (state === "D") name = "(uninterruptible)";
        else {
          const sc = readFileSync(`/proc/${tgid}/task/${t}/syscall`, "utf8").trim().split(" ")[0] ?? "";
          name = /^\d+$/.test(sc) ? syscallName(Number(sc)) : "(no syscall)";
        }
        const kind = state === "D" ? "disk" : waitKindOf(name);
        e.t.waitMs[kind] += ms;
        e.waits.set(name, (e.waits.get(name) ?? 0) + ms);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (Number.isNaN(this.ended)) this.ended = nowSeconds();
  }

  /** The harness's own CPU while sampling (milliseconds): the method's cost. */
  selfCpuMs(): number {
    const u = process.cpuUsage();
    return (u.user + u.system - this.selfStart) / 1000;
  }

  reading(): OffCpuReading | null {
    this.stop();
    if (Number.isNaN(this.began)) return null;
    const byProcess = new Map<number, ThreadTime[]>();
    for (const e of this.threads.values()) {
      e.t.waitBySyscall = Object.fromEntries(e.waits);
      e.t.topWait = [...e.waits.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? null;
      byProcess.set(e.tgid, [...(byProcess.get(e.tgid) ?? []), e.t]);
    }
    return { beginNs: this.began * 1e9, endNs: this.ended * 1e9, byProcess };
  }
}
