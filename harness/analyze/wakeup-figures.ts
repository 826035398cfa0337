/**
 * Wake-up figures: the counted (waker, wakee) pairs of the window, already resolved to measured
 * processes, into each process's wake-ups per second by source. Pure: tests feed it fixture counts.
 */
import type { WakeupFigures, WakeupSourceFigures } from "./result-types.js";
import { contextCause, VIA, viaName } from "../sample/wakeup-program.js";

/** One counted pair with both ends resolved. */
export interface ResolvedWake {
  /** the waker's process id (0: the idle task) and its thread's comm */
  wakerTgid: number;
  wakerComm: string;
  /** the measured process the waker belongs to, or null */
  wakerKey: string | null;
  /** the measured process woken */
  wakeeKey: string;
  /** context bits (wakeup-program CTX) */
  ctx: number;
  /** what the waker was doing (wakeup-program VIA) */
  via: number;
  count: number;
}

export interface WakeupInput {
  wakes: ResolvedWake[];
  /** seconds the counts cover */
  coveredS: number;
  /** the attributing program's and the harness's process ids: named as themselves */
  attributorPid: number;
  harnessPid: number;
  method: string;
  /** notes for every process (e.g. wake-ups whose wakee could not be resolved) */
  notes: string[];
}

/** sources shown per process; the rest are summed into one "other processes" entry */
const MAX_SOURCES = 16;

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

function sourceOf(w: ResolvedWake, input: WakeupInput): Omit<WakeupSourceFigures, "perS"> {
  const ctxCause = contextCause(w.ctx);
  // a network softirq runs in the task it interrupts: on loopback the sender, so it keeps the task's name
  if (ctxCause && ctxCause !== "network") return { from: "timer/interrupt", kind: "timer/interrupt", cause: ctxCause };
  if (w.wakerTgid === 0) return { from: "timer/interrupt", kind: "timer/interrupt", cause: ctxCause ?? "interrupt" };
  // interrupted in user mode: an interrupt whose context tracepoint the kernel did not run for us
  if (!ctxCause && w.via === VIA.userMode) return { from: "timer/interrupt", kind: "timer/interrupt", cause: "interrupt" };
  const cause = ctxCause ?? "peer";
  const via = viaName(w.via);
  const viaField = via ? { via } : {};
  if (w.wakerTgid === input.attributorPid) return { from: "bpftrace (the attributing program)", kind: "attributor", cause };
  if (w.wakerTgid === input.harnessPid) return { from: "harness", kind: "harness", cause };
  if (w.wakerKey === w.wakeeKey) return { from: w.wakeeKey, kind: "self", cause: ctxCause ?? "thread", ...viaField };
  if (w.wakerKey !== null) return { from: w.wakerKey, kind: "measured", cause, ...viaField };
  return { from: w.wakerComm, kind: "unmeasured", cause, ...viaField };
}

/** Each measured process's wake-ups (by key); a key with no wake-up counted gets a measured 0. */
export function wakeupFigures(keys: string[], input: WakeupInput): Map<string, WakeupFigures> {
  const out = new Map<string, WakeupFigures>();
  const covered = input.coveredS;
  for (const key of keys) {
    const by = new Map<string, WakeupSourceFigures & { n: number }>();
    let total = 0;
    for (const w of input.wakes) {
      if (w.wakeeKey !== key) continue;
      const s = sourceOf(w, input);
      const k = `${s.kind}\u0000${s.from}\u0000${s.cause}\u0000${s.via ?? ""}`;
      const e = by.get(k) ?? { ...s, perS: 0, n: 0 };
      e.n += w.count;
      by.set(k, e);
      total += w.count;
    }
    const sorted = [...by.values()].sort((a, b) => b.n - a.n);
    const shown = sorted.slice(0, MAX_SOURCES).map(({ n, ...s }) => ({ ...s, perS: round(n / covered) }));
    const rest = sorted.slice(MAX_SOURCES).reduce((a, e) => a + e.n, 0);
    if (rest > 0) shown.push({ from: `${sorted.length - MAX_SOURCES} other sources`, kind: "unmeasured", cause: "peer", perS: round(rest / covered) });
    out.set(key, { method: input.method, totalPerS: covered > 0 ? round(total / covered) : null, by: shown, coveredS: round(covered, 3), notes: [...input.notes] });
  }
  return out;
}

/** The figures of a process whose wake-ups could not be counted: null, with the reason. */
export function uncountedWakeups(why: string): WakeupFigures {
  return { method: null, totalPerS: null, by: [], coveredS: 0, notes: [why] };
}

/** One waker→wakee pair of a run, for the report's table and comparisons. */
export interface WakePair {
  from: string;
  to: string;
  kind: WakeupSourceFigures["kind"];
  cause: WakeupSourceFigures["cause"];
  via?: WakeupSourceFigures["via"];
  perS: number;
}

/** Every (waker, woken, cause, syscall) entry of a run's processes, the busiest first. */
export function wakePairs(processes: { name: string; wakeups?: WakeupFigures }[]): WakePair[] {
  const out: WakePair[] = [];
  for (const p of processes) {
    if (!p.wakeups?.method) continue;
    for (const s of p.wakeups.by) out.push({ from: s.from, to: p.name, kind: s.kind, cause: s.cause, ...(s.via ? { via: s.via } : {}), perS: s.perS });
  }
  return out.sort((a, b) => b.perS - a.perS);
}

/**
 * Exchanges per second between measured processes `a` and `b` as the scheduler saw them, at least:
 * the largest of the wake-ups each gave the other while sending, or while receiving (each happens at
 * most once per exchange; a busy side is seldom asleep, so the smaller ones undercount). Without the
 * waker's syscall (not x86_64): the wake-ups `a` received from `b`. Null when either was not counted;
 * 0 unless both woke the other (a conversation, not a one-way stream).
 */
export function pairExchanges(a: { name: string; wakeups?: WakeupFigures }, b: { name: string; wakeups?: WakeupFigures }): number | null {
  if (!a.wakeups?.method || !b.wakeups?.method) return null;
  const sum = (to: WakeupFigures, from: string, via?: string): number => to.by.filter((s) => s.kind === "measured" && s.from === from && (via === undefined || s.via === via)).reduce((x, s) => x + s.perS, 0);
  const aFromB = sum(a.wakeups, b.name);
  const bFromA = sum(b.wakeups, a.name);
  if (aFromB <= 0 || bFromA <= 0) return 0;
  const known = [...a.wakeups.by, ...b.wakeups.by].some((s) => s.via !== undefined);
  if (!known) return aFromB;
  return Math.max(sum(a.wakeups, b.name, "send"), sum(a.wakeups, b.name, "receive"), sum(b.wakeups, a.name, "send"), sum(b.wakeups, a.name, "receive"));
}

/** Wake-ups per second `to` received from `from` (any cause); null when `to`'s wake-ups were not counted. */
export function wakesFrom(to: { wakeups?: WakeupFigures } | undefined, from: string): number | null {
  if (!to?.wakeups?.method) return null;
  return to.wakeups.by.filter((s) => s.from === from && (s.kind === "measured" || s.kind === "self")).reduce((a, s) => a + s.perS, 0);
}

/** Share of `to`'s wake-ups from timers and interrupts (0–1); null when not counted or none counted. */
export function timerShare(w: WakeupFigures | undefined): number | null {
  if (!w?.method || !w.totalPerS) return null;
  return w.by.filter((s) => s.kind === "timer/interrupt").reduce((a, s) => a + s.perS, 0) / w.totalPerS;
}
