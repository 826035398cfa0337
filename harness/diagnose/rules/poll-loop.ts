/**
 * Poll loops: a process that keeps asking the same peer. From the server's poll counters when they
 * name the process's loops (gap after each answer, empty share), else from the wire (round trips
 * per connection, short-lived connections). Tight: no sleep fits between exchanges; too often: a
 * sleep of a few ms (still a busy poll); periodic: every ≤ 500 ms, named with its requests per day.
 */
import type { Verdict, WorkerPollFigures } from "../../analyze/result-types.js";
import type { PeerLink, ProcessEvidence } from "../evidence.js";
import { noCountersSentence } from "../evidence.js";
import { fmtEvery, fmtNum, fmtPct, fmtShare, round } from "../format.js";
import { THRESHOLDS as T } from "../thresholds.js";
import { verdict, type RuleContext } from "./context.js";

function loopLabel(l: WorkerPollFigures, all: WorkerPollFigures[]): string {
  const sameWorker = all.filter((o) => o.worker === l.worker).length;
  return sameWorker > 1 ? `${l.worker} (${l.loop} loop)` : l.worker;
}

/** Loops whose polls mostly arrive under 1 ms after the previous response: the seed-000 bug. */
export function isTightLoop(l: WorkerPollFigures): boolean {
  return (l.gapUnder1msShare ?? 0) >= T.tightGapShare && l.pollsPerS >= T.tightMinPollsPerS && (l.emptyPollRatio === null || l.emptyPollRatio >= T.tightMinEmptyShare);
}

/** "to redis (127.0.0.1:6379) on one connection": idle connections to the same peer (a notification stream, a spare keep-alive) are not counted */
function connWords(link: PeerLink): string {
  const active = link.connections.filter((c) => c.roundTripsPerS >= T.noTrafficMaxRoundTripsPerS).length;
  const n = active || link.connections.length;
  return `to ${link.label} on ${n === 1 ? "one connection" : `${n} connections`}`;
}

function answerWords(link: PeerLink | undefined): string {
  const b = link?.bytesInPerExchange;
  return b === null || b === undefined ? "" : `, ${fmtNum(b, 0)}-byte answers`;
}

/** the client connection to the counters' server whose rate is nearest the loop's poll rate */
function linkFor(p: ProcessEvidence, server: string | null, pollsPerS: number): PeerLink | undefined {
  if (!p.wire || !server) return undefined;
  const link = p.wire.links.find((l) => l.peer === server);
  if (!link) return undefined;
  const nearest = [...link.connections].sort((a, b) => Math.abs(a.roundTripsPerS - pollsPerS) - Math.abs(b.roundTripsPerS - pollsPerS))[0];
  if (!nearest) return undefined;
  return { ...link, connections: [nearest], roundTripsPerS: nearest.roundTripsPerS, bytesInPerExchange: nearest.bytesInPerExchange, bytesOutPerExchange: nearest.bytesOutPerExchange };
}

function loopVerdict(ctx: RuleContext, p: ProcessEvidence, l: WorkerPollFigures): Verdict | null {
  const counters = ctx.ev.counters;
  const all = counters?.perLoop ?? [];
  const label = loopLabel(l, all);
  const server = ctx.ev.processes.find((x) => x.countersServer)?.name ?? null;
  const link = linkFor(p, server, l.pollsPerS);
  const evidence: Verdict["evidence"] = {
    pollsPerS: l.pollsPerS,
    emptyShare: l.emptyPollRatio,
    gapUnder1msShare: l.gapUnder1msShare,
    requestsPerDay: Math.round(l.pollsPerS * 86_400),
    cpuPercent: p.cpuPercent,
  };
  const missing: string[] = [];
  if (l.emptyPollRatio === null) missing.push("the server's counters give no empty-poll share for this loop: whether its answers were empty is unknown");
  if (l.gapUnder1msShare === null) missing.push("the server's counters have no gap histogram for this loop: how soon each poll followed the previous answer is unknown");
  let wire = "";
  if (link) {
    Object.assign(evidence, { roundTripsPerS: round(link.roundTripsPerS, 1), peer: link.label, bytesPerAnswer: link.bytesInPerExchange });
    wire = `; on the wire: ${fmtNum(link.roundTripsPerS)} round trips/s ${connWords(link)}${p.cpuPercent !== null ? `, ${fmtPct(p.cpuPercent)} of a core` : ""}${answerWords(link)}`;
  } else if (p.wireMissing) missing.push(`${p.name}: ${p.wireMissing}`);
  const empty = l.emptyPollRatio;
  if (isTightLoop(l)) {
    ctx.explained.add(p.name);
    return verdict(
      p.name,
      "tight-poll-loop",
      `${label}: tight poll loop: ${fmtShare(l.gapUnder1msShare)} of its polls came less than 1 ms after the previous response (polls ${fmtNum(l.pollsPerS)}/s, ${empty === null ? "empty share unknown" : `${fmtShare(empty)} empty`})${wire}`,
      evidence,
      missing,
    );
  }
  if (l.pollsPerS < T.pollMinRoundTripsPerS) return null;
  if (empty !== null && empty < T.tightMinEmptyShare) {
    if (l.pollsPerS < T.tooOftenMinRoundTripsPerS) return null;
    return verdict(p.name, "polls-after-work", `${label}: re-polls after real work: ${fmtNum(l.pollsPerS)} polls/s, only ${fmtShare(empty)} empty (not an idle poll)${wire}`, evidence, missing);
  }
  const emptyWords = empty === null ? "empty share unknown" : `${fmtShare(empty)} empty`;
  if (l.pollsPerS >= T.tooOftenMinRoundTripsPerS || (l.gapUnder1msShare === null && l.pollsPerS >= T.wireTightMinRoundTripsPerS)) {
    ctx.explained.add(p.name);
    const gaps = l.gapUnder1msShare === null ? "" : `, ${fmtShare(l.gapUnder1msShare)} of them < 1 ms after the previous answer`;
    return verdict(p.name, "polls-too-often", `${label}: polls too often: every ${fmtEvery(l.pollsPerS)} (${fmtNum(l.pollsPerS)} polls/s, ${emptyWords}${gaps})${wire}: a sleep this short is still a busy poll`, evidence, missing);
  }
  return verdict(p.name, "periodic-poll", `${label}: polls every ${fmtEvery(l.pollsPerS)} (${fmtNum(l.pollsPerS)} polls/s, ${fmtNum(l.pollsPerS * 86_400, 0)} requests/day, ${emptyWords})${wire}`, evidence, missing);
}

