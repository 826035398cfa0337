/**
 * A cgroup per process tree the harness starts, so the tree's CPU comes from the kernel's own
 * accounting (every thread and descendant, orphans included, to the microsecond) instead of a walk of
 * /proc. Detected at run time: cgroup v2 (cpu.stat usage_usec, present in every v2 cgroup without any
 * controller enabled) where the harness can create a child of its own cgroup (root, or a delegated
 * subtree), else cgroup v1 cpuacct (cpuacct.usage, ns). HARNESS_CGROUP=v2|v1|off forces a choice.
 *
 * `harness attach` never uses this: it reads only /proc and never moves a process.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readProcFile } from "./proc.js";

export type CgroupKind = "v1" | "v2";

export interface CgroupSupport {
  kind: CgroupKind;
  /** the harness's own cgroup folder in that hierarchy: run folders are made inside it */
  parent: string;
}

interface Mount {
  root: string;
  point: string;
  type: string;
  superOptions: string[];
}

function mounts(): Mount[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const f = left.split(" ");
    const r = right.split(" ");
    out.push({ root: unescapeMount(f[3] ?? ""), point: unescapeMount(f[4] ?? ""), type: r[0] ?? "", superOptions: (r[2] ?? "").split(",") });
  }
  return out;
}

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** This process's cgroup paths: "v2" for the unified line (0::), else each v1 controller. */
function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return out;
  }
  for (const line of text.trim().split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "0" && m[2] === "") out.set("v2", m[3] as string);
    else for (const c of (m[2] as string).split(",")) out.set(c, m[3] as string);
  }
  return out;
}

function folderOf(mount: Mount, path: string): string {
  const rel = mount.root !== "/" && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return join(mount.point, rel);
}

/** The cgroup source this machine offers the harness, or why there is none. */
export function detectCgroups(env: NodeJS.ProcessEnv = process.env): CgroupSupport | { kind: null; reason: string } {
  const wanted = (env.HARNESS_CGROUP ?? "auto").toLowerCase();
  if (wanted === "off") return { kind: null, reason: "turned off by HARNESS_CGROUP=off" };
  const own = ownCgroups();
  const all = mounts();
  const reasons: string[] = [];
  if (wanted === "auto" || wanted === "v2") {
    const m = all.find((x) => x.type === "cgroup2");
    const path = own.get("v2");
    if (!m || path === undefined) reasons.push("no cgroup v2 mount");
    else {
      const dir = folderOf(m, path);
      if (usageOf("v2", dir) === undefined) reasons.push(`cgroup v2: ${dir}/cpu.stat has no usage_usec`);
      else if (canCreateIn(dir)) return { kind: "v2", parent: dir };
      else reasons.push(`cgroup v2: cannot create a cgroup in ${dir} (needs root or a delegated subtree)`);
    }
  }
  if (wanted === "auto" || wanted === "v1") {
    const m = all.find((x) => x.type === "cgroup" && x.superOptions.includes("cpuacct"));
    const path = own.get("cpuacct");
    if (!m || path === undefined) reasons.push("no cgroup v1 cpuacct mount");
    else {
      const dir = folderOf(m, path);
      if (canCreateIn(dir)) return { kind: "v1", parent: dir };
      reasons.push(`cgroup v1: cannot create a cgroup in ${dir} (needs root)`);
    }
  }
  return { kind: null, reason: reasons.join("; ") || `HARNESS_CGROUP=${wanted} is not one of auto, v2, v1, off` };
}

function canCreateIn(dir: string): boolean {
  const probe = join(dir, `idle-cpu-harness-probe-${process.pid}`);
  try {
    mkdirSync(probe);
  } catch {
    return false;
  }
  try {
    rmdirSync(probe);
  } catch {
    // an empty cgroup we just made: removable; if not, leave it (it holds nothing)
  }
  return true;
}

/** CPU the cgroup used, microseconds (its own and every descendant cgroup's); undefined when unreadable. */
export function usageOf(kind: CgroupKind, dir: string, keep = false): number | undefined {
  if (kind === "v2") {
    const text = readProcFile(join(dir, "cpu.stat"), keep);
    const m = text === undefined ? null : /^usage_usec (\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  }
  const text = readProcFile(join(dir, "cpuacct.usage"), keep);
  const ns = text === undefined ? Number.NaN : Number(text.trim());
  return Number.isFinite(ns) ? ns / 1000 : undefined;
}

/** The pids in a cgroup (cgroup.procs), empty when unreadable. */
export function pidsIn(dir: string): number[] {
  const text = readProcFile(join(dir, "cgroup.procs"));
  return text === undefined ? [] : text.split("\n").filter((l) => l.trim()).map(Number);
}

/** One started process tree's cgroup. */
export class ProcessCgroup {
  constructor(
    readonly kind: CgroupKind,
    readonly dir: string,
  ) {}

  /** Move a process (all its threads) in; children it forks afterwards are born inside. */
  move(pid: number): boolean {
    try {
      writeFileSync(join(this.dir, "cgroup.procs"), `${pid}\n`);
      return true;
    } catch {
      return false; // gone already, or not ours to move
    }
  }

  usageUsec(): number | undefined {
    return usageOf(this.kind, this.dir, true);
  }

  get source(): "cgroup-v1-cpuacct" | "cgroup-v2" {
    return this.kind === "v1" ? "cgroup-v1-cpuacct" : "cgroup-v2";
  }
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Remove cgroup folders, deepest first; returns the ones that could not be removed (still holding processes). */
export async function removeCgroups(dirs: string[], waitMs = 2000): Promise<string[]> {
  const ordered = [...dirs].sort((a, b) => b.length - a.length);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = ordered.filter((d) => !tryRemove(d));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleepMs(50); // processes just killed leave their cgroup when they are reaped
    ordered.splice(0, ordered.length, ...left);
  }
}

/** rmdir one cgroup folder: true when it is gone (or never existed). Only folders named by the harness. */
export function tryRemove(dir: string): boolean {
  if (!dir.includes("/idle-cpu-harness-")) return false; // never touch a cgroup the harness did not name
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * The cgroups of one run: a folder `idle-cpu-harness-<pid>-<n>` in the harness's own cgroup, one
 * child per started process tree. `onCreated` hears of every folder before anything moves into it
 * (the run record writes it down, so `harness clean` can remove it after a killed harness).
 */
export class RunCgroups {
  private readonly runDir: string;
  private readonly made: string[] = [];
  private static counter = 0;

  constructor(
    private readonly support: CgroupSupport,
    private readonly onCreated: (dir: string) => void = () => {},
  ) {
    this.runDir = join(support.parent, `idle-cpu-harness-${process.pid}-${RunCgroups.counter++}`);
  }

  get kind(): CgroupKind {
    return this.support.kind;
  }

  /** A new cgroup for the tree named `name`, or undefined when it cannot be made. */
  create(name: string): ProcessCgroup | undefined {
    try {
      if (this.made.length === 0) {
        this.onCreated(this.runDir);
        mkdirSync(this.runDir);
        this.made.push(this.runDir);
      }
      const dir = join(this.runDir, `tree-${name.replace(/[^A-Za-z0-9._-]/g, "_")}`);
      this.onCreated(dir);
      mkdirSync(dir);
      this.made.push(dir);
      return new ProcessCgroup(this.support.kind, dir);
    } catch {
      return undefined;
    }
  }

  /** Remove every folder made; returns those still holding processes after `waitMs`. */
  remove(waitMs = 2000): Promise<string[]> {
    return removeCgroups(this.made, waitMs);
  }
}
