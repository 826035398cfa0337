/**
 * Wake-ups without traffic: a process that wakes hundreds of times a second while its sockets are
 * silent runs a timer or a spin loop, not a poll. Voluntary wake-ups when the sampler splits them,
 * else all context switches (said so). Without wire evidence the traffic is unknown, and the verdict says so.
 */
import type { Verdict } from "../../analyze/result-types.js";
import { fmtEvery, fmtNum, fmtPct, fmtShare, round } from "../format.js";
import { THRESHOLDS as T } from "../thresholds.js";
import { verdict, type RuleContext } from "./context.js";

export function timerVerdicts(ctx: RuleContext): Verdict[] {
  const out: Verdict[] = [];
  for (const p of ctx.ev.processes) {
    if (p.role === "load" || p.role === "database" || ctx.named.has(p.name) || !p.wakeups || p.wakeups.perS < T.timerMinWakeupsPerS) continue;
    const missing: string[] = [];
    const what = p.wakeups.kind === "voluntary" ? "wake-ups/s" : "context switches/s";
    if (p.wakeups.kind === "all") missing.push(`${p.name}: voluntary wake-ups were not counted apart from preemptions: the figure is all context switches`);
    const cpu = p.cpuPercent === null ? "" : `, ${fmtPct(p.cpuPercent)} of a core`;
    const evidence: Verdict["evidence"] = { wakeupsPerS: round(p.wakeups.perS, 1), wakeupsKind: p.wakeups.kind, cpuPercent: p.cpuPercent, roundTripsPerS: p.wire ? round(p.wire.totalRoundTripsPerS, 2) : null };
    // the scheduler's count says who woke it: timers (a timer loop, with its period), or someone else
    const wb = p.wokenBy;
    if (wb && wb.totalPerS >= T.timerMinWakeupsPerS && (!p.wire || p.wire.totalRoundTripsPerS < T.noTrafficMaxRoundTripsPerS)) {
      Object.assign(evidence, { wokenPerS: round(wb.totalPerS, 1), timerShare: round(wb.timerShare, 4), topWaker: wb.top?.from ?? null });
      if (!p.wire) missing.push(`${p.name}: ${p.wireMissing ?? "its traffic could not be seen"}`);
      ctx.named.add(p.name);
      ctx.explained.add(p.name);
      if (wb.timerShare >= T.wakeTimerMinShare) {
        Object.assign(evidence, { timerPeriodMs: round(1000 / wb.timerPerS, 3) });
        out.push(verdict(p.name, "timer-wakeups", `${p.name}: timer loop: woken ${fmtNum(wb.totalPerS)} times/s, ${fmtShare(wb.timerShare)} by timers and interrupts (a timer every ${fmtEvery(wb.timerPerS)})${p.wire ? " and no traffic" : ""}${cpu}: not a poll`, evidence, missing));
      } else {
        const top = wb.top ? `, mostly by ${wb.top.from} (${fmtNum(wb.top.perS)}/s)` : "";
        out.push(verdict(p.name, "wakeups-unexplained", `${p.name}: woken ${fmtNum(wb.totalPerS)} times/s${top}, only ${fmtShare(wb.timerShare)} by timers${p.wire ? ", no TCP traffic" : ""}${cpu}: a handoff between threads or processes that no poll counter or connection shows`, evidence, missing));
      }
      continue;
    }
    if (!wb && p.process.wakeups && p.wokenByMissing) missing.push(`${p.name}: ${p.wokenByMissing}: a timer cannot be told from wake-ups by another process`);
    if (p.wire) {
      if (p.wire.totalRoundTripsPerS >= T.noTrafficMaxRoundTripsPerS) continue;
      if (p.wire.unixSockets > 0) missing.push(`${p.name}: ${p.wire.unixSockets} unix-domain sockets are open and their traffic cannot be seen on the wire: the wake-ups could come from them`);
      if (p.wire.connectsPerS === null) {
        // no traffic on the connections seen open, but one opened and closed inside the window is invisible without connect/accept counts
        missing.push(`${p.name}: connections opened and closed inside the window could not be counted (no syscall counts): a poll that reconnects for every request would look like this`);
        out.push(verdict(p.name, "wakeups-unexplained", `${p.name}: ${fmtNum(p.wakeups.perS)} ${what}${cpu}, no traffic on its open connections, short-lived connections unknown: a timer, a spin loop or a poll that reconnects`, evidence, missing));
      } else {
        out.push(verdict(p.name, "timer-wakeups", `${p.name}: ${fmtNum(p.wakeups.perS)} ${what} and no traffic${cpu}: a timer or spin loop, not a poll`, evidence, missing));
      }
    } else {
      missing.push(`${p.name}: ${p.wireMissing ?? "its traffic could not be seen"}: a poll cannot be told from a timer`);
      out.push(verdict(p.name, "wakeups-unexplained", `${p.name}: ${fmtNum(p.wakeups.perS)} ${what}${cpu}, traffic unknown: a timer, a spin loop or a poll`, evidence, missing));
    }
    ctx.named.add(p.name);
    ctx.explained.add(p.name);
  }
  return out;
}
