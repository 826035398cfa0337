/**
 * The run record: while a run lives, a file in the state folder names every process group it
 * started (pid, start time, pgid). A clean end removes it. When the harness itself is killed
 * (SIGKILL, OOM, a crashed machine session), the record stays behind, so the next `harness run`
 * finds the orphans of the dead run and `harness clean` stops them.
 *
 * A process is "ours" only when its pid AND its start time (clock ticks after boot, from
 * /proc/<pid>/stat) match the record: a pid reused by another program is never signalled.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { readStat } from "../sample/proc.js";
import { removeCgroups, tryRemove } from "../sample/cgroup.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { isClusterDir } from "./postgres-cluster.js";

export interface RecordedProcess {
  name: string;
  role: string;
  pid: number;
  /** start time of the pid in clock ticks after boot: with the pid, its identity */
  startTicks: number;
  /** the process group it leads (the harness starts every process as a group leader) */
  pgid: number;
  /** the signal that asks it to stop, when not SIGTERM (Postgres: SIGINT, a fast shutdown) */
  stopSignal?: string;
}

export interface RunRecordFile {
  version: 1;
  harness: { pid: number; startTicks: number; command: string };
  startedAt: string;
  scenario: string;
  outDir: string;
  processes: RecordedProcess[];
  /** cgroup folders the run made (harness/sample/cgroup.ts), removed by the run or by `harness clean` */
  cgroups?: string[];
  /** throw-away folders (a Postgres cluster) removed by the run or, after its processes stopped, by `harness clean` */
  dirs?: string[];
}

/** Where run records live: $HARNESS_STATE_DIR, else $XDG_STATE_HOME/idle-cpu-harness, else ~/.local/state/idle-cpu-harness. */
export function stateDir(): string {
  if (process.env.HARNESS_STATE_DIR) return process.env.HARNESS_STATE_DIR;
  const base = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "idle-cpu-harness");
}

export function activeDir(base = stateDir()): string {
  return join(base, "active");
}

/** A record that cannot be removed (a read-only state folder) must not fail a run or a clean. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // left behind: the next run sees a dead run with nothing alive and tries again
  }
}

/** True when `pid` is running and started at `startTicks` (so it is the process we recorded). */
export function isSameProcess(pid: number, startTicks: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || startTicks < 0) return false;
  const st = readStat(pid);
  return st !== undefined && st.startTicks === startTicks && st.state !== "Z";
}

/** The record of the run in progress; every method is synchronous so a dying process can still call it. */
export class RunRecord {
  readonly file: string;
  private readonly data: RunRecordFile;
  private removed = false;

