/**
 * Poll loops: a process that keeps asking the same peer. From the server's poll counters when they
 * name the process's loops (gap after each answer, empty share), else from the wire (round trips
 * per connection, short-lived connections). Tight: no sleep fits between exchanges; too often: a
 * sleep of a few ms (still a busy poll); periodic: every ≤ 500 ms, named with its requests per day.
 */
import type { Verdict, WorkerPollFigures } from "../../analyze/result-types.js";
import type { PeerLink, ProcessEvidence } from "../evidence.js";
import { noCountersSentence, wakeExchanges } from "../evidence.js";
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

/** The measured peer `p` exchanges most with, as the scheduler saw it (each waking the other). */
function busiestWakePeer(ctx: RuleContext, p: ProcessEvidence): { peer: ProcessEvidence; perS: number; fromPeer: number; toPeer: number } | null {
  let best: { peer: ProcessEvidence; perS: number; fromPeer: number; toPeer: number } | null = null;
  for (const q of ctx.ev.processes) {
    if (q === p) continue;
    const x = wakeExchanges(p, q);
    if (x && (!best || x.perS > best.perS)) best = { peer: q, perS: x.perS, fromPeer: x.aFromB, toPeer: x.bFromA };
  }
  return best;
}

/** "over a unix socket", "over TCP": what the wire says carried the exchanges with `peer` */
function transportWords(p: ProcessEvidence, peer: string, perS: number): string {
  const w = p.wire;
  if (!w) return "";
  const tcp = w.links.find((l) => l.peer === peer)?.roundTripsPerS ?? w.servedByPeer.get(peer) ?? 0;
  if (tcp >= 0.5 * perS) return " over TCP";
  if (w.unixSockets > 0) return " over a unix socket";
  return " not over TCP (a pipe, a unix socket or shared memory)";
}

/**
 * A poll loop the wire cannot see (a unix socket, a pipe, a futex): the scheduler saw `p` and a
 * measured peer wake each other; the exchanges are the smaller of the two counts. A server is not
 * accused of polling its clients.
 */
function wakeVerdict(ctx: RuleContext, p: ProcessEvidence): Verdict | null {
  if (p.role === "server") return null;
  const b = busiestWakePeer(ctx, p);
  if (!b || b.perS < T.pollMinRoundTripsPerS || b.peer.role === "load") return null;
  // of a pair, the side that waits for answers is the poller: the peer, woken less by it, is serving
  if (b.peer.role !== "server" && b.toPeer > b.fromPeer) return null;
  const rate = b.perS;
  const with_ = `with ${b.peer.name}${transportWords(p, b.peer.name, rate)}`;
  const cpu = p.cpuPercent === null ? "" : `, ${fmtPct(p.cpuPercent)} of a core`;
  const seen = `${b.peer.name} woke it ${fmtNum(b.fromPeer)}/s, it woke ${b.peer.name} ${fmtNum(b.toPeer)}/s`;
  const evidence: Verdict["evidence"] = {
    wakeExchangesPerS: round(rate, 1),
    peer: b.peer.name,
    wakeupsFromPeerPerS: round(b.fromPeer, 1),
    wakeupsOfPeerPerS: round(b.toPeer, 1),
    meanGapMs: round(1000 / rate, 3),
    requestsPerDay: Math.round(rate * 86_400),
    cpuPercent: p.cpuPercent,
  };
  const missing = [noCountersSentenceFor(ctx)];
  if (!p.wire) missing.push(`${p.name}: ${p.wireMissing ?? "its traffic could not be seen"}: the transport is unknown`);
  const ex = `${fmtNum(rate)} exchanges/s`;
  if (rate >= T.wireTightMinRoundTripsPerS) {
    ctx.explained.add(p.name);
    return verdict(p.name, "tight-poll-loop", `${p.name}: tight poll loop ${with_}: ${ex} (${seen})${cpu}`, evidence, missing);
  }
  if (rate >= T.tooOftenMinRoundTripsPerS) {
    ctx.explained.add(p.name);
    return verdict(p.name, "polls-too-often", `${p.name}: polls too often ${with_}: every ${fmtEvery(rate)} (${ex}, ${seen}${cpu}): a gap this short is still a busy poll`, evidence, missing);
  }
  return verdict(p.name, "periodic-poll", `${p.name}: polls ${with_} every ${fmtEvery(rate)} (${ex}, ${fmtNum(rate * 86_400, 0)} requests/day; ${seen})`, evidence, missing);
}

/**
 * The wire's round trips with a measured peer against the scheduler's exchanges with it: the same
 * figure when both count request/response pairs. Adds the count to the evidence, and a sentence to
 * the text when they disagree.
 */
function crossCheckWire(ctx: RuleContext, p: ProcessEvidence, v: Verdict): Verdict {
  const peerName = p.wire?.links[0]?.peer;
  const peer = ctx.ev.processes.find((q) => q.name === peerName);
  const rt = typeof v.evidence.roundTripsPerS === "number" ? v.evidence.roundTripsPerS : null;
  if (!peer || rt === null) return v;
  const x = wakeExchanges(p, peer);
  if (!x) {
    if (!p.wokenBy) return v;
    return { ...v, missing: [...v.missing, `${peer.name}: ${peer.wokenByMissing ?? "who woke it was not counted"}: the wire's count could not be checked against the scheduler's`] };
  }
  const evidence = { ...v.evidence, wakeExchangesPerS: round(x.perS, 1) };
  const hi = Math.max(rt, x.perS);
  const lo = Math.min(rt, x.perS);
  if (hi >= T.wakeDisagreeMinPerS && lo * T.wakeDisagreeFactor < hi) {
    const text = `${v.text}; the wire and the scheduler disagree: ${fmtNum(rt)} round trips/s on TCP, but ${fmtNum(x.perS)} wake-up exchanges/s with ${peer.name} (${peer.name} woke it ${fmtNum(x.aFromB)}/s, it woke ${peer.name} ${fmtNum(x.bFromA)}/s)`;
    return { ...v, text, evidence: { ...evidence, wireAndWakeupsAgree: "no" } };
  }
  return { ...v, evidence: { ...evidence, wireAndWakeupsAgree: "yes" } };
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
    let found = p.loops.length ? p.loops.map((l) => loopVerdict(ctx, p, l)).filter((v): v is Verdict => v !== null) : [wireVerdict(ctx, p)].filter((v): v is Verdict => v !== null);
    found = found.map((v) => crossCheckWire(ctx, p, v));
    // nothing on TCP: the scheduler may still see a poll loop over a unix socket, a pipe or a futex
    if (found.length === 0 && !p.loops.length) found = [wakeVerdict(ctx, p)].filter((v): v is Verdict => v !== null);
    if (found.length) ctx.named.add(p.name);
    out.push(...found);
  }
  // the busiest first: a tight loop before a slow poller
  const rank = (v: Verdict): number => ["tight-poll-loop", "polls-too-often", "polls-after-work", "periodic-poll"].indexOf(v.pattern);
  return out.sort((a, b) => rank(a) - rank(b));
}
