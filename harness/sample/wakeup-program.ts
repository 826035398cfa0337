/**
 * The bpftrace program that counts who wakes whom, and the parser of what it prints. Pure: tests
 * feed it fixture text.
 *
 * Everything is counted in the kernel (maps of counts); nothing is printed per event. Each wake-up
 * (`sched:sched_waking`, which keeps the waker: `sched_wakeup` often runs on the wakee's CPU and
 * loses it) is counted by (waker tgid, waker thread comm, wakee tid, context bits). The wakee is a
 * thread id (the tracepoint's `pid`): this bpftrace (0.17) cannot read the wakee's task_struct from
 * the tracepoint, and kprobes on try_to_wake_up are not available on every kernel (not on this VM's),
 * so the tid is mapped to its process in user space: through /proc at the window's end, and, for
 * threads that exited during the window, through the tid→tgid and tgid→parent pairs the program
 * records at each exit (`sched:sched_process_exit`).
 *
 * A waker in interrupt context is not the process that happens to be running: the program keeps one
 * set of context bits per CPU from the hrtimer, timer, local-timer, hardirq and softirq entry/exit
 * tracepoints, and a wake-up counted while a bit is set is a timer's or an interrupt's.
 */

/** context bits (per CPU) */
export const CTX = {
  hrtimer: 1,
  timer: 2,
  hardirq: 4,
  softirq: 8,
  /** the softirq running is NET_RX (vec 3): on loopback, the sender's own context */
  netRx: 16,
  localTimer: 32,
} as const;

interface ContextProbe {
  /** tracefs category/name of the entry and exit events */
  entry: string;
  exit: string;
  bit: number;
  /** extra statement on entry (e.g. the NET_RX bit) */
  onEntry?: string;
}

const CONTEXT_PROBES: ContextProbe[] = [
  { entry: "timer/hrtimer_expire_entry", exit: "timer/hrtimer_expire_exit", bit: CTX.hrtimer },
  { entry: "timer/timer_expire_entry", exit: "timer/timer_expire_exit", bit: CTX.timer },
  { entry: "irq_vectors/local_timer_entry", exit: "irq_vectors/local_timer_exit", bit: CTX.localTimer },
  { entry: "irq/irq_handler_entry", exit: "irq/irq_handler_exit", bit: CTX.hardirq },
  { entry: "irq/softirq_entry", exit: "irq/softirq_exit", bit: CTX.softirq, onEntry: "if (args->vec == 3) { @c[cpu] = @c[cpu] | 16; }" },
];

const ALL_BITS = Object.values(CTX).reduce((a, b) => a | b, 0);

/** What the waking task was doing (x86_64: the syscall number in its saved registers). */
export const VIA = { unknown: 0, send: 1, receive: 2, futex: 3, other: 4, userMode: 5, kernelThread: 6 } as const;

/** x86_64 syscall numbers: the send/write and receive/read families */
const X64_SEND = [1, 18, 20, 40, 44, 46, 296, 307];
const X64_RECEIVE = [0, 17, 19, 45, 47, 295, 299];
const X64_FUTEX = [202, 449, 454, 455, 456];

/**
 * The statement that sets $v (VIA) for the waking task. On x86_64 its syscall number is orig_ax in
 * the registers saved at the top of its kernel stack (THREAD_SIZE 16 KiB, no padding): negative when
 * it was interrupted in user mode (an interrupt the context tracepoints missed). Elsewhere: unknown.
 */
function viaStatement(arch: string): string {
  if (arch !== "x64") return `$v = ${VIA.unknown};`;
  const any = (nrs: number[]): string => nrs.map((n) => `$nr == ${n}`).join(" || ");
  return [
    "$t = curtask;",
    `$v = ${VIA.other};`,
    `if ($t->flags & 0x200000) { $v = ${VIA.kernelThread}; } else {`,
    "  $nr = (int64)((struct pt_regs *)((uint64)$t->stack + 16384 - sizeof(struct pt_regs)))->orig_ax;",
    `  if ($nr < 0) { $v = ${VIA.userMode}; }`,
    `  else if (${any(X64_SEND)}) { $v = ${VIA.send}; }`,
    `  else if (${any(X64_RECEIVE)}) { $v = ${VIA.receive}; }`,
    `  else if (${any(X64_FUTEX)}) { $v = ${VIA.futex}; }`,
    "}",
  ].join(" ");
}

/**
 * The program text. `has(event)` says whether tracefs has "category/name" (a missing x86-only event
 * is left out rather than refused by bpftrace). `harnessPid`: the program exits when that process's
 * main thread exits (a SIGKILLed harness included).
 */
