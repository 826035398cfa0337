/**
 * The off-CPU side of `--profile cpu`: over the measured window, every thread of every started
 * process tree, from the scheduler: time on CPU, runnable, and waiting, split by what it waits on.
 *
 * Method: bpftrace on sched:sched_switch (a thread leaving the CPU: preempted, uninterruptible (disk)
 * or asleep in the syscall it entered, tracked by raw_syscalls enter/exit for these processes only)
 * and the switch back in. Threads' states at the start come from /proc/<pid>/task/<tid>/{stat,syscall}
 * (a thread asleep for the whole window never switches). It needs root (or CAP_BPF + CAP_PERFMON);
 * where bpftrace cannot run, the table says so and shows the JavaScript thread's V8 profile only.
 * bpftrace is our own child (sample/tracer-child.ts): its workload ends with the harness (SIGKILL
 * included), and its program ends itself at the window's end + 30 s.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { clockTicksPerSecond } from "../sample/proc.js";
import { BPFTRACE_NOISE, TracerChild } from "../sample/tracer-child.js";
import { readOffCpu, type OffCpuReading } from "./off-cpu-read.js";
import { PROC_WAIT_METHOD, ProcWaitSampler } from "./off-cpu-proc.js";

export const OFF_CPU_METHOD = "scheduler switches (bpftrace: sched_switch, with the syscall each thread sleeps in)";

export function bpftraceOnPath(): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d && existsSync(`${d}/bpftrace`));
}

/** null when bpftrace can be tried here, else why not (HARNESS_OFF_CPU=proc forces the /proc fallback). */
export function offCpuUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.HARNESS_OFF_CPU === "proc") return "HARNESS_OFF_CPU=proc: bpftrace not used";
  if (process.platform !== "linux") return "the scheduler's off-CPU times need Linux (bpftrace)";
  if (!bpftraceOnPath()) return "bpftrace is not installed: no off-CPU (waiting) times from the scheduler";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "bpftrace needs root: no off-CPU (waiting) times from the scheduler";
  return null;
}

interface InitialThread {
  tgid: number;
  tid: number;
  comm: string;
  running: boolean;
  /** the syscall number + 1 it sleeps in, 0 outside one, -3 uninterruptible */
  why: number;
}

