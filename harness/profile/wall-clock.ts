/**
 * The wall-clock table in seed 001's shape: where every thread's time went, waiting included.
 * Waiting comes from the scheduler (harness/profile/off-cpu*.ts: each thread's off-CPU time by what
 * it waited on); the JavaScript thread's busy time is split by the V8 CPU profile's stacks into
 * stdout logging, network receive and send, database, serialization, application code, GC and the
 * runtime. Pure.
 */
import { categorize, jsOwner, splitJsName, VM_STATE, type Frame } from "./categories.js";
import type { ProfileSample } from "./summary.js";
import { waitKindOf } from "./off-cpu-read.js";

function waitKindOfReason(name: string): WaitKind {
  return name === "(uninterruptible)" ? "disk" : waitKindOf(name);
}

export type WallCategory =
  | "idle-thread"
  | "idle-io"
  | "idle-timer"
  | "idle-disk"
  | "idle-other"
  | "runnable"
  | "logging"
  | "net-recv"
  | "net-send"
  | "database"
  | "serialization"
  | "application"
  | "libraries"
  | "gc"
  | "runtime"
  | "other-threads"
  | "on-cpu";

export const WALL_ORDER: WallCategory[] = ["idle-thread", "idle-io", "idle-timer", "idle-disk", "idle-other", "runnable", "logging", "net-recv", "net-send", "database", "serialization", "application", "libraries", "gc", "runtime", "other-threads", "on-cpu"];

export const WALL_LABEL: Record<WallCategory, string> = {
  "idle-thread": "Idle (thread wait: futex / condition variable)",
  "idle-io": "Idle (I/O wait: epoll / poll / socket read)",
  "idle-timer": "Idle (sleep / timer)",
  "idle-disk": "Idle (disk: uninterruptible)",
  "idle-other": "Idle (other waits)",
  runnable: "Waiting for a CPU (runnable)",
  logging: "Stdout logging",
  "net-recv": "Network receive",
  "net-send": "Network send",
  database: "Database",
  serialization: "Serialization (JSON)",
  application: "Application code",
  libraries: "Libraries (node_modules)",
  gc: "Garbage collection",
  runtime: "Runtime (V8, Node internals, native code)",
  "other-threads": "Other threads on CPU (V8 helpers, libuv pool)",
  "on-cpu": "On CPU (no stacks for this process)",
};

/** What a waiting thread waits on (from the scheduler). */
export type WaitKind = "thread" | "io" | "timer" | "disk" | "other";

/** One thread's window, from the scheduler: milliseconds on CPU, runnable, and waiting by kind. */
export interface ThreadTime {
  tid: number;
  comm: string;
  onCpuMs: number;
  runnableMs: number;
  waitMs: Record<WaitKind, number>;
  /** the syscall it waited in most, by time */
  topWait?: string | null;
  /** milliseconds waited by syscall name ("(uninterruptible)", "(no syscall)" for the states) */
  waitBySyscall?: Record<string, number>;
}

export interface WallRow {
  category: WallCategory;
  ms: number;
  share: number;
  /** what fills the row most (a function or a syscall) */
  note: string | null;
}

export interface WallTable {
  process: string;
  /** "wall-clock (all threads, waiting included)" or, without the scheduler, the JS thread only */
  counts: string;
  method: string;
  threads: number;
  totalMs: number;
  rows: WallRow[];
}

const SEND = /^(writeGeneric|writevGeneric|handleWriteReq|_writeRaw|_send|_flushOutput|_writev|writev|write|writeUtf8String|writeLatin1String|writeBuffer)$/;
const SEND_URL = /^node:(internal\/stream_base_commons|_http_outgoing|net|internal\/http2\/)/;
const RECV = /^(onStreamRead|socketOnData|parserOnHeadersComplete|parserOnBody|parserOnMessageComplete|execute|readableAddChunk|onread)$/;
const RECV_URL = /^node:(internal\/stream_base_commons|_http_server|_http_common|net|internal\/streams\/readable|internal\/http2\/)/;
const DB_URL = /[/\\]node_modules[/\\](better-sqlite3|sqlite3|pg|pg-protocol|pg-pool|mysql2?|redis|ioredis|mongodb)[/\\]|[/\\](store|pg-store|db)\.(ts|js)$/;
const STDOUT_URL = /^node:(tty|internal\/fs\/sync_write_stream)$/;
const JSON_FN = /^(parse|stringify)$/;

function urlOf(f: Frame): string | null {
  return f.type === "JS" ? splitJsName(f.name).file : null;
}

/** The category of one busy (not idle) sample of the JavaScript thread. */
export function wallCategoryOfSample(vmState: number | null, stack: Frame[]): WallCategory {
  if (vmState === VM_STATE.GC) return "gc";
  const base = categorize(vmState, stack);
  if (base === "logging" || stack.some((f) => STDOUT_URL.test(urlOf(f) ?? ""))) return "logging";
  if (base === "json" || (stack[0] && !urlOf(stack[0]) && JSON_FN.test(stack[0].name))) return "serialization";
  if (stack.some((f) => DB_URL.test(urlOf(f) ?? "")) && stack.some((f) => /[/\\]node_modules[/\\]/.test(urlOf(f) ?? "") || !urlOf(f))) {
    // in a driver, or native code called from the store: the database's share
    const firstJs = stack.find((f) => urlOf(f));
    if (firstJs && DB_URL.test(urlOf(firstJs) ?? "")) return "database";
    if (stack.some((f) => /[/\\]node_modules[/\\]/.test(urlOf(f) ?? "") && DB_URL.test(urlOf(f) ?? ""))) return "database";
  }
  // from the leaf up: the first frame that says what the time is for
  for (const f of stack) {
    const url = urlOf(f);
    if (!url) continue;
    const fn = splitJsName(f.name).fn;
    if (SEND_URL.test(url) && SEND.test(fn)) return "net-send";
    if (RECV_URL.test(url) && RECV.test(fn)) return "net-recv";
    const owner = jsOwner(f.name);
    if (owner === "application") return "application";
    if (owner === "libraries") return "libraries";
  }
  if (vmState === VM_STATE.OTHER || base === "runtime" || base === "native-io" || base === "gc") return "runtime";
  return base === "application" ? "application" : base === "libraries" ? "libraries" : "runtime";
}

