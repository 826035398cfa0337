/**
 * Language-neutral readers of Linux /proc. Everything the harness knows about a process's CPU,
 * wake-ups and I/O comes from here, read the same way for the reference system and a user's own.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

/**
 * One buffer for every small /proc file (stat, status, io are under 4 KB): open, read, close with no
 * allocation per call. readFileSync costs about 3x the CPU here (it stats the file and allocates), and
 * the sampler reads several files per process per tick, so this is most of the harness's own cost.
 */
const scratch = Buffer.alloc(64 * 1024);

/**
 * Files the sampler reads every tick stay open and are re-read from offset 0 (a /proc file is
 * regenerated on each read from the start): a third of the CPU of open+read+close. An open /proc fd
 * stays bound to its process: once that process is gone, reads fail with ESRCH, even if the pid is
 * reused, so a kept file can never report another program. Bounded, and released by releaseProcFiles().
 */
const kept = new Map<string, number>();
/**
 * 100 Node processes of 7 threads keep about 2,300 files (stat and io per process; schedstat, status
 * and children per thread); above the cap files are opened and closed at every reading. Well under
 * the usual RLIMIT_NOFILE (a failed open only means the file is read without being kept).
 */
const MAX_KEPT = 8000;

let procReads = 0;
/** /proc files read so far by this process (tests and benches count the reads a reading costs). */
export function procReadCount(): number {
  return procReads;
}

function readAll(fd: number, position: number | null): number {
  let n = 0;
  while (n < scratch.length) {
    const want = scratch.length - n;
    const got = readSync(fd, scratch, n, want, position === null ? null : position + n);
    n += got;
    // A /proc file is generated whole on read: fewer bytes than asked is its end, so no second read
    // (returning 0) is needed to find it.
    if (got < want) break;
  }
  return n;
}

/**
 * Read a small /proc file into the shared scratch buffer: its length in bytes, or undefined when it
 * cannot be read (the process is gone). The bytes are valid until the next read. `keep` keeps the
 * file open for the next read (for files read every tick). Parsing the bytes in place (below) spares
 * a string per file, which is most of Node's own cost per read.
 */
let lastReadKept = false;

