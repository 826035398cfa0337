/**
 * Reads what a syscall tracer printed at the end of a traced process: the summary of `perf trace -s`
 * (one table per thread) or of `strace -c -f` (one table for the whole tree), and sums it into calls
 * by syscall for the process tree. Pure, so tests can feed it fixture text.
 */
import type { SyscallProfile } from "../analyze/result-types.js";

export interface SyscallCounts {
  /** calls and failed calls by syscall name */
  bySyscall: Map<string, { calls: number; errors: number }>;
  /** thread sections seen (perf trace), or 1 for strace's single table; 0 when nothing was parsed */
  threads: number;
}

function add(out: SyscallCounts, name: string, calls: number, errors: number): void {
  const a = out.bySyscall.get(name) ?? { calls: 0, errors: 0 };
  a.calls += calls;
  a.errors += errors;
  out.bySyscall.set(name, a);
}

/**
 * `perf trace -s`: per thread, ` comm (tid), N events, P%` then rows
 * `name calls errors total(ms) min avg max stddev%` (perf before 5.x has no errors column).
 */
export function parsePerfTraceSummary(text: string): SyscallCounts {
  const out: SyscallCounts = { bySyscall: new Map(), threads: 0 };
  let inThread = false;
  for (const line of text.split("\n")) {
    if (/^\s*\S.*\(\d+\), \d+ events/.test(line)) {
      out.threads++;
      inThread = true;
      continue;
    }
    if (!inThread) continue;
    const t = line.trim().split(/\s+/);
    if (t.length < 7 || !/^[a-z_][a-z0-9_]*$/.test(t[0] ?? "") || !/^\d+$/.test(t[1] ?? "")) continue;
    const errors = t.length >= 8 && /^\d+$/.test(t[2] ?? "") ? Number(t[2]) : 0;
    add(out, t[0] as string, Number(t[1]), errors);
  }
  return out;
}

/** `strace -c -f`: `% time  seconds  usecs/call  calls  errors  syscall` rows (errors may be blank), then a total row. */
export function parseStraceSummary(text: string): SyscallCounts {
  const out: SyscallCounts = { bySyscall: new Map(), threads: 0 };
  for (const line of text.split("\n")) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_][a-z0-9_]*)\s*$/.exec(line);
    if (!m || m[3] === "total") continue;
    out.threads = 1;
    add(out, m[3] as string, Number(m[1]), Number(m[2] ?? 0));
  }
  return out;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Counts to the result's figures: rates over tracedS (null rates when the span is unknown). */
export function syscallProfileOf(counts: SyscallCounts, source: string, tracedS: number | null, span: string, notes: string[] = []): SyscallProfile {
  const perS = (n: number): number | null => (tracedS !== null && tracedS > 0 ? round1(n / tracedS) : null);
  const syscalls = [...counts.bySyscall.entries()]
    .map(([name, c]) => ({ name, calls: c.calls, errors: c.errors, perS: perS(c.calls) }))
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  const totalCalls = syscalls.reduce((s, x) => s + x.calls, 0);
  return { source, tracedS: tracedS !== null ? round1(tracedS * 10) / 10 : null, span, syscalls, totalCalls, totalPerS: perS(totalCalls), threads: counts.threads, notes };
}