export function wakeupProgram(has: (event: string) => boolean, harnessPid: number, arch: string = process.arch): string {
  const lines: string[] = ['BEGIN { @zz_end = 1; printf("ready\\n"); }'];
  for (const p of CONTEXT_PROBES) {
    if (!has(p.entry) || !has(p.exit)) continue;
    const tp = (e: string): string => `tracepoint:${e.replace("/", ":")}`;
    const clear = p.bit === CTX.softirq ? ALL_BITS & ~(CTX.softirq | CTX.netRx) : ALL_BITS & ~p.bit;
    lines.push(`${tp(p.entry)} { @c[cpu] = @c[cpu] | ${p.bit}; ${p.onEntry ?? ""} }`);
    lines.push(`${tp(p.exit)} { @c[cpu] = @c[cpu] & ${clear}; }`);
  }
  lines.push(`tracepoint:sched:sched_waking { ${viaStatement(arch)} @w[pid, comm, args->pid, @c[cpu], $v] = count(); }`);
  lines.push("tracepoint:sched:sched_process_exit { @x[tid] = pid; @p[pid] = curtask->real_parent->tgid; }");
  lines.push(`tracepoint:sched:sched_process_exit /pid == ${harnessPid} && tid == ${harnessPid}/ { exit(); }`);
  lines.push("END { clear(@c); }");
  return `${lines.join("\n")}\n`;
}

/** The context bits the program could watch (for the method note). */
export function contextEvents(has: (event: string) => boolean): string[] {
  return CONTEXT_PROBES.filter((p) => has(p.entry) && has(p.exit)).map((p) => p.entry.replace(/_entry$/, ""));
}

/** One counted (waker, wakee) pair. */
export interface WakeCount {
  /** the waker's process id (0: the idle task) */
  wakerTgid: number;
  /** the waking thread's comm */
  wakerComm: string;
  /** the wakee's thread id */
  wakeeTid: number;
  /** context bits (CTX) when the wake-up happened */
  ctx: number;
  /** what the waking task was doing (VIA) */
  via: number;
  count: number;
}

/** One printout of the maps (at the window's start, or the end). */
export interface WakeSnapshot {
  wakes: WakeCount[];
  /** tid → tgid of threads that exited */
  exitedTgid: Map<number, number>;
  /** tgid → parent tgid of processes (threads) that exited */
  exitedParent: Map<number, number>;
}

const keyOf = (w: Pick<WakeCount, "wakerTgid" | "wakerComm" | "wakeeTid" | "ctx" | "via">): string => `${w.wakerTgid}\u0000${w.wakerComm}\u0000${w.wakeeTid}\u0000${w.ctx}\u0000${w.via}`;

/**
 * Split bpftrace's output into its map printouts: each ends with the `@zz_end: 1` line (maps print
 * in name order, so it is the last of each printout). Lines before `ready` and other text are skipped.
 */
export function splitPrintouts(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("@zz_end:")) {
      out.push(cur.join("\n"));
      cur = [];
    } else if (line.startsWith("@")) cur.push(line);
  }
  return out;
}

/** Parse one printout. Comm may hold ", " or brackets: the numbers are taken from both ends. */
export function parsePrintout(text: string): WakeSnapshot {
  const wakes: WakeCount[] = [];
  const exitedTgid = new Map<number, number>();
  const exitedParent = new Map<number, number>();
  for (const line of text.split("\n")) {
    let m = /^@w\[(\d+), (.*), (\d+), (\d+), (\d+)\]: (\d+)$/.exec(line);
    if (m) {
      wakes.push({ wakerTgid: Number(m[1]), wakerComm: m[2] as string, wakeeTid: Number(m[3]), ctx: Number(m[4]), via: Number(m[5]), count: Number(m[6]) });
      continue;
    }
    m = /^@([xp])\[(\d+)\]: (\d+)$/.exec(line);
    if (m) (m[1] === "x" ? exitedTgid : exitedParent).set(Number(m[2]), Number(m[3]));
  }
  return { wakes, exitedTgid, exitedParent };
}

/** The wake-ups counted between two printouts (counts only grow; a key new at the end counts whole). */
export function diffSnapshots(start: WakeSnapshot, end: WakeSnapshot): WakeCount[] {
  const before = new Map(start.wakes.map((w) => [keyOf(w), w.count]));
  const out: WakeCount[] = [];
  for (const w of end.wakes) {
    const n = w.count - (before.get(keyOf(w)) ?? 0);
    if (n > 0) out.push({ ...w, count: n });
  }
  return out;
}

export type WakeCause = "peer" | "thread" | "timer" | "interrupt" | "softirq" | "network";

/** The waker's syscall family, for the result ("send": it wrote to a socket or pipe; "receive": it read, freeing buffer space). */
export function viaName(via: number): "send" | "receive" | "futex" | "other" | null {
  if (via === VIA.send) return "send";
  if (via === VIA.receive) return "receive";
  if (via === VIA.futex) return "futex";
  if (via === VIA.other) return "other";
  return null;
}

/**
 * The context's cause: a timer (hrtimer, timer list, local timer), a hardirq, a network softirq
 * (attributed to the task it ran in: on loopback that is the sender), another softirq; null in task context.
 */
export function contextCause(ctx: number): Exclude<WakeCause, "peer" | "thread"> | null {
  if (ctx & (CTX.hrtimer | CTX.timer)) return "timer";
  if (ctx & CTX.hardirq) return "interrupt";
  if (ctx & CTX.netRx) return "network";
  if (ctx & CTX.softirq) return "softirq";
  if (ctx & CTX.localTimer) return "timer";
  return null;
}
