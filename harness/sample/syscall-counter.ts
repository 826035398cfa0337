/**
 * Syscalls by type, counted in the kernel for the measured trees: `perf stat` on syscall tracepoints,
 * attached to the trees' threads (-p) over the window. It sees what no start/end reading can: the
 * connections a process opens and closes within the window (an HTTP/1.0 client or server makes one
 * per request), and how often it sends, receives, waits and sleeps.
 *
 * perf is our own child in its own process group (tracer-child.ts), running `timeout <window + margin> cat`
 * (reading a pipe from the harness) as its workload so that it ends by itself even if the harness is
 * SIGKILLed; stop() interrupts that group (the Ctrl-C perf expects), after which perf prints its
 * counts. The measured processes are never signalled.
 */
import { existsSync, readdirSync } from "node:fs";
import { nowSeconds } from "./tree-snapshot.js";
import { TracerChild } from "./tracer-child.js";

export const PERF_SOURCE = "perf stat (syscalls tracepoints)";

/** perf counters (file descriptors) opened at most: events x threads */
const FD_BUDGET = 20_000;

/** Counted syscalls: a short list, since every tracepoint costs on every call of that syscall. */
export const COUNTED_SYSCALLS = [
  "sendto", "sendmsg", "write", "writev",
  "recvfrom", "recvmsg", "read",
  "epoll_wait", "epoll_pwait", "poll", "ppoll", "select",
  "futex", "nanosleep", "clock_nanosleep",
] as const;

interface PerfEvent {
  /** the name in SyscallTypeFigures.perS */
  name: string;
  tracepoint: string;
  filter?: string;
}

/** connect to an IPv4/IPv6 address (sockaddr_in is 16 bytes, sockaddr_in6 28: a unix-socket connect is longer), and successful accepts. */
export const CONNECTION_EVENTS: PerfEvent[] = [
  { name: "connect", tracepoint: "syscalls:sys_enter_connect", filter: "addrlen == 16 || addrlen == 28" },
  { name: "accept", tracepoint: "syscalls:sys_exit_accept", filter: "ret >= 0" },
  { name: "accept4", tracepoint: "syscalls:sys_exit_accept4", filter: "ret >= 0" },
];

const TRACEFS = ["/sys/kernel/tracing/events/syscalls", "/sys/kernel/debug/tracing/events/syscalls"];

/** The events this kernel has (a syscall missing on this architecture, e.g. select, is dropped); all of them when tracefs cannot be read. */
export function perfEvents(): PerfEvent[] {
  const all: PerfEvent[] = [...CONNECTION_EVENTS, ...COUNTED_SYSCALLS.map((s) => ({ name: s, tracepoint: `syscalls:sys_enter_${s}` }))];
  for (const dir of TRACEFS) {
    try {
      const have = new Set(readdirSync(dir));
      return all.filter((e) => have.has(e.tracepoint.slice("syscalls:".length)));
    } catch {
      // not mounted here or not readable: try the next, else keep the whole list
    }
  }
  return all;
}

/** perf's stderr lines that are not what went wrong (permission, unknown event): its start and stop, and its counts (comma-separated). */
const PERF_NOISE = [/^Events (enabled|disabled)$/, /,/];

/** counts by thread id, by event name */
export type ThreadCounts = Map<number, Map<string, number>>;

/**
 * Parse `perf stat -x, --per-thread` output: `comm-tid,count,unit,event,...`. The comm may itself
 * contain '-' or ',' (so the tid is the last -digits before the count); other lines are skipped.
 * Counts shown as `<not counted>` or `<not supported>` are left out.
 */