/** A server whose busiest client connection goes to the run's database: its queries answer the workers' polls. */
function queriesTheDatabaseOnly(ctx: RuleContext, p: ProcessEvidence): boolean {
  const top = p.wire?.links[0];
  return top !== undefined && ctx.ev.processes.some((x) => x.role === "database" && x.name === top.peer);
}

function wireVerdict(ctx: RuleContext, p: ProcessEvidence): Verdict | null {
  const w = p.wire;
  if (!w) return null;
  const rate = w.clientRoundTripsPerS;
  if (rate < T.pollMinRoundTripsPerS) return null;
  const top = w.links[0];
  const short = w.shortLivedClientPerS ?? 0;
  const shortLived = short >= T.pollMinRoundTripsPerS && short >= 0.5 * rate;
  let where: string;
  if (shortLived) where = `on short-lived connections (${fmtNum(short)} new connections/s${top ? `, e.g. to ${top.label}` : ""})`;
  else if (top) where = connWords(top);
  else where = "";
  const cpu = p.cpuPercent === null ? "" : `, ${fmtPct(p.cpuPercent)} of a core`;
  const answers = shortLived ? "" : answerWords(top);
  const evidence: Verdict["evidence"] = {
    roundTripsPerS: round(rate, 1),
    peer: top?.label ?? null,
    connections: top?.connections.length ?? 0,
    connectsPerS: w.connectsPerS,
    bytesPerAnswer: top?.bytesInPerExchange ?? null,
    meanGapMs: round(1000 / rate, 3),
    requestsPerDay: Math.round(rate * 86_400),
    cpuPercent: p.cpuPercent,
  };
  const missing = [noCountersSentenceFor(ctx)];
  if (w.connectsPerS === null) missing.push(`${p.name}: new connections per second could not be counted: short-lived connections opened and closed between readings are not seen`);
  for (const n of w.notes) missing.push(`${p.name}: ${n}`);
  const rt = `${fmtNum(rate)} round trips/s`;
  if (rate >= T.wireTightMinRoundTripsPerS) {
    ctx.explained.add(p.name);
    return verdict(p.name, "tight-poll-loop", `${p.name}: tight poll loop: ${rt} ${where}${cpu}${answers}`, evidence, missing);
  }
  if (rate >= T.tooOftenMinRoundTripsPerS) {
    ctx.explained.add(p.name);
    return verdict(p.name, "polls-too-often", `${p.name}: polls too often: every ${fmtEvery(rate)} (${rt} ${where}${cpu}${answers}): a gap this short (a short sleep, or none and slow answers) is still a busy poll`, evidence, missing);
  }
  return verdict(p.name, "periodic-poll", `${p.name}: polls every ${fmtEvery(rate)} (${rt}, ${fmtNum(rate * 86_400, 0)} requests/day) ${where}`.trimEnd(), evidence, missing);
}

function noCountersSentenceFor(ctx: RuleContext): string {
  if (ctx.ev.counters) return "the server's poll counters have no loop labelled with this process's name: whether its answers were empty is unknown";
  return noCountersSentence(ctx.ev.result);
}

export function pollLoopVerdicts(ctx: RuleContext): Verdict[] {
  const out: Verdict[] = [];
  for (const p of ctx.ev.processes) {
    if (p.role === "load" || p.role === "database" || ctx.named.has(p.name)) continue; // the database answers queries; it never polls
    if (p.role === "server" && p.loops.length === 0 && queriesTheDatabaseOnly(ctx, p)) continue; // the workers' polls passed on, not a loop of its own
    const found = p.loops.length ? p.loops.map((l) => loopVerdict(ctx, p, l)).filter((v): v is Verdict => v !== null) : [wireVerdict(ctx, p)].filter((v): v is Verdict => v !== null);
    if (found.length) ctx.named.add(p.name);
    out.push(...found);
  }
  // the busiest first: a tight loop before a slow poller
  const rank = (v: Verdict): number => ["tight-poll-loop", "polls-too-often", "polls-after-work", "periodic-poll"].indexOf(v.pattern);
  return out.sort((a, b) => rank(a) - rank(b));
}
