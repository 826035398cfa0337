/** report.md's "Who wakes whom" section: each measured process's wake-ups by waker, the busiest pairs first. Pure. */
import type { RunResult } from "../analyze/result-types.js";
import { wakePairs } from "../analyze/wakeup-figures.js";
import { cell } from "./escape.js";
import { num, table } from "./format.js";

/** pairs shown; the rest stay in result.json */
const MAX_ROWS = 24;

const rate = (x: number | null | undefined): string => (x !== null && x !== undefined && x >= 100 ? Math.round(x).toLocaleString("en-US") : num(x, 1));

const CAUSE_WORDS: Record<string, string> = {
  peer: "a task of that process (socket, pipe, signal)",
  thread: "its own threads (futex, pipe)",
  timer: "a timer",
  interrupt: "a hardware interrupt",
  softirq: "a softirq",
  network: "network softirq in that task (loopback: the sender)",
};

const VIA_WORDS: Record<string, string> = {
  send: ", while sending",
  receive: ", while receiving (a read frees buffer space and wakes a reader on the same socket too)",
  futex: ", futex",
  other: ", another syscall",
};

/** The wake-up cost line for "What ran" (bench/results/wakeup-cost.md). */
export const WAKEUP_COST =
  "bpftrace on sched:sched_waking, counted in the kernel, started before the warm-up (about 0.3 s of CPU to compile and attach); " +
  "measured cost (bench/results/wakeup-cost.md, 2 cores, load ≈ 2): bpftrace itself 0.1–0.2% of a core in the window; the measured pair's exchanges/s 0.3% lower at 1.3k wake-ups/s, 5% at 6k, 8% at 83k";

/** The section, or nothing when no process has wake-up figures (results from before they existed). */
export function wakeupsSection(r: RunResult): string[] {
  const withWakeups = r.processes.filter((p) => p.wakeups);
  if (withWakeups.length === 0) return [];
  const out: string[] = ["## Who wakes whom"];
  const uncounted = withWakeups.find((p) => !p.wakeups?.method);
  if (uncounted) {
    out.push(`Not counted: ${cell(uncounted.wakeups?.notes[0] ?? "no reason given")}. The wake-ups below come from /proc (voluntary context switches), with no waker.`);
    return out;
  }
  const pairs = wakePairs(withWakeups);
  const rows = pairs.slice(0, MAX_ROWS).map((p) => [
    cell(p.kind === "self" ? `${p.to} (own threads)` : p.from),
    cell(p.to),
    rate(p.perS),
    Math.round(p.perS * 86_400).toLocaleString("en-US"),
    cell(`${CAUSE_WORDS[p.cause] ?? p.cause}${p.via ? VIA_WORDS[p.via] : ""}`),
  ]);
  if (pairs.length > MAX_ROWS) rows.push([`${pairs.length - MAX_ROWS} more pairs`, "", "", "", "in result.json"]);
  out.push(table(["Waker", "Woken", "Wake-ups/s", "Per day", "How"], rows, ["l", "l", "r", "r", "l"]));
  const totals = withWakeups.map((p) => `${cell(p.name)} ${rate(p.wakeups?.totalPerS)}/s`).join(", ");
  out.push(`Wake-ups received in all: ${totals}.`);
  const notes = [...new Set(withWakeups.flatMap((p) => p.wakeups?.notes ?? []))];
  if (notes.length) out.push(notes.map((n) => `- ${cell(n)}`).join("\n"));
  out.push(
    `_Counted in the kernel over ${num(withWakeups[0]?.wakeups?.coveredS, 2)} s (${cell(withWakeups[0]?.wakeups?.method ?? "")}). ` +
      "Threads are folded into their process and a tree's descendants into its measured member; a waker in timer or interrupt context is \"timer/interrupt\", whichever task it interrupted; bpftrace and the harness are named as themselves._",
  );
  return out;
}