export function parsePerfPerThread(text: string, names: Map<string, string>): ThreadCounts {
  const out: ThreadCounts = new Map();
  for (const line of text.split("\n")) {
    const m = /^(.*)-(\d+),(\d+|<not counted>|<not supported>),[^,]*,([^,]+),/.exec(line.trim());
    if (!m) continue;
    const tid = Number(m[2]);
    const name = names.get(m[4] as string);
    if (!name || !/^\d+$/.test(m[3] as string)) continue;
    const byName = out.get(tid) ?? new Map<string, number>();
    byName.set(name, (byName.get(name) ?? 0) + Number(m[3]));
    out.set(tid, byName);
  }
  return out;
}

export interface SyscallCounts {
  /** null when nothing could be counted: `problem` says why */
  byKey: Map<string, Map<string, number>> | null;
  /** seconds the counters covered (from perf's "Events enabled" to the stop) */
  coveredS: number;
  problem?: string;
  /** what was left out (e.g. syscalls by type on a very large tree) */
  note?: string;
}

/** The thread ids of a process (its /proc/<pid>/task entries); the pid alone when they cannot be read. */
function threadIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => t > 0);
  } catch {
    return [pid];
  }
}

/**
 * One perf stat over the window for every measured tree. start() returns once perf counts (or has
 * failed); stop() ends it and returns the counts per measured process (by key).
 */
export class SyscallCounter {
  private child?: TracerChild;
  private enabledAt = Number.NaN;
  private stoppedAt = Number.NaN;
  private failure?: string;
  private readonly tidKey = new Map<number, string>();
  private readonly names = new Map<string, string>();
  private note?: string;

  /** trees: measured process key → the pids of its tree members. */
  async start(trees: Map<string, number[]>, maxS: number): Promise<void> {
    // Counting syscall tracepoints makes every syscall of a counted thread take the kernel's slow
    // path (about 0.1 µs more each, README "The harness's own cost"): HARNESS_PERF=off leaves them alone.
    if (process.env.HARNESS_PERF === "off") {
      this.failure = "syscall counting turned off (HARNESS_PERF=off): connections opened and closed inside the window, and syscalls by type, were not counted";
      return;
    }
    for (const [key, members] of trees) for (const pid of members) for (const tid of threadIds(pid)) this.tidKey.set(tid, key);
    // perf opens one counter (a file descriptor) per event per thread: past the budget, connections only
    let events = perfEvents();
    const threads = this.tidKey.size;
    if (threads * events.length > FD_BUDGET) {
      events = events.filter((e) => CONNECTION_EVENTS.some((c) => c.tracepoint === e.tracepoint));
      this.note = `${threads} threads: only connect and accept were counted (${FD_BUDGET.toLocaleString("en-US")} perf counters at most, one per event per thread)`;
    }
    if (threads * events.length > FD_BUDGET) {
      this.failure = `${threads} threads: too many to count syscalls per thread (${FD_BUDGET.toLocaleString("en-US")} perf counters at most)`;
      return;
    }
    const argsFor = (filters: boolean): string[] => {
      const args = ["stat", "-x,", "--per-thread", "-D", "1"];
      for (const e of events) {
        this.names.set(e.tracepoint, e.name);
        args.push("-e", e.tracepoint);
        if (filters && e.filter) args.push("--filter", e.filter);
      }
      return args;
    };
    // Threads come and go while perf opens its counters (a thread-per-request server makes one per
    // connection). perf refuses the whole list when a pid has exited, and, when it has ignored a thread
    // that vanished, it cannot set the events' filters ("failed to set filter"): retry with the live
    // pids; after ATTEMPTS tries with filters, count once without them and say so.
    const ATTEMPTS = 5;
    for (let attempt = 0; attempt <= ATTEMPTS; attempt++) {
      const filters = attempt < ATTEMPTS;
      const pids = [...new Set([...trees.values()].flat())].filter((pid) => existsSync(`/proc/${pid}`));
      if (pids.length === 0) {
        this.failure = "no live process to count syscalls for";
        return;
      }
      // perf counts for as long as its workload runs: `cat` on a pipe from this process, which ends
      // when the harness does (SIGKILL included: the kernel closes the pipe), bounded by `timeout`
      await this.attempt([...argsFor(filters), "-p", pids.join(",")], maxS);
      if (!Number.isNaN(this.enabledAt)) {
        if (!filters) {
          const unfiltered = "connect and accept were counted without their filters (perf could not set them while threads came and went): connect counts every address family, accept its failed calls too";
          this.note = this.note ? `${this.note}; ${unfiltered}` : unfiltered;
        }
        break;
      }
      const stderr = this.child?.stderr ?? "";
      if (!stderr.includes("Problems finding threads") && !stderr.includes("failed to set filter")) break;
      this.failure = undefined;
    }
    if (Number.isNaN(this.enabledAt) && !this.failure) {
      this.failure = `perf did not start counting: ${this.child?.problemLine(PERF_NOISE) ?? "no output within 5 s"}`;
      await this.stop();
    }
  }