export function readProcBytes(path: string, keep = false): number | undefined {
  procReads++;
  const open = kept.get(path);
  lastReadKept = open !== undefined;
  if (open !== undefined) {
    try {
      return readAll(open, 0);
    } catch {
      kept.delete(path);
      closeQuietly(open);
      return undefined;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  let n: number | undefined;
  try {
    n = readAll(fd, keep ? 0 : null);
  } catch {
    n = undefined;
  }
  if (keep && n !== undefined && kept.size < MAX_KEPT) kept.set(path, fd);
  else closeQuietly(fd);
  return n;
}

/**
 * Text of a small /proc file, or undefined when it cannot be read (the process is gone). `keep`
 * keeps the file open for the next read (for files read every tick).
 */
export function readProcFile(path: string, keep = false): string | undefined {
  const n = readProcBytes(path, keep);
  return n === undefined ? undefined : scratch.toString("latin1", 0, n);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Close every file kept open by readProcFile(path, true), and forget every thread remembered. */
export function releaseProcFiles(): void {
  for (const fd of kept.values()) closeQuietly(fd);
  kept.clear();
  taskCache.clear();
}

/** Close kept files whose path starts with one of the prefixes (e.g. `/proc/123/` when 123 is gone). */
export function releaseProcFilesUnder(prefix: string): void {
  for (const [path, fd] of kept) {
    if (path.startsWith(prefix)) {
      closeQuietly(fd);
      kept.delete(path);
    }
  }
}

/**
 * A value of this process's ELF auxiliary vector (AT_PAGESZ = 6, AT_CLKTCK = 17), so the units need
 * no `getconf` process. Entries are pairs of native words (8 bytes on 64-bit Linux).
 */
export function auxvValue(type: number, data?: Buffer): number | undefined {
  let b = data;
  if (!b) {
    try {
      b = readFileSync("/proc/self/auxv");
    } catch {
      return undefined; // not Linux, or no /proc: the caller falls back to getconf
    }
  }
  for (let i = 0; i + 16 <= b.length; i += 16) {
    const t = Number(b.readBigUInt64LE(i));
    if (t === 0) break; // AT_NULL ends the vector
    if (t === type) return Number(b.readBigUInt64LE(i + 8)) || undefined;
  }
  return undefined;
}

let pageSize: number | undefined;
/** Bytes per memory page, the unit of rss in /proc/<pid>/stat. */
export function pageSizeBytes(): number {
  pageSize ??= auxvValue(6);
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

let clkTck: number | undefined;
/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicksPerSecond(): number {
  clkTck ??= auxvValue(17);
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** process group id (field 5): the harness starts every process as its own group leader */
  pgrp: number;
  /** utime + stime + cutime + cstime in clock ticks (own time plus that of reaped children). */
  cpuTicks: number;
  /** utime + stime: the process's own CPU (every thread, live and exited), clock ticks */
  ownTicks: number;
  /** cutime + cstime: CPU of children this process reaped with wait(), clock ticks */
  childTicks: number;
  /** start time after boot in clock ticks: with the pid it identifies a process against pid reuse. */
  startTicks: number;
  numThreads: number;
  /** resident set size in pages (field 24; times pageSizeBytes() is VmRSS) */
  rssPages: number;
}

/** Parse the text of /proc/<pid>/stat. The comm field may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat {
  const st = parseStatBytes(Buffer.from(text, "latin1"), Buffer.byteLength(text, "latin1"));
  if (!st) throw new Error("malformed /proc stat line");
  return st;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const OPEN = 0x28; // (
const CLOSE = 0x29; // )
const ZERO = 0x30;
const MINUS = 0x2d;
const TAB = 0x09;

/**
 * Parse /proc/<pid>/stat from bytes, with no string per field: the fields after the comm are single
 * spaces apart. The comm is the text between the first "(" and the last ")" (it may hold both).
 */
export function parseStatBytes(b: Buffer, n: number): ProcStat | undefined {
  let open = -1;
  for (let i = 0; i < n; i++) if (b[i] === OPEN) { open = i; break; }
  let close = -1;
  for (let i = n - 1; i > open; i--) if (b[i] === CLOSE) { close = i; break; }
  if (open < 0 || close < 0) return undefined;
  let pid = 0;
  for (let i = 0; i < open; i++) {
    const c = b[i] as number;
    if (c >= ZERO && c <= ZERO + 9) pid = pid * 10 + (c - ZERO);
  }
  // fields 4..24 are numbers (field 3 is the state letter); a field absent from a short line reads 0
  const f = new Array<number>(25).fill(0);
  let i = close + 2;
  const state = i < n ? String.fromCharCode(b[i] as number) : "?";
  while (i < n && b[i] !== SPACE) i++;
  for (let field = 4; field <= 24 && i < n; field++) {
    i++; // the space before the field
    let neg = false;
    if (b[i] === MINUS) {
      neg = true;
      i++;
    }
    let v = 0;
    for (; i < n; i++) {
      const c = b[i] as number;
      if (c === SPACE || c === NEWLINE) break;
      v = v * 10 + (c - ZERO);
    }
    f[field] = neg ? -v : v;
  }
  const own = (f[14] as number) + (f[15] as number);
  const child = (f[16] as number) + (f[17] as number);
  return {
    pid,
    comm: b.toString("latin1", open + 1, close),
    state,
    ppid: f[4] as number,
    pgrp: f[5] as number,
    cpuTicks: own + child,
    ownTicks: own,
    childTicks: child,
    numThreads: f[20] as number,
    startTicks: f[22] as number,
    rssPages: f[24] as number,
  };
}

export function readStat(pid: number, keep = false): ProcStat | undefined {
  const n = readProcBytes(`/proc/${pid}/stat`, keep);
  if (n === undefined) {
    if (keep) forgetProcess(pid); // the process is gone: drop its other kept files
    return undefined;
  }
  return parseStatBytes(scratch, n);
}

/** Context switches of one thread, from /proc/<pid>/task/<tid>/status. */
export interface ThreadSwitches {
  tid: number;
  /** the thread blocked and was woken (one block ≈ one wake-up) */
  voluntary: number;
  /** the thread was preempted (other load wanted the core) */
  involuntary: number;
}

export interface TaskReading {
  /** every thread's context switches (a thread that exits between the listing and its read is missing) */
  threads: ThreadSwitches[];
  /** direct children of any thread (a child forked by a non-main thread is listed under that thread) */
  children: number[];
  /**
   * some thread was scheduled since the previous reading (or there was none to compare with): when
   * false, nothing the process counts itself (I/O, switches) can have changed
   */
  ran: boolean;
}

export interface ReadTasksOptions {
  /** keep the files open and remember each thread between readings (the sampler's readings) */
  keep?: boolean;
  /** also read each thread's children (the tree walk without a scan of /proc) */
  withChildren?: boolean;
  /**
   * read every thread's status and children and list the threads again, whatever the cache says:
   * the window's start and end readings, so the window's figures are exact
   */
  full?: boolean;
}

/** What the last reading found of one thread. */
interface ThreadState {
  /** ns on a CPU and times scheduled in (task/<tid>/schedstat) just before its status was read */
  runNs: number;
  runs: number;
  voluntary: number;
  involuntary: number;
  children: number[];
}

/** What the last reading found of one process's threads (kept readings only). */
interface ProcessTasks {
  startTicks: number;
  tids: string[] | undefined;
  threads: Map<string, ThreadState>;
  /** the reading round that last read this process (see endReadingRound) */
  round: number;
  /** /proc/<pid>/io at the last read */
  io?: ProcIo;
  /** /proc/<pid>/stat and the threads at the last read */
  stat?: ProcStat;
  tasks?: TaskReading;
}

const taskCache = new Map<number, ProcessTasks>();
let round = 0;

/** Drop what is remembered of a process and close its kept files (it is gone, or no longer read). */
function forgetProcess(pid: number): void {
  taskCache.delete(pid);
  releaseProcFilesUnder(`/proc/${pid}/`);
}

/** Start a round of readings (one sampler tick over every track). */
export function beginReadingRound(): void {
  round++;
}

/**
 * End a round: processes not read in it (gone, or no longer in any measured tree) are forgotten and
 * their kept files closed, so a long run over a churning tree holds nothing for the dead.
 */
export function endReadingRound(): void {
  for (const [pid, c] of taskCache) if (c.round !== round) forgetProcess(pid);
}

/**
 * A thread's scheduler statistics, from task/<tid>/schedstat (2 µs of kernel time, a fifth of its
 * status): ns on a CPU and times scheduled in. Either changes whenever the thread executed; both are
 * 0 when the kernel keeps no scheduler statistics ("0 0 0"). undefined when unreadable.
 */
interface Sched {
  runNs: number;
  runs: number;
}
function readSchedstat(path: string, keep: boolean): Sched | undefined {
  const n = readProcBytes(path, keep);
  if (n === undefined) return undefined;
  const sched: Sched = { runNs: 0, runs: 0 };
  let field = 0;
  let v = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? (scratch[i] as number) : SPACE;
    if (c >= ZERO && c <= ZERO + 9) v = v * 10 + (c - ZERO);
    else {
      if (field === 0) sched.runNs = v;
      else if (field === 2) sched.runs = v;
      field++;
      v = 0;
      if (c === NEWLINE) break;
    }
  }
  return sched;
}

/** Numbers of a space-separated list in the scratch buffer (a children file). */
function numbersIn(n: number, out: number[]): void {
  let v = -1;
  for (let i = 0; i < n; i++) {
    const c = scratch[i] as number;
    if (c >= ZERO && c <= ZERO + 9) v = (v < 0 ? 0 : v * 10) + (c - ZERO);
    else if (v >= 0) {
      out.push(v);
      v = -1;
    }
  }
  if (v >= 0) out.push(v);
}

/**
 * Threads of a process in one pass: context switches from each thread's status and, with
 * `withChildren`, its children from /proc/<pid>/task/<tid>/children, so finding a tree's
 * descendants needs no scan of all of /proc.
 *
 * Kept readings (the sampler's) remember each thread, which saves most of the reads at 1 Hz:
 * - the thread list is listed again only when the thread count in the process's stat changed or a
 *   thread's read failed (one exited and another started);
 * - each thread's schedstat is read every time, and its status and children only when its CPU time
 *   or its count of times scheduled in changed: a thread that did not execute cannot have switched,
 *   forked or done I/O (a switch-out adds to both, so a thread read while running is read again
 *   next time). What can change without the thread running: a child auto-reaped or reparented to a
 *   member (subreaper), found at the member's next run; `full` readings (the window's start and
 *   end) read everything.
 */
export function readTasks(pid: number, numThreads = 0, startTicks = 0, opts: ReadTasksOptions = {}, pre?: Map<string, Sched>): TaskReading | undefined {
  const keep = opts.keep ?? false;
  const withChildren = opts.withChildren ?? true;
  let cache = keep ? taskCache.get(pid) : undefined;
  if (cache && cache.startTicks !== startTicks) {
    forgetProcess(pid); // another program under a reused pid
    cache = undefined;
  }
  if (keep && !cache) {
    cache = { startTicks, tids: undefined, threads: new Map(), round };
    taskCache.set(pid, cache);
  }
  if (cache) cache.round = round;
  const useList = !opts.full && cache?.tids !== undefined && cache.tids.length === numThreads;
  const first = readThreads(pid, numThreads, cache, useList, opts.full ?? false, keep, withChildren, useList ? pre : undefined);
  let out: TaskReading | undefined;
  if (first !== "retry") out = first;
  else {
    // a thread of the remembered list is gone: list the threads again and read them all
    const second = readThreads(pid, numThreads, cache, false, opts.full ?? false, keep, withChildren, undefined);
    out = second === "retry" ? undefined : second;
  }
  if (cache) cache.tasks = out;
  return out;
}

function readThreads(
  pid: number,
  numThreads: number,
  cache: ProcessTasks | undefined,
  useList: boolean,
  full: boolean,
  keep: boolean,
  withChildren: boolean,
  pre: Map<string, Sched> | undefined,
): TaskReading | "retry" | undefined {
  let tids: string[];
  if (useList && cache?.tids) tids = cache.tids;
  else if (numThreads === 1) tids = [String(pid)]; // single-threaded: the only thread id is the pid, no listing needed
  else {
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return undefined;
    }
  }
  const out: TaskReading = { threads: [], children: [], ran: !useList };
  const seen = cache ? new Set<string>() : undefined;
  for (const tid of tids) {
    const base = `/proc/${pid}/task/${tid}/`;
    let runNs = 0;
    let runs = 0;
    if (cache) {
      const r = pre?.get(tid) ?? readSchedstat(`${base}schedstat`, keep);
      if (r === undefined) {
        if (useList) return "retry";
        continue; // the thread exited between the listing and its read
      }
      runNs = r.runNs;
      runs = r.runs;
      const prev = cache.threads.get(tid);
      // all 0: no scheduler statistics on this kernel, so nothing tells that the thread did not run
      if (!full && prev !== undefined && (runNs !== 0 || runs !== 0) && prev.runNs === runNs && prev.runs === runs) {
        seen?.add(tid);
        out.threads.push({ tid: Number(tid), voluntary: prev.voluntary, involuntary: prev.involuntary });
        if (withChildren) for (const c of prev.children) out.children.push(c);
        continue;
      }
    }
    const n = readProcBytes(`${base}status`, keep);
    if (n === undefined) {
      if (useList) return "retry";
      continue; // the thread exited between the listing and its read
    }
    out.ran = true;
    const sw = switchesOfBytes(scratch, n);
    out.threads.push({ tid: Number(tid), voluntary: sw.voluntary, involuntary: sw.involuntary });
    const kids: number[] = [];
    if (withChildren) {
      const k = readProcBytes(`${base}children`, keep);
      if (k !== undefined) numbersIn(k, kids);
      for (const c of kids) out.children.push(c);
    }
    if (cache) {
      seen?.add(tid);
      cache.threads.set(tid, { runNs, runs, voluntary: sw.voluntary, involuntary: sw.involuntary, children: kids });
    }
  }
  if (cache && seen) {
    cache.tids = tids.filter((t) => seen.has(t));
    // the list is remembered only when it is whole: a count that differs forces a listing next time
    if (cache.tids.length !== tids.length) cache.tids = undefined;
    for (const t of cache.threads.keys()) if (!seen.has(t)) cache.threads.delete(t);
  }
  return out;
}

/** One process's stat, threads and I/O, from one reading. */
export interface ProcessReading {
  stat: ProcStat;
  /** undefined when the task folder could not be read */
  tasks?: TaskReading;
  /** undefined when unreadable */
  io?: ProcIo;
}

/**
 * Read one process: stat, threads (readTasks) and io. A kept reading of a process none of whose
 * threads executed since the last one (every thread's schedstat, read through a file kept open since,
 * unchanged) reads nothing more: its CPU, switches, children, I/O and state cannot have changed, and
 * a kept file fails once its thread is gone, so it cannot be another program under a reused pid. Its
 * resident size is then the last one read (memory can be reclaimed from a sleeping process). `full`
 * reads everything. undefined when the process is gone.
 */
export function readProcess(pid: number, opts: ReadTasksOptions = {}): ProcessReading | undefined {
  const keep = opts.keep ?? false;
  const cache = keep ? taskCache.get(pid) : undefined;
  let pre: Map<string, Sched> | undefined;
  if (cache && !opts.full && cache.stat && cache.tasks && cache.tids) {
    pre = new Map();
    let quiet = true;
    for (const tid of cache.tids) {
      const r = readSchedstat(`/proc/${pid}/task/${tid}/schedstat`, keep);
      if (r === undefined) {
        quiet = false;
        pre = undefined; // a thread is gone: list them again
        break;
      }
      pre.set(tid, r);
      const prev = cache.threads.get(tid);
      if (!lastReadKept || !prev || (r.runNs === 0 && r.runs === 0) || prev.runNs !== r.runNs || prev.runs !== r.runs) quiet = false;
    }
    if (quiet) {
      cache.round = round;
      const tasks: TaskReading = { threads: cache.tasks.threads, children: opts.withChildren === false ? [] : cache.tasks.children, ran: false };
      return { stat: cache.stat, tasks, io: cache.io && { ...cache.io } };
    }
  }
  const stat = readStat(pid, keep);
  if (!stat) return undefined;
  const tasks = readTasks(pid, stat.numThreads, stat.startTicks, opts, pre);
  const io = readIo(pid, keep, tasks !== undefined && !tasks.ran && !opts.full);
  const after = keep ? taskCache.get(pid) : undefined;
  if (after) after.stat = stat;
  return { stat, tasks, io };
}

let childrenFiles: boolean | undefined;
/** Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN, on in mainstream kernels). */
export function hasChildrenFiles(): boolean {
  childrenFiles ??= readProcFile(`/proc/${process.pid}/task/${process.pid}/children`) !== undefined;
  return childrenFiles;
}

/**
 * The number after `key` at the start of a line (e.g. "voluntary_ctxt_switches:") in the first n
 * bytes, searched from the end: undefined when absent.
 */
function numberAfter(b: Buffer, n: number, key: Buffer): number | undefined {
  if (n < key.length) return undefined; // (a negative offset would count from the buffer's end)
  let at = b.lastIndexOf(key, n - key.length);
  while (at > 0 && b[at - 1] !== NEWLINE) at = b.lastIndexOf(key, at - 1);
  if (at < 0) return undefined;
  let i = at + key.length;
  while (i < n && (b[i] === SPACE || b[i] === TAB)) i++;
  let v = 0;
  let digits = 0;
  for (; i < n; i++, digits++) {
    const c = b[i] as number;
    if (c < ZERO || c > ZERO + 9) break;
    v = v * 10 + (c - ZERO);
  }
  return digits > 0 ? v : undefined;
}

const VOLUNTARY = Buffer.from("voluntary_ctxt_switches:", "latin1");
const NONVOLUNTARY = Buffer.from("nonvoluntary_ctxt_switches:", "latin1");

/** Voluntary and involuntary context switches of a status file's bytes (near its end: searched from there). */
export function switchesOfBytes(b: Buffer, n: number): { voluntary: number; involuntary: number } {
  return { voluntary: numberAfter(b, n, VOLUNTARY) ?? 0, involuntary: numberAfter(b, n, NONVOLUNTARY) ?? 0 };
}

/** Voluntary and involuntary context switches of one thread's status text. */
export function parseSwitches(statusText: string): { voluntary: number; involuntary: number } {
  const b = Buffer.from(statusText, "latin1");
  return switchesOfBytes(b, b.length);
}

/** Voluntary + involuntary context switches of a status text. */
export function parseContextSwitches(statusText: string): number {
  const s = parseSwitches(statusText);
  return s.voluntary + s.involuntary;
}

export function readRssBytes(pid: number): number | undefined {
  const text = readProcFile(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface ProcIo {
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

const IO_KEYS = ["rchar", "wchar", "syscr", "syscw"] as const;
const IO_KEY_BYTES = IO_KEYS.map((k) => Buffer.from(`${k}:`, "latin1"));

/** Parse /proc/<pid>/io from bytes. */
function ioOfBytes(b: Buffer, n: number): ProcIo {
  const io: ProcIo = { syscr: 0, syscw: 0, rchar: 0, wchar: 0 };
  IO_KEYS.forEach((k, i) => (io[k] = numberAfter(b, n, IO_KEY_BYTES[i] as Buffer) ?? 0));
  return io;
}

export function parseIo(text: string): ProcIo {
  const b = Buffer.from(text, "latin1");
  return ioOfBytes(b, b.length);
}

/**
 * /proc/<pid>/io. With `unchanged` (no thread of the process was scheduled since the last kept
 * reading, see TaskReading.ran) the remembered figures are returned without a read: the counters
 * move only by the process's own system calls, its exiting threads and the children it reaps, all of
 * which need it to run.
 */
export function readIo(pid: number, keep = false, unchanged = false): ProcIo | undefined {
  const cache = keep ? taskCache.get(pid) : undefined;
  if (unchanged && cache?.io) return { ...cache.io };
  const n = readProcBytes(`/proc/${pid}/io`, keep);
  const io = n === undefined ? undefined : ioOfBytes(scratch, n);
  if (cache) cache.io = io;
  return io;
}

export function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** Map of parent pid → child pids, from one scan of /proc. */
export function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (!st) continue;
    const list = map.get(st.ppid);
    if (list) list.push(st.pid);
    else map.set(st.ppid, [st.pid]);
  }
  return map;
}

/** The pid and all its live descendants, root first. */
export function processTree(root: number, children: Map<number, number[]> = childrenMap()): number[] {
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

/**
 * Seconds since boot from /proc/uptime (the clock of a process's start time, /proc/<pid>/stat field
 * 22), so a reading can tell a process born after the previous reading from one it missed.
 */
export function readUptimeSeconds(): number | undefined {
  const text = readProcFile("/proc/uptime", true);
  if (text === undefined) return undefined;
  const v = Number(text.split(" ")[0]);
  return Number.isFinite(v) ? v : undefined;
}
