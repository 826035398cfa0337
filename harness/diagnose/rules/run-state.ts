/**
 * Run-level verdicts: a failed run or one with no samples (never "idle and quiet"), CPU that no other
 * verdict explains, idle and quiet, profiled, and the fallback when nothing is recognised.
 */
import type { RunResult, Verdict } from "../../analyze/result-types.js";
import { noCountersSentence } from "../evidence.js";
import { fmtNum, fmtPct, fmtShare, round } from "../format.js";
import { THRESHOLDS as T } from "../thresholds.js";
import { ACCUSING, verdict, type RuleContext } from "./context.js";

/** "server 0.7%, worker 0.7%": the role totals, leaving out the load generator */
export function cpuWords(r: RunResult): string {
  const parts: string[] = [];
  for (const role of ["server", "database", "worker"] as const) {
    const s = r.roles[role];
    if (!s) continue;
    const who = role === "worker" ? (s.count > 1 ? `${s.count} workers` : "worker") : role === "server" && s.count > 1 ? `${s.count} servers` : role;
    parts.push(`${who} ${fmtPct(s.cpuPercent)}`);
  }
  return parts.join(", ");
}

export function statusVerdicts(ctx: RuleContext): Verdict[] {
  const r = ctx.ev.result;
  const out: Verdict[] = [];
  if (r.status !== "ok") out.push(verdict(null, `run-${r.status}`, `run ${r.status}: the figures below cover only what was measured`, { status: r.status, problems: r.problems[0] ?? null }));
  if (!ctx.ev.sampled) {
    out.push(
      verdict(null, "no-samples", `no CPU samples were taken (${r.processes.length} ${r.processes.length === 1 ? "process" : "processes"}): nothing can be said about idle CPU`, { processes: r.processes.length }, [
        "CPU, wake-ups and traffic of every process: the run ended before the first sample",
      ]),
    );
  }
  return out;
}

export function burningVerdicts(ctx: RuleContext): Verdict[] {
  const out: Verdict[] = [];
  const s = ctx.ev.counters;
  const idleQueue = s && s.emptyPollRatio !== null ? s.emptyPollRatio >= T.idleEmptyShare : null;
  if (idleQueue === false) return out; // the queue has work: CPU there is work, not idle burn
  for (const p of ctx.ev.processes) {
    if (p.role === "load" || ctx.explained.has(p.name) || p.cpuPercent === null || p.cpuPercent < T.burnMinCpuPercent) continue;
    ctx.named.add(p.name);
    if (s && idleQueue) {
      out.push(
        verdict(
          p.name,
          "burning-while-idle",
          `${p.name}: burning while idle: ${fmtPct(p.cpuPercent)} of one core while ${fmtShare(s.emptyPollRatio)} of polls come back empty (${fmtNum(s.pollsPerS ?? 0)} polls/s) and no loop polls tightly: the CPU goes somewhere other than polling; profile it (--profile flame)`,
          { cpuPercent: p.cpuPercent, emptyShare: s.emptyPollRatio, pollsPerS: s.pollsPerS },
          p.wire ? [] : [`${p.name}: ${p.wireMissing ?? "its traffic could not be seen"}`],
        ),
      );
      continue;
    }
    const missing = [noCountersSentence(ctx.ev.result)];
    if (!p.wire) missing.push(`${p.name}: ${p.wireMissing ?? "its traffic could not be seen"}`);
    const traffic = p.wire ? `${fmtNum(p.wire.totalRoundTripsPerS)} round trips/s` : "traffic unknown";
    const wake = p.wakeups ? `${fmtNum(p.wakeups.perS)} ${p.wakeups.kind === "voluntary" ? "wake-ups" : "context switches"}/s` : "wake-ups unknown";
    out.push(
      verdict(
        p.name,
        "unexplained-cpu",
        `${p.name}: ${fmtPct(p.cpuPercent)} of one core that no poll, timer or client explains (${traffic}, ${wake}): profile it (--profile flame)`,
        { cpuPercent: p.cpuPercent, roundTripsPerS: p.wire ? round(p.wire.totalRoundTripsPerS, 2) : null, wakeupsPerS: p.wakeups?.perS ?? null },
        missing,
      ),
    );
  }
  return out;
}

/** idle and quiet, or "no pattern recognised"; needs samples */
export function closingVerdicts(ctx: RuleContext, sofar: Verdict[]): Verdict[] {
  const r = ctx.ev.result;
  const out: Verdict[] = [];
  if (ctx.ev.sampled) {
    const accused = sofar.some((v) => ACCUSING.has(v.pattern));
    const cpus = (["server", "database", "worker"] as const).map((role) => r.roles[role]?.cpuPercent).filter((x): x is number => typeof x === "number");
    const maxCpu = cpus.length ? Math.max(...cpus) : null;
    const polls = r.server.scraped ? r.server.pollsPerS : null;
    const pollWords = polls !== null ? `, ${fmtNum(polls)} polls/s` : "";
    if (!accused && maxCpu !== null && maxCpu < T.quietMaxCpuPercent && (polls === null || polls < T.quietMaxPollsPerS)) {
      out.push(verdict(null, "idle-quiet", `idle and quiet: ${cpuWords(r)}${pollWords}`, { maxRoleCpuPercent: maxCpu, pollsPerS: polls }));
    } else if (!sofar.some((v) => v.subject !== null || v.pattern === "notification-fanout")) {
      out.push(
        verdict(
          null,
          "no-pattern",
          `no idle-CPU pattern recognised: ${cpuWords(r)}${polls !== null ? `${pollWords}, ${fmtShare(r.server.emptyPollRatio)} empty` : ""}`,
          { maxRoleCpuPercent: maxCpu, pollsPerS: polls },
        ),
      );
    }
  }
  if (r.profiled) out.push(verdict(null, "profiled", `profiled with ${r.profiled}: CPU figures include the profiler's cost and are not comparable with unprofiled runs`, { profiler: r.profiled }));
  return out;
}
