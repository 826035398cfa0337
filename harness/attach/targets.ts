/**
 * The processes `harness attach` measures: pids that are already running, which the harness did
 * not start. Each is identified by pid and start time, read only, and never signalled.
 */
import { UsageError } from "../util/errors.js";
import { readCmdline, readStat } from "../sample/proc.js";
import type { MeasuredProcess } from "../sample/tree-snapshot.js";
import type { Role } from "../analyze/result-types.js";

export interface AttachTarget {
  name: string;
  role: Role;
  target: MeasuredProcess;
  command: string[];
}

const ROLES: readonly Role[] = ["server", "worker"];

function parsePid(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${what}: expected a process id (a positive whole number), got "${text}"`);
  return Number(text);
}

/** Split `--name 123=api` style values into pid → value, checking every pid is one of `pids`. */
function pidMap(values: string[], option: string, pids: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`${option} expects <pid>=<value>, got "${v}"`);
    const pid = parsePid(v.slice(0, eq), option);
    if (!pids.includes(pid)) throw new UsageError(`${option} ${v}: pid ${pid} is not one of the --pid values`);
    out.set(pid, v.slice(eq + 1));
  }
  return out;
}

/** Validate the options and identify every pid; a pid that is not running is a usage error (exit 2). */
export function resolveTargets(pidArgs: string[], nameArgs: string[], roleArgs: string[]): AttachTarget[] {
  if (pidArgs.length === 0) throw new UsageError("attach needs at least one --pid <pid>");
  const pids = pidArgs.map((p) => parsePid(p, "--pid"));
  const dup = pids.find((p, i) => pids.indexOf(p) !== i);
  if (dup !== undefined) throw new UsageError(`--pid ${dup} is given twice`);
  if (pids.includes(process.pid)) throw new UsageError(`--pid ${process.pid} is the harness itself`);
  const names = pidMap(nameArgs, "--name", pids);
  const roles = pidMap(roleArgs, "--role", pids);
  for (const [pid, role] of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role ${pid}=${role}: expected server or worker`);
  }
  const missing = pids.filter((pid) => {
    const st = readStat(pid);
    return !st || st.state === "Z";
  });
  if (missing.length) throw new UsageError(`no running process with pid ${missing.join(", ")}`);
  const out: AttachTarget[] = [];
  const used = new Set<string>();
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st) throw new UsageError(`no running process with pid ${pid}`);
    const name = names.get(pid) ?? `${st.comm}-${pid}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`--name ${pid}=${name}: expected letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
    if (used.has(name)) throw new UsageError(`--name: the name "${name}" is used twice`);
    used.add(name);
    const cmd = readCmdline(pid);
    out.push({ name, role: (roles.get(pid) as Role | undefined) ?? "worker", target: { pid, startTicks: st.startTicks }, command: cmd.length ? cmd : [`[${st.comm}]`] });
  }
  return out;
}
