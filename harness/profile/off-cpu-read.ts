/**
 * The off-CPU side of a wall-clock profile, read back: bpftrace's maps (see off-cpu.ts) to each
 * thread's time on CPU, runnable and waiting by what it waited on. Pure.
 */
import type { ThreadTime, WaitKind } from "./wall-clock.js";

/** x86_64 and aarch64 syscall numbers of the calls a thread waits in. */
const SYSCALLS: Record<string, Record<number, string>> = {
  x64: { 0: "read", 7: "poll", 17: "pread64", 19: "readv", 23: "select", 34: "pause", 35: "nanosleep", 43: "accept", 45: "recvfrom", 47: "recvmsg", 61: "wait4", 128: "rt_sigtimedwait", 130: "rt_sigsuspend", 202: "futex", 230: "clock_nanosleep", 232: "epoll_wait", 247: "waitid", 270: "pselect6", 271: "ppoll", 281: "epoll_pwait", 288: "accept4", 299: "recvmmsg", 441: "epoll_pwait2", 449: "futex_waitv", 1: "write", 20: "writev", 44: "sendto", 46: "sendmsg", 74: "fsync", 75: "fdatasync", 72: "fcntl", 3: "close", 257: "openat", 4: "stat", 262: "newfstatat", 426: "io_uring_enter", 435: "clone3", 56: "clone", 318: "getrandom", 9: "mmap", 11: "munmap" },
  arm64: { 63: "read", 73: "ppoll", 72: "pselect6", 65: "readv", 67: "pread64", 101: "nanosleep", 115: "clock_nanosleep", 98: "futex", 22: "epoll_pwait", 441: "epoll_pwait2", 202: "accept", 242: "accept4", 207: "recvfrom", 212: "recvmsg", 260: "wait4", 95: "waitid", 137: "rt_sigtimedwait", 133: "rt_sigsuspend", 449: "futex_waitv", 64: "write", 66: "writev", 206: "sendto", 211: "sendmsg", 82: "fsync", 83: "fdatasync", 57: "close", 426: "io_uring_enter" },
};

const KIND: Record<string, WaitKind> = {
  futex: "thread",
  futex_waitv: "thread",
  wait4: "thread",
  waitid: "thread",
  pause: "thread",
  rt_sigsuspend: "thread",
  rt_sigtimedwait: "thread",
  epoll_wait: "io",
  epoll_pwait: "io",
  epoll_pwait2: "io",
  poll: "io",
  ppoll: "io",
  select: "io",
  pselect6: "io",
  read: "io",
  readv: "io",
  recvfrom: "io",
  recvmsg: "io",
  recvmmsg: "io",
  accept: "io",
  accept4: "io",
  io_uring_enter: "io",
  write: "io",
  writev: "io",
  sendto: "io",
  sendmsg: "io",
  nanosleep: "timer",
  clock_nanosleep: "timer",
  fsync: "disk",
  fdatasync: "disk",
};

export function syscallName(nr: number, arch: string = process.arch): string {
  return SYSCALLS[arch]?.[nr] ?? `syscall ${nr}`;
}

/** What a thread that left the CPU in this syscall (or state) waits on. */
export function waitKindOf(name: string): WaitKind {
  return KIND[name] ?? "other";
}

/** bpftrace's `why` codes: -2 preempted (runnable), -3 uninterruptible (disk), 0 outside a syscall, n+1 in syscall n. */
export function reasonName(code: number, arch: string = process.arch): string {
  if (code === -2) return "(runnable)";
  if (code === -3) return "(uninterruptible)";
  if (code <= 0) return "(no syscall)";
  return syscallName(code - 1, arch);
}

interface MapEntry {
  map: string;
  keys: number[];
  value: string;
}

/** `@name[k1, k2]: value` lines (bpftrace's print format). */
export function parseBpftraceMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^@(\w+)\[([-\d, ]+)\]:\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ map: m[1] as string, keys: (m[2] as string).split(",").map((k) => Number(k.trim())), value: (m[3] as string).trim() });
  }
  return out;
}

export interface OffCpuReading {
  /** monotonic nanoseconds of bpftrace's BEGIN and END */
  beginNs: number;
  endNs: number;
  /** threads by process id */
  byProcess: Map<number, ThreadTime[]>;
}

/** bpftrace's output to each thread's times. Waits still open at END are counted up to END. */
export function readOffCpu(text: string, arch: string = process.arch): OffCpuReading | null {
  const begin = /^BEGIN (\d+)$/m.exec(text);
  const end = /^END (\d+)$/m.exec(text);
  if (!begin || !end) return null;
  const beginNs = Number(begin[1]);
  const endNs = Number(end[1]);
  const entries = parseBpftraceMaps(text);
  const threads = new Map<number, { tgid: number; t: ThreadTime; waits: Map<string, number> }>();
  const thread = (tgid: number, tid: number): ThreadTime => {
    let e = threads.get(tid);
    if (!e) {
      e = { tgid, t: { tid, comm: "", onCpuMs: 0, runnableMs: 0, waitMs: { thread: 0, io: 0, timer: 0, disk: 0, other: 0 }, topWait: null }, waits: new Map() };
      threads.set(tid, e);
    }
    return e.t;
  };
  const addWait = (tgid: number, tid: number, code: number, ns: number): void => {
    const t = thread(tgid, tid);
    const msv = ns / 1e6;
    if (code === -2) {
      t.runnableMs += msv;
      return;
    }
    const name = reasonName(code, arch);
    const kind = code === -3 ? "disk" : waitKindOf(name);
    t.waitMs[kind] += msv;
    const w = threads.get(tid)?.waits;
    w?.set(name, (w.get(name) ?? 0) + msv);
  };
  const open = new Map<number, { since: number; why: number; tgid: number }>();
  const on = new Map<number, number>();
  for (const e of entries) {
    const [a, b, c] = e.keys as [number, number?, number?];
    const v = Number(e.value);
    if (e.map === "cpu" && b !== undefined) thread(a, b).onCpuMs += v / 1e6;
    else if (e.map === "wait" && b !== undefined && c !== undefined) addWait(a, b, c, v);
    else if (e.map === "comm" && b !== undefined) thread(a, b).comm = e.value;
    else if (e.map === "off") open.set(a, { ...(open.get(a) ?? { why: 0, tgid: 0 }), since: v });
    else if (e.map === "why") open.set(a, { ...(open.get(a) ?? { since: 0, tgid: 0 }), why: v });
    else if (e.map === "tgof") open.set(a, { ...(open.get(a) ?? { since: 0, why: 0 }), tgid: v });
    else if (e.map === "on") on.set(a, v);
  }
  // BEGIN printed the later of its own start and the window's: nothing before it counts
  for (const [tid, o] of open) if (o.since > 0 && o.tgid > 0) addWait(o.tgid, tid, o.why, Math.max(0, endNs - Math.max(o.since, beginNs)));
  for (const [tid, since] of on) {
    const tgid = threads.get(tid)?.tgid ?? open.get(tid)?.tgid;
    if (tgid) thread(tgid, tid).onCpuMs += Math.max(0, endNs - Math.max(since, beginNs)) / 1e6;
  }
  const byProcess = new Map<number, ThreadTime[]>();
  for (const e of threads.values()) {
    e.t.topWait = [...e.waits.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? null;
    e.t.waitBySyscall = Object.fromEntries(e.waits);
    const list = byProcess.get(e.tgid) ?? [];
    list.push(e.t);
    byProcess.set(e.tgid, list);
  }
  return { beginNs, endNs, byProcess };
}
