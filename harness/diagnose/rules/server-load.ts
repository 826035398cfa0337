/**
 * A server's CPU attributed to the clients that drive it, by their share of its exchanges: from the
 * wire (server-side connections by peer) or, without it, from the server's own poll counters by worker.
 * Named only when the requests plausibly explain the CPU (at most servingMaxCpuMsPerRequest each).
 */
import type { Verdict } from "../../analyze/result-types.js";
import type { ProcessEvidence } from "../evidence.js";
import { pairExchanges } from "../../analyze/wakeup-figures.js";
import { fmtNum, fmtPct, fmtShare, round } from "../format.js";
import { THRESHOLDS as T } from "../thresholds.js";
import { verdict, type RuleContext } from "./context.js";

/** who drives the server: requests per second by client, the busiest first */
function driversSeen(ctx: RuleContext, p: ProcessEvidence): { byClient: [string, number][]; total: number; unit: string; source: string } | null {
  if (p.wire && p.wire.servedRoundTripsPerS > 0) {
    const byClient = [...p.wire.servedByPeer.entries()].sort((a, b) => b[1] - a[1]);
    const seen = byClient.reduce((a, [, n]) => a + n, 0);
    let unseen = p.wire.servedRoundTripsPerS - seen;
    // Connections opened and closed inside the window have no peer on the wire; measured clients that
    // opened that many short-lived connections are matched to them by count (the busiest first).
    const shortClients = ctx.ev.processes
      .filter((x) => x !== p && (x.wire?.shortLivedClientPerS ?? 0) > 0.5)
      .sort((a, b) => (b.wire?.shortLivedClientPerS ?? 0) - (a.wire?.shortLivedClientPerS ?? 0));
    for (const c of shortClients) {
      if (unseen <= 0.5) break;
      const n = Math.min(unseen, c.wire?.shortLivedClientPerS ?? 0);
      byClient.push([c.name, n]);
      unseen -= n;
    }
    byClient.sort((a, b) => b[1] - a[1]);
    if (unseen > 0.5) byClient.push(["short-lived connections from unmeasured clients", unseen]);
    return { byClient, total: p.wire.servedRoundTripsPerS, unit: "round trips/s", source: shortClients.length ? "wire (short-lived connections matched to measured clients by count)" : "wire" };
  }
  const s = ctx.ev.counters;
  if (p.countersServer && s && s.pollsPerS) {
    const by = new Map<string, number>();
    for (const l of s.perLoop) {
      const owner = ctx.ev.processes.find((x) => x.loops.includes(l))?.name ?? l.worker;
      by.set(owner, (by.get(owner) ?? 0) + l.pollsPerS);
    }
    return { byClient: [...by.entries()].sort((a, b) => b[1] - a[1]), total: s.pollsPerS, unit: "polls/s", source: "poll counters" };
  }
  return null;
}

/** who drives the server as the scheduler saw it: the exchanges with each measured client that woke it */
function wakeDrivers(ctx: RuleContext, p: ProcessEvidence): { byClient: [string, number][]; total: number; unit: string; source: string } | null {
  if (p.wokenBy && p.wokenBy.fromMeasured.size > 0) {
    // a busy server is seldom asleep when a request comes: the answers its clients waited for count too
    const byClient = [...p.wokenBy.fromMeasured.entries()]
      .map(([c, n]): [string, number] => {
        const client = ctx.ev.processes.find((x) => x.name === c);
        return [c, client ? Math.max(n, pairExchanges(p.process, client.process) ?? 0) : n];
      })
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = byClient.reduce((a, [, n]) => a + n, 0);
    if (total > 0) return { byClient, total, unit: "requests/s", source: "wake-ups" };
  }
  return null;
}

/** who drives the server: from the wire or its poll counters, or the wake-ups when they show more requests (a unix socket the wire cannot see) */
function drivers(ctx: RuleContext, p: ProcessEvidence): { byClient: [string, number][]; total: number; unit: string; source: string } | null {
  const seen = driversSeen(ctx, p);
  const woken = wakeDrivers(ctx, p);
  if (woken && (!seen || (seen.source !== "poll counters" && woken.total > 2 * seen.total))) return woken;
  return seen;
}

export function serverLoadVerdicts(ctx: RuleContext): Verdict[] {
  const out: Verdict[] = [];
  for (const p of ctx.ev.processes) {
    if (p.role === "load" || ctx.explained.has(p.name) || p.cpuPercent === null || p.cpuPercent < T.servingMinCpuPercent) continue;
    const d = drivers(ctx, p);
    if (!d || d.total <= 0) continue;
    const msPerRequest = (p.cpuPercent * 10) / d.total;
    if (msPerRequest > T.servingMaxCpuMsPerRequest) continue;
    const [top, topRate] = d.byClient[0] ?? ["", 0];
    const share = topRate / d.total;
    const possessive = (who: string): string => (ctx.ev.processes.some((x) => x.name === who) ? `${who}'s requests` : `requests from ${who}`);
    const whose =
      top && share >= T.servingMinPeerShare
        ? `${possessive(top)} (${fmtShare(share)} of its ${fmtNum(d.total)} ${d.unit})`
        : `${d.byClient.length} clients' requests (${d.byClient
            .slice(0, 3)
            .map(([who, n]) => `${who} ${fmtShare(n / d.total)}`)
            .join(", ")} of its ${fmtNum(d.total)} ${d.unit})`;
    const missing: string[] = [];
    if (d.source === "wake-ups") missing.push(`${p.name}: no TCP traffic and no poll counters: its requests per client are counted from the wake-ups between them (at least this many)`);
    if (d.source === "poll counters") missing.push(`${p.name}: ${p.wireMissing ?? "its TCP connections were not read"}: requests other than polls are not counted`);
    ctx.explained.add(p.name);
    ctx.named.add(p.name);
    out.push(
      verdict(
        p.name,
        "serving-clients",
        `${p.name}: ${fmtPct(p.cpuPercent)} serving ${whose}, ${fmtNum(msPerRequest, 2)} ms of CPU per request`,
        { cpuPercent: p.cpuPercent, requestsPerS: round(d.total, 1), topClient: top || null, topClientShare: round(share, 4), cpuMsPerRequest: round(msPerRequest, 4), source: d.source },
        missing,
      ),
    );
  }
  return out;
}