  constructor(info: { scenario: string; outDir: string; command: string }, dir = activeDir()) {
    const self = readStat(process.pid);
    this.data = {
      version: 1,
      harness: { pid: process.pid, startTicks: self?.startTicks ?? -1, command: info.command },
      startedAt: new Date().toISOString(),
      scenario: info.scenario,
      outDir: info.outDir,
      processes: [],
    };
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${process.pid}-${this.data.harness.startTicks}.json`);
    this.write();
  }

  /** Record a started process group leader (written at once, before the next process starts). */
  add(p: { name: string; role: string; pid: number; startTicks: number; stopSignal?: string }): void {
    if (this.removed || p.startTicks < 0) return;
    this.data.processes.push({ name: p.name, role: p.role, pid: p.pid, startTicks: p.startTicks, pgid: p.pid, ...(p.stopSignal ? { stopSignal: p.stopSignal } : {}) });
    try {
      this.write();
    } catch {
      // a full disk mid-run costs the orphan check of this process, not the run
    }
  }

  /** Record a cgroup folder before it is made (written at once). */
  addCgroup(dir: string): void {
    if (this.removed) return;
    (this.data.cgroups ??= []).push(dir);
    try {
      this.write();
    } catch {
      // as in add(): the cleanup of this folder after a killed harness is lost, not the run
    }
  }

  /** Record a throw-away folder right after it is made (written at once). */
  addDir(dir: string): void {
    if (this.removed) return;
    (this.data.dirs ??= []).push(dir);
    try {
      this.write();
    } catch {
      // as in add(): the cleanup of this folder after a killed harness is lost, not the run
    }
  }

  /** The run ended and its processes are stopped: forget it. */
  remove(): void {
    this.removed = true;
    removeQuietly(this.file);
  }

  private write(): void {
    writeFileAtomic(this.file, JSON.stringify(this.data, null, 2) + "\n");
  }
}

export interface LiveOrphan extends RecordedProcess {
  /** live pids of its process group (the leader, if alive, and any descendants left in the group) */
  members: number[];
}

export interface DeadRun {
  file: string;
  record: RunRecordFile;
  orphans: LiveOrphan[];
  /** cgroup folders of the run that could not be removed yet (they still hold processes) */
  cgroups: string[];
  /** throw-away folders of the run still on disk (removed once its processes are gone) */
  dirs: string[];
}

function readRecord(file: string): RunRecordFile | undefined {
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as Partial<RunRecordFile>;
    if (r.version !== 1 || !r.harness || !Array.isArray(r.processes)) return undefined;
    return r as RunRecordFile;
  } catch {
    return undefined;
  }
}

/**
 * Live members of a recorded process group. When a process now holds the leader's pid with another
 * start time, the pid was reused: the old group is gone (Linux never reuses a pid that is still some
 * group's id), so nothing in it is ours. Members must have started no earlier than the leader.
 */
export function liveGroupMembers(p: RecordedProcess, procStats: Map<number, { pgrp: number; startTicks: number; state: string }>): number[] {
  const leader = procStats.get(p.pgid);
  if (leader && leader.startTicks !== p.startTicks) return [];
  const out: number[] = [];
  for (const [pid, st] of procStats) {
    if (st.pgrp === p.pgid && st.startTicks >= p.startTicks && st.state !== "Z") out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

function scanProc(): Map<number, { pgrp: number; startTicks: number; state: string }> {
  const out = new Map<number, { pgrp: number; startTicks: number; state: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (st) out.set(st.pid, { pgrp: st.pgrp, startTicks: st.startTicks, state: st.state });
  }
  return out;
}

/**
 * Records left by harness runs that are no longer alive, with what they left running. Records of a
 * dead run with nothing left are deleted on the way (unless `keepEmpty`); live runs are not touched.
 */
export function findDeadRuns(dir = activeDir(), keepEmpty = false): DeadRun[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const stats = scanProc();
  const out: DeadRun[] = [];
  for (const f of files.sort()) {
    const file = join(dir, f);
    const record = readRecord(file);
    if (!record) continue;
    if (isSameProcess(record.harness.pid, record.harness.startTicks)) continue; // that run is still going
    const orphans: LiveOrphan[] = [];
    for (const p of record.processes) {
      const members = liveGroupMembers(p, stats);
      if (members.length) orphans.push({ ...p, members });
    }
    // with nothing left running, the run's empty cgroups can go (tryRemove touches only harness-named folders)
    const cgroups = orphans.length === 0 ? (record.cgroups ?? []).filter((d) => !tryRemoveDeepestFirst(d, record.cgroups ?? [])) : (record.cgroups ?? []);
    const dirs = orphans.length === 0 ? removeDirs(record.dirs ?? []) : (record.dirs ?? []).filter((d) => isClusterDir(d) && existsSync(d));
    if (orphans.length === 0 && cgroups.length === 0 && dirs.length === 0 && !keepEmpty) {
      removeQuietly(file);
      continue;
    }
    out.push({ file, record, orphans, cgroups, dirs });
  }
  return out;
}

/** One paragraph naming the orphans of dead runs, for `harness run` to print before it starts. */
export function describeDeadRuns(runs: DeadRun[]): string {
  const lines: string[] = [];
  for (const r of runs) {
    if (r.orphans.length === 0) continue;
    const who = r.orphans.map((o) => `${o.role} "${o.name}" (pid ${o.pid}${o.members.length > 1 || o.members[0] !== o.pid ? `, group ${o.pgid}: ${o.members.join(" ")}` : ""})`).join(", ");
    lines.push(`a harness run that died (pid ${r.record.harness.pid}, scenario ${r.record.scenario}, started ${r.record.startedAt}) left ${r.orphans.length} process group(s) running: ${who}`);
  }
  if (lines.length) lines.push("run `harness clean` to stop them (only processes whose pid and start time match the record are signalled)");
  return lines.join("\n");
}

export interface CleanOutcome {
  /** throw-away folders that could not be removed */
  leftDirs: string[];
  stopped: LiveOrphan[];
  /** still alive after SIGKILL (should not happen) */
  survivors: LiveOrphan[];
  /** cgroup folders still holding processes (that left the recorded process groups), with their pids */
  leftCgroups: string[];
}

/** Remove a run's throw-away folders (only those named as ours); returns the ones still there. */
function removeDirs(dirs: string[]): string[] {
  for (const d of dirs) {
    if (!isClusterDir(d)) continue;
    try {
      rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // reported as left below
    }
  }
  // a folder not named as ours is never touched, nor kept waiting for
  return dirs.filter((d) => isClusterDir(d) && existsSync(d));
}

/** rmdir one of a run's cgroup folders after its sub-folders (listed in the same record). */
function tryRemoveDeepestFirst(dir: string, all: string[]): boolean {
  for (const sub of all.filter((d) => d.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)) tryRemove(sub);
  return tryRemove(dir);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Stop the orphans of dead runs: SIGTERM to each recorded group, SIGKILL after `graceMs`, re-checking
 * identity (pid + start time) before every signal. Records are removed once nothing of them is left.
 */
export async function cleanDeadRuns(runs: DeadRun[], graceMs = 3000): Promise<CleanOutcome> {
  const targets = runs.flatMap((r) => r.orphans);
  const stillOurs = (): LiveOrphan[] => {
    const stats = scanProc();
    return targets.filter((o) => liveGroupMembers(o, stats).length > 0);
  };
  const signal = (list: LiveOrphan[], sig: NodeJS.Signals): void => {
    for (const o of list) {
      try {
        process.kill(-o.pgid, sig);
      } catch {
        // the group ended meanwhile
      }
    }
  };
  for (const o of stillOurs()) signal([o], (o.stopSignal as NodeJS.Signals | undefined) ?? "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && stillOurs().length > 0) await sleep(50);
  const stubborn = stillOurs();
  if (stubborn.length) signal(stubborn, "SIGKILL");
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && stillOurs().length > 0) await sleep(20);
  const survivors = stillOurs();
  const leftCgroups: string[] = [];
  const leftDirs: string[] = [];
  for (const r of runs) {
    if (r.orphans.some((o) => survivors.includes(o))) continue;
    const left = await removeCgroups(r.record.cgroups ?? []);
    leftCgroups.push(...left);
    const dirs = removeDirs(r.record.dirs ?? []);
    leftDirs.push(...dirs);
    if (left.length === 0 && dirs.length === 0) removeQuietly(r.file);
  }
  return { leftDirs, stopped: targets.filter((o) => !survivors.includes(o)), survivors, leftCgroups };
}

/** Open the record of a new run; a state folder that cannot be written costs the orphan check, not the run. */
export function openRunRecord(info: { scenario: string; outDir: string; command: string }, warn: (message: string) => void): RunRecord | undefined {
  try {
    return new RunRecord(info);
  } catch (err) {
    warn(`cannot write the run record in ${activeDir()} (${(err as Error).message}): if this harness is killed, \`harness clean\` will not know its processes`);
    return undefined;
  }
}

/** The record of a harness run still alive (not this process) that writes into `outDir`, if any. */
export function liveRunUsing(outDir: string, dir = activeDir()): RunRecordFile | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return undefined;
  }
  for (const f of files) {
    const record = readRecord(join(dir, f));
    if (!record || record.outDir !== outDir || record.harness.pid === process.pid) continue;
    if (isSameProcess(record.harness.pid, record.harness.startTicks)) return record;
  }
  return undefined;
}
