/** The "Profile: syscalls by type" section of report.md: one table per process. Pure. */
import type { SyscallProfile } from "../analyze/result-types.js";
import { cell, code } from "../report/escape.js";
import { num, table } from "../report/format.js";
import type { ProfileArtifact } from "./types.js";

/** rows shown per process; the rest are summed into one "other" row */
const TOP = 15;

export function renderSyscallTable(name: string, p: SyscallProfile): string {
  const out: string[] = [`### ${cell(name)}`];
  const span = p.tracedS !== null ? `${p.tracedS.toFixed(1)} s traced, ${p.span}` : p.span;
  out.push(`${p.totalCalls.toLocaleString("en-US")} syscalls from ${code(p.source)} over ${p.threads} thread${p.threads === 1 ? "" : "s"} of the process tree (${cell(span)}).`);
  for (const n of p.notes) out.push(`> ${cell(n)}`);
  if (p.syscalls.length === 0) return out.join("\n\n");
  const shown = p.syscalls.slice(0, TOP);
  const rest = p.syscalls.slice(TOP);
  const rows = shown.map((s) => [code(s.name), num(s.perS), s.calls.toLocaleString("en-US"), s.errors ? s.errors.toLocaleString("en-US") : ""]);
  if (rest.length) {
    const calls = rest.reduce((a, s) => a + s.calls, 0);
    const errors = rest.reduce((a, s) => a + s.errors, 0);
    const perS = p.tracedS ? calls / p.tracedS : null;
    rows.push([`${rest.length} other types`, num(perS), calls.toLocaleString("en-US"), errors ? errors.toLocaleString("en-US") : ""]);
  }
  rows.push(["**Total**", `**${num(p.totalPerS)}**`, `**${p.totalCalls.toLocaleString("en-US")}**`, ""]);
  out.push(table(["Syscall", "Calls/s", "Calls", "Failed"], rows, ["l", "r", "r", "r"]));
  return out.join("\n\n");
}

export function renderSyscallSection(label: string, artifacts: ProfileArtifact[], notes: string[] = []): string {
  const out: string[] = [`## Profile: ${cell(label)}`];
  out.push(
    "_This run was profiled: a syscall tracer slows every syscall of the processes it traces, so these CPU figures and rates must not be compared with an unprofiled run's. The tables count every syscall by type (`processes[].syscallProfile` in result.json); the process table's read/write calls/s count only the read and write families, from `/proc/<pid>/io`._",
  );
  for (const n of notes) out.push(`> ${cell(n)}`);
  for (const a of artifacts) {
    if (a.syscallProfile) out.push(renderSyscallTable(a.process, a.syscallProfile));
    for (const p of a.problems) out.push(`> ${cell(p)}`);
  }
  if (artifacts.length === 0) out.push("No process of this run could be traced.");
  return out.join("\n\n");
}
