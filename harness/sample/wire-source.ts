/**
 * The wire source of a run or an attach: at the window's start and end, every TCP socket of every
 * measured tree (ss + /proc/<pid>/fd), and over the window the trees' syscalls by type (perf).
 * `harness run` and `harness attach` call start() at the window's first reading, end() at its last,
 * stop() in their finally, and figures() for each process: the whole wiring is those four calls.
 * It reads the kernel only; ss and perf are our own children, the measured processes are never signalled.
 */
import type { Sampler } from "./sampler.js";
import { childrenMap, processTree } from "./proc.js";
import { readWire, SS_SOURCE, type TcpSocket, type WireReading } from "./wire.js";
import { classifySockets, readSocketInodes, readUnixSockets } from "./sockets.js";
import { PERF_SOURCE, SyscallCounter, type SyscallCounts } from "./syscall-counter.js";
import { syscallTypeFigures, wireFigures, type ConnectionCounts, type TreeWireReading, type WireInput } from "../analyze/wire-figures.js";
import type { ProcessResult } from "../analyze/result-types.js";

interface Mark {
  wire: WireReading;
  trees: Map<string, TreeWireReading>;
  /** read+write syscalls from /proc per tree at this mark (to tell a perf that counts nothing from a quiet tree) */
  procSyscalls: Map<string, number>;
}

/** perf seconds beyond the window before it ends by itself (a SIGKILLed harness cannot stop it) */
const PERF_MARGIN_S = 30;

export class WireSource {
  private startMark?: Mark;
  private endMark?: Mark;
  private readonly counter = new SyscallCounter();
  private counts?: SyscallCounts;

  constructor(private readonly sampler: Sampler) {}

  /** At the window's first reading: read the sockets, then start counting syscalls (perf takes ~50-150 ms to attach). */
  async start(windowS: number): Promise<void> {
    this.startMark = await this.mark();
    // perf is killed by its own exit hook if the harness exits first (tracer-child.ts)
    await this.counter.start(this.trees(), windowS + PERF_MARGIN_S);
  }

  /** At the window's last reading: read the sockets, then end the counting (its counts are collected by stop()). */
  async end(): Promise<void> {
    this.endMark = await this.mark();
    this.counter.interrupt();
  }

  /** Stop perf if it still runs (call in finally). */
  async stop(): Promise<void> {
    this.counts ??= await this.counter.stop();
  }

  /** The wire and syscall figures of one measured process; {} when the window never started. */
  figures(key: string): Pick<ProcessResult, "wire" | "syscallsByType"> {
    if (!this.startMark) return {};
    const inputs = [...this.sampler.tracks.keys()].map((k) => this.input(k));
    const self = inputs.find((i) => i.name === key);
    if (!self) return {};
    const counted = this.countsOf(key);
    return {
      wire: wireFigures(self, inputs, counted, `${SS_SOURCE}; connects and accepts: ${PERF_SOURCE}`),
      syscallsByType: syscallTypeFigures(counted, PERF_SOURCE),
    };
  }

  private input(key: string): WireInput {
    const start = this.startMark?.trees.get(key) ?? null;
    const end = this.endMark?.trees.get(key) ?? null;
    const problem =
      this.startMark?.wire.problem ??
      this.endMark?.wire.problem ??
      (!this.endMark ? "the window ended before its last reading: the TCP counters were read at its start only" : !start ? "the process was not running at the window's start" : !end ? "the process was not running at the window's end: its connections could not be read" : undefined);
    return { name: key, start, end, problem };
  }

  private countsOf(key: string): ConnectionCounts {
    const c = this.counts;
    if (!c?.byKey) return { counts: null, coveredS: 0, problem: c?.problem ?? "syscalls were not counted" };
    // An older kernel counted nothing with -p while the process ran: all zero for every tree while
    // /proc saw read/write calls means perf's counts cannot be trusted.
    const perfTotal = [...c.byKey.values()].reduce((a, m) => a + [...m.values()].reduce((x, y) => x + y, 0), 0);
    let procTotal = 0;
    for (const [k, n] of this.endMark?.procSyscalls ?? []) procTotal += n - (this.startMark?.procSyscalls.get(k) ?? n);
    if (perfTotal === 0 && procTotal >= 20) {
      return { counts: null, coveredS: 0, problem: `perf counted no syscall of the measured processes while /proc saw ${procTotal} read/write calls: this kernel's perf does not count attached (-p) processes` };
    }
    return { counts: c.byKey.get(key) ?? null, coveredS: c.coveredS, problem: c.byKey.has(key) ? undefined : "the process was not running when counting started", note: c.note };
  }

  /**
   * Each live tree's pids now: the sampler's last reading plus any descendant started since (a
   * shell loop's short-lived curl holds the connection the readings must see).
   */
  private trees(): Map<string, number[]> {
    const children = childrenMap();
    const out = new Map<string, number[]>();
    for (const [key, track] of this.sampler.tracks) {
      const snap = track.readings.at(-1)?.snap;
      if (snap?.alive) out.set(key, [...new Set([...snap.members.map((m) => m.pid), ...processTree(track.target.pid, children)])]);
    }
    return out;
  }

  private async mark(): Promise<Mark> {
    const wire = await readWire();
    const byInode = new Map<number, TcpSocket>();
    for (const s of wire.sockets ?? []) if (s.inode > 0) byInode.set(s.inode, s);
    const unix = readUnixSockets();
    const readings = new Map<string, TreeWireReading>();
    const procSyscalls = new Map<string, number>();
    const trees = wire.sockets ? this.trees() : new Map<string, number[]>();
    for (const [key, track] of this.sampler.tracks) {
      const last = track.readings.at(-1);
      if (!last?.snap.alive) continue;
      procSyscalls.set(key, last.totals.syscr + last.totals.syscw);
      const pids = trees.get(key);
      if (!pids) continue;
      const held = readSocketInodes(pids);
      const c = classifySockets(held, byInode, unix);
      const notes = [...held.notes];
      if (!unix) notes.push("/proc/net/unix could not be read: unix-domain sockets are counted as other sockets");
      readings.set(key, { at: wire.at, tookMs: Math.round(wire.tookMs), tcp: c.tcp, listening: c.listening, unix: c.unix, unixListening: c.unixListening, other: c.other, notes });
    }
    return { wire, trees: readings, procSyscalls };
  }
}