function isIdle(s: ProfileSample): boolean {
  return s.vmState === VM_STATE.IDLE || s.vmState === VM_STATE.ATOMICS_WAIT;
}

export interface WallInput {
  process: string;
  /** the V8 CPU profile of the JavaScript (main) thread, cut to the window; null for non-Node programs */
  v8: ProfileSample[] | null;
  /** every thread's scheduler times over the window; null when the scheduler could not be read */
  threads: ThreadTime[] | null;
  /** the thread id of the JavaScript thread (the process id) */
  mainTid: number | null;
  /** how the scheduler figures were taken ("bpftrace sched_switch ...") */
  schedulerMethod: string | null;
}

const WAIT_ROW: Record<WaitKind, WallCategory> = { thread: "idle-thread", io: "idle-io", timer: "idle-timer", disk: "idle-disk", other: "idle-other" };

export function wallTable(input: WallInput): WallTable | null {
  const ms = new Map<WallCategory, number>();
  const notes = new Map<WallCategory, Map<string, number>>();
  const add = (c: WallCategory, v: number, note?: string | null): void => {
    ms.set(c, (ms.get(c) ?? 0) + v);
    if (note) {
      const m = notes.get(c) ?? new Map<string, number>();
      m.set(note, (m.get(note) ?? 0) + v);
      notes.set(c, m);
    }
  };
  const busy = new Map<WallCategory, { ms: number; fns: Map<string, number> }>();
  let busyMs = 0;
  let idleMs = 0;
  for (const s of input.v8 ?? []) {
    if (isIdle(s)) {
      idleMs += s.weightMs;
      continue;
    }
    const c = wallCategoryOfSample(s.vmState, s.stack);
    const b = busy.get(c) ?? { ms: 0, fns: new Map<string, number>() };
    b.ms += s.weightMs;
    const leaf = s.stack.find((f) => f.type === "JS") ?? s.stack[0];
    const name = leaf ? splitJsName(leaf.name).fn : null;
    if (name) b.fns.set(name, (b.fns.get(name) ?? 0) + s.weightMs);
    busy.set(c, b);
    busyMs += s.weightMs;
  }
  let method: string;
  let counts: string;
  if (input.threads && input.threads.length) {
    counts = "wall-clock (all threads, waiting included)";
    method = `${input.schedulerMethod ?? "scheduler"}${input.v8 ? "; the JavaScript thread's time on CPU split by its V8 CPU profile" : ""}`;
    for (const t of input.threads) {
      for (const k of Object.keys(t.waitMs) as WaitKind[]) if (t.waitMs[k] > 0) add(WAIT_ROW[k], t.waitMs[k]);
      for (const [name, v] of Object.entries(t.waitBySyscall ?? {})) {
        const m = notes.get(WAIT_ROW[waitKindOfReason(name)]) ?? new Map<string, number>();
        m.set(name, (m.get(name) ?? 0) + v);
        notes.set(WAIT_ROW[waitKindOfReason(name)], m);
      }
      add("runnable", t.runnableMs);
      const isMain = t.tid === input.mainTid;
      if (!isMain || !input.v8 || busyMs <= 0) add(input.v8 && !isMain ? "other-threads" : input.v8 ? "runtime" : "on-cpu", t.onCpuMs, t.comm);
      else for (const [c, b] of busy) add(c, (b.ms / busyMs) * t.onCpuMs, [...b.fns.entries()].sort((a, z) => z[1] - a[1])[0]?.[0] ?? null);
    }
  } else if (input.v8 && input.v8.length) {
    counts = "wall-clock (the JavaScript thread only, waiting included)";
    method = "V8 CPU profile of the JavaScript thread: (idle) is the event loop waiting (I/O readiness or a timer, not told apart without the scheduler); other threads not seen";
    add("idle-io", idleMs, "(idle)");
    for (const [c, b] of busy) add(c, b.ms, [...b.fns.entries()].sort((a, z) => z[1] - a[1])[0]?.[0] ?? null);
  } else {
    return null;
  }
  const totalMs = [...ms.values()].reduce((a, b) => a + b, 0);
  const rows = WALL_ORDER.filter((c) => (ms.get(c) ?? 0) > 0).map((c) => ({
    category: c,
    ms: ms.get(c) ?? 0,
    share: totalMs > 0 ? (ms.get(c) ?? 0) / totalMs : 0,
    note: [...(notes.get(c)?.entries() ?? [])].sort((a, z) => z[1] - a[1])[0]?.[0] ?? null,
  }));
  return { process: input.process, counts, method, threads: input.threads?.length ?? 1, totalMs, rows };
}

/** The shares the seed's conclusions rest on: waiting (all idle rows), logging, application. */
export function wallShares(t: WallTable): { waiting: number; logging: number; application: number; serialization: number; database: number } {
  const of = (cs: WallCategory[]): number => t.rows.filter((r) => cs.includes(r.category)).reduce((a, r) => a + r.share, 0);
  return {
    waiting: of(["idle-thread", "idle-io", "idle-timer", "idle-disk", "idle-other"]),
    logging: of(["logging"]),
    application: of(["application"]),
    serialization: of(["serialization"]),
    database: of(["database"]),
  };
}