function readInitial(pids: number[]): InitialThread[] {
  const out: InitialThread[] = [];
  for (const tgid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${tgid}/task`);
    } catch {
      continue; // gone
    }
    for (const t of tids) {
      const tid = Number(t);
      try {
        const stat = readFileSync(`/proc/${tgid}/task/${t}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const comm = stat.slice(stat.indexOf("(") + 1, close);
        const state = stat.slice(close + 2, close + 3);
        const sc = readFileSync(`/proc/${tgid}/task/${t}/syscall`, "utf8").trim().split(" ")[0] ?? "";
        const nr = /^\d+$/.test(sc) ? Number(sc) : -1;
        out.push({ tgid, tid, comm, running: state === "R", why: state === "D" ? -3 : nr >= 0 ? nr + 1 : 0 });
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

function quoteComm(c: string): string {
  return c.replace(/[^\w.:/ -]/g, "_");
}

/**
 * The bpftrace program. It starts during the warm-up (compiling and attaching take seconds on a
 * loaded machine) and counts only from fromNs, the window's start on the monotonic clock bpftrace's
 * nsecs shares with process.hrtime: a wait or a run that began earlier counts from fromNs.
 */
export function offCpuScript(pids: number[], initial: InitialThread[], maxS: number, fromNs = 0, toNs = Number.MAX_SAFE_INTEGER): string {
  const F = Math.round(fromNs);
  const T = Math.round(toNs);
  const begin = [
    ...pids.map((p) => `@tg[${p}] = 1;`),
    ...initial.map((t) => (t.running ? `@on[${t.tid}] = nsecs; @tgof[${t.tid}] = ${t.tgid};` : `@off[${t.tid}] = nsecs; @why[${t.tid}] = ${t.why}; @tgof[${t.tid}] = ${t.tgid};`)),
    ...initial.map((t) => `@comm[${t.tgid}, ${t.tid}] = "${quoteComm(t.comm)}";`),
  ];
  return `
BEGIN { ${begin.join(" ")} printf("BEGIN %llu\\n", nsecs > ${F} ? nsecs : ${F}); }
tracepoint:raw_syscalls:sys_enter /@tg[pid]/ { @sc[tid] = args->id + 1; }
tracepoint:raw_syscalls:sys_exit /@tg[pid]/ { delete(@sc[tid]); }
tracepoint:sched:sched_switch {
  if (@tg[pid]) {
    $now = nsecs < ${T} ? nsecs : ${T};
    if (@on[tid]) { $s = @on[tid] > ${F} ? @on[tid] : ${F}; if ($now > $s) { @cpu[pid, tid] += $now - $s; } delete(@on[tid]); }
    @off[tid] = nsecs; @tgof[tid] = pid; @comm[pid, tid] = comm;
    $st = args->prev_state;
    @why[tid] = $st == 0 ? -2 : (($st & 2) ? -3 : @sc[tid]);
  }
  $n = args->next_pid;
  $t = nsecs < ${T} ? nsecs : ${T};
  if (@off[$n]) {
    $w = @off[$n] > ${F} ? @off[$n] : ${F};
    if ($t > $w) { @wait[@tgof[$n], $n, @why[$n]] += $t - $w; }
    delete(@off[$n]); @on[$n] = nsecs;
  }
}
interval:s:${Math.max(1, Math.ceil(maxS))} { exit(); }
END {
  printf("END %llu\\n", nsecs < ${T} ? nsecs : ${T});
  print(@cpu); print(@wait); print(@comm); print(@off); print(@why); print(@tgof); print(@on);
  clear(@cpu); clear(@wait); clear(@comm); clear(@off); clear(@why); clear(@tgof); clear(@on); clear(@sc); clear(@tg);
}
`;
}

export interface OffCpuResult {
  reading: OffCpuReading | null;
  /** how the reading was taken */
  method: string;
  /** bpftrace's own CPU over its life (milliseconds), from /proc before it exited */
  selfCpuMs: number | null;
  problem: string | null;
}

export class OffCpuTracer {
  private child?: TracerChild;
  private selfCpuMs: number | null = null;
  private failure: string | null = null;
  private fallback?: ProcWaitSampler;
  private fallbackWhy = "";

  /**
   * Start tracing these process trees; resolves once bpftrace runs its BEGIN (or failed, or 15 s
   * passed). Where bpftrace cannot run, /proc is sampled instead (off-cpu-proc.ts).
   */
  async start(pids: number[], maxS: number, fromS = 0, toS = Number.MAX_SAFE_INTEGER / 1e9): Promise<void> {
    const why = offCpuUnavailableReason();
    if (why) {
      this.fallbackWhy = why;
      this.fallback = new ProcWaitSampler();
      this.fallback.start(pids, fromS);
      return;
    }
    const script = offCpuScript(pids, readInitial(pids), maxS, fromS * 1e9, toS * 1e9);
    // its workload ends with the harness (SIGKILL included); the script's own interval ends it at maxS
    this.child = new TracerChild({ command: "bpftrace", args: ["-e", script], bound: { seconds: maxS + 30, as: "-c" }, env: { BPFTRACE_MAP_KEYS_MAX: "65536" } });
    await this.child.ready((out) => /^BEGIN \d+$/m.test(out), 15_000);
    if (this.child.startProblem) this.failure = this.child.startProblem;
  }

  /** End the tracing now (bpftrace prints its maps on SIGINT); collect() waits for them. */
  interrupt(): void {
    this.fallback?.stop();
    const c = this.child;
    if (c?.pid === undefined || !c.running) return;
    this.selfCpuMs = ownCpuMs(c.pid);
    c.interrupt();
  }

  /** Stop bpftrace if it runs and read what it printed. Safe to call twice. */
  async collect(): Promise<OffCpuResult> {
    this.interrupt();
    if (this.child && !(await this.child.stop(10_000))) this.failure ??= "bpftrace did not print its maps within 10 s of being stopped";
    if (this.fallback) {
      const reading = this.fallback.reading();
      return { reading, method: `${PROC_WAIT_METHOD.replace("bpftrace unavailable", this.fallbackWhy)}`, selfCpuMs: this.fallback.selfCpuMs(), problem: reading ? null : "no /proc readings were taken" };
    }
    if (this.failure) return { reading: null, method: OFF_CPU_METHOD, selfCpuMs: this.selfCpuMs, problem: this.failure };
    const reading = readOffCpu(this.child?.stdout ?? "");
    if (!reading) {
      const line = this.child?.problemLine(BPFTRACE_NOISE);
      return { reading: null, method: OFF_CPU_METHOD, selfCpuMs: this.selfCpuMs, problem: `bpftrace printed no off-CPU times${line ? `: ${line}` : ""}` };
    }
    return { reading, method: OFF_CPU_METHOD, selfCpuMs: this.selfCpuMs, problem: null };
  }

  killNow(): void {
    this.child?.killNow();
  }
}

/** A process's own CPU so far (utime + stime), milliseconds; null when it cannot be read. */
function ownCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14 and 15 (utime, stime) are at 11 and 12 after the state
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicksPerSecond();
  } catch {
    return null;
  }
}