  /** One start of perf: returns once it counts, has failed, or 5 s passed. */
  private async attempt(args: string[], maxS: number): Promise<void> {
    // a try that failed (perf refused a pid) is stopped before the next begins
    await this.child?.stop(3000);
    const child = new TracerChild({
      command: "perf",
      args,
      bound: { seconds: maxS, as: "--" },
      stdout: "ignore",
      whenMissing: "perf is not installed (linux-perf / linux-tools): syscalls were not counted",
    });
    this.child = child;
    // perf attaches within tens of milliseconds; a perf that neither counts nor fails in 5 s is stopped by start()
    if ((await child.ready((_out, err) => err.includes("Events enabled"), 5000)) === "ready") this.enabledAt = nowSeconds();
    if (child.startProblem) this.failure = child.startProblem;
  }

  /**
   * End the counting now without waiting: perf stops counting at the interrupt, then takes a while
   * (hundreds of ms: it removes its tracepoints) to print, which stop() waits for.
   */
  interrupt(): void {
    if (!this.child?.running || !Number.isNaN(this.stoppedAt)) return;
    this.stoppedAt = nowSeconds();
    this.child.interrupt();
  }

  /** Stop perf (if it runs) and collect its counts. Safe to call twice; never leaves perf running. */
  async stop(): Promise<SyscallCounts> {
    this.interrupt();
    if (this.child && !(await this.child.stop(3000))) this.failure ??= "perf did not print its counts within 3 s of being stopped";
    if (Number.isNaN(this.stoppedAt)) this.stoppedAt = nowSeconds();
    if (this.failure) return { byKey: null, coveredS: 0, problem: this.failure };
    if (Number.isNaN(this.enabledAt)) return { byKey: null, coveredS: 0, problem: "perf never started counting" };
    const stderr = this.child?.stderr ?? "";
    const perThread = parsePerfPerThread(stderr, this.names);
    if (perThread.size === 0) {
      const why = this.child?.problemLine(PERF_NOISE);
      return { byKey: null, coveredS: 0, problem: `perf printed no counts${why ? `: ${why}` : ""}` };
    }
    const byKey = new Map<string, Map<string, number>>();
    // every counted event starts at 0: a syscall perf counted no call of is a measured 0
    for (const key of new Set(this.tidKey.values())) byKey.set(key, new Map([...new Set(this.names.values())].map((n) => [n, 0])));
    for (const [tid, counts] of perThread) {
      const key = this.tidKey.get(tid);
      if (key === undefined) continue;
      const into = byKey.get(key) as Map<string, number>;
      for (const [name, n] of counts) into.set(name, (into.get(name) ?? 0) + n);
    }
    return { byKey, coveredS: Math.max(0, this.stoppedAt - this.enabledAt), note: this.note };
  }

  /** Synchronous last resort for an exiting harness: kill perf's group. */
  killNow(): void {
    this.child?.killNow();
  }
}

/** Whether perf is on the PATH (for tests and notes). */
export function perfOnPath(): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d && existsSync(`${d}/perf`));
}
