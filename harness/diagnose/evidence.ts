/**
 * The evidence record the rules read: per-process facts gathered from a RunResult, with null where
 * a source is missing (never 0) and a sentence saying what could not be seen.
 */
import { pairExchanges } from "../analyze/wakeup-figures.js";
import type { ProcessResult, Role, RunResult, ServerFigures, TcpConnectionFigures, WorkerPollFigures } from "../analyze/result-types.js";

/** Client-side connections of one process to one peer, grouped. */
export interface PeerLink {
  /** the peer's name in this result, or its host:port */
  peer: string;
  /** "redis (127.0.0.1:6379)" or "127.0.0.1:6379" */
  label: string;
  connections: TcpConnectionFigures[];
  /** exchanges per second over these connections (a connection seen for part of the window counts for that part) */
  roundTripsPerS: number;
  /** the busiest connection's mean answer / request size */
  bytesInPerExchange: number | null;
  bytesOutPerExchange: number | null;
}

export interface WireEvidence {
  /** client-side connections by peer, busiest first */
  links: PeerLink[];
  /** exchanges per second this process started as a client: its connections plus new short-lived ones */
  clientRoundTripsPerS: number;
  /** new outgoing connections per second; null when they could not be counted */
  connectsPerS: number | null;
  /** of those, connections opened and closed between the readings (each at least one exchange); null when not counted */
  shortLivedClientPerS: number | null;
  /** exchanges per second it answered as a server, by peer label */
  servedByPeer: Map<string, number>;
  servedRoundTripsPerS: number;
  acceptsPerS: number | null;
  /** every exchange of the process, both sides */
  totalRoundTripsPerS: number;
  unixSockets: number;
  notes: string[];
}

export interface Wakeups {
  perS: number;
  /** voluntary: the process blocked and was woken; all: every context switch (not split) */
  kind: "voluntary" | "all";
}

/** Who woke a process (the scheduler's count, harness/sample/wakeup-source.ts). */
export interface WakeupEvidence {
  totalPerS: number;
  /** wake-ups per second from each other measured process */
  fromMeasured: Map<string, number>;
  /** from timers and interrupts, per second and as a share of all */
  timerPerS: number;
  timerShare: number;
  /** from its own threads */
  ownThreadsPerS: number;
  /** the busiest source: "udsserver", "its own threads", "timer/interrupt", an unmeasured command name */
  top: { from: string; perS: number } | null;
}

export interface ProcessEvidence {
  name: string;
  role: Role;
  process: ProcessResult;
  /** null when no CPU sample was taken */
  cpuPercent: number | null;
  wakeups: Wakeups | null;
  /** null when the wire could not be read (or the result predates wire evidence) */
  wire: WireEvidence | null;
  /** why the wire is null */
  wireMissing: string | null;
  /** who woke it; null when not counted (`wokenByMissing` says why) */
  wokenBy: WakeupEvidence | null;
  wokenByMissing: string | null;
  /** the poll loops the server's counters attribute to this process */
  loops: WorkerPollFigures[];
  /** this process is the server whose counters were scraped */
  countersServer: boolean;
}

export interface RunEvidence {
  result: RunResult;
  processes: ProcessEvidence[];
  /** the scraped poll counters, or null when none were scraped */
  counters: ServerFigures | null;
  /** at least one CPU sample was taken */
  sampled: boolean;
}

function linkLabel(c: TcpConnectionFigures): string {
  return c.peer ? `${c.peer} (${c.remote})` : c.remote;
}

/** a connection's exchanges per second of the whole window (one seen for a part counts for that part) */
function windowRate(c: TcpConnectionFigures, windowS: number): number {
  if (c.seenAtStart && c.seenAtEnd) return c.roundTripsPerS;
  return windowS > 0 ? (c.roundTripsPerS * Math.min(c.coveredS, windowS)) / windowS : c.roundTripsPerS;
}

export function wireEvidence(p: ProcessResult, windowS: number): WireEvidence | null {
  const w = p.wire;
  if (!w || w.source === null) return null;
  const groups = new Map<string, PeerLink>();
  const servedByPeer = new Map<string, number>();
  let clientRt = 0;
  let served = 0;
  // connections first seen at the end reading were opened in the window: the connect/accept counts include them
  let clientOpened = 0;
  let serverOpened = 0;
  for (const c of w.connections) {
    const rate = windowRate(c, windowS);
    if (c.side === "server") {
      const who = c.peer ?? `an unmeasured client at ${c.remote}`;
      servedByPeer.set(who, (servedByPeer.get(who) ?? 0) + rate);
      served += rate;
      if (!c.seenAtStart) serverOpened++;
      continue;
    }
    clientRt += rate;
    if (!c.seenAtStart) clientOpened++;
    const key = c.peer ?? c.remote;
    const g = groups.get(key) ?? { peer: key, label: linkLabel(c), connections: [], roundTripsPerS: 0, bytesInPerExchange: null, bytesOutPerExchange: null };
    g.connections.push(c);
    g.roundTripsPerS += rate;
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const busiest = [...g.connections].sort((a, b) => b.roundTripsPerS - a.roundTripsPerS)[0];
    g.bytesInPerExchange = busiest?.bytesInPerExchange ?? null;
    g.bytesOutPerExchange = busiest?.bytesOutPerExchange ?? null;
  }
  // short-lived connections (opened and closed between the readings) carried at least one exchange each
  const perS = (n: number): number => (windowS > 0 ? n / windowS : 0);
  const shortClient = w.connectsPerS === null ? 0 : Math.max(0, w.connectsPerS - perS(clientOpened));
  const shortServed = w.acceptsPerS === null ? 0 : Math.max(0, w.acceptsPerS - perS(serverOpened));
  const clientRoundTripsPerS = clientRt + shortClient;
  const servedRoundTripsPerS = served + shortServed;
  return {
    links: [...groups.values()].sort((a, b) => b.roundTripsPerS - a.roundTripsPerS),
    clientRoundTripsPerS,
    connectsPerS: w.connectsPerS,
    shortLivedClientPerS: w.connectsPerS === null ? null : shortClient,
    servedByPeer,
    servedRoundTripsPerS,
    acceptsPerS: w.acceptsPerS,
    totalRoundTripsPerS: Math.max(w.roundTripsPerS ?? 0, clientRoundTripsPerS + servedRoundTripsPerS),
    unixSockets: w.unixSockets,
    notes: w.notes,
  };
}

export function wakeupEvidence(p: ProcessResult): WakeupEvidence | null {
  const w = p.wakeups;
  if (!w?.method || w.totalPerS === null) return null;
  const fromMeasured = new Map<string, number>();
  let timerPerS = 0;
  let ownThreadsPerS = 0;
  const bySource = new Map<string, number>();
  for (const s of w.by) {
    if (s.kind === "measured") fromMeasured.set(s.from, (fromMeasured.get(s.from) ?? 0) + s.perS);
    if (s.kind === "timer/interrupt") timerPerS += s.perS;
    if (s.kind === "self") ownThreadsPerS += s.perS;
    const label = s.kind === "self" ? "its own threads" : s.from;
    bySource.set(label, (bySource.get(label) ?? 0) + s.perS);
  }
  const [topFrom, topPerS] = [...bySource.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  return {
    totalPerS: w.totalPerS,
    fromMeasured,
    timerPerS,
    timerShare: w.totalPerS > 0 ? timerPerS / w.totalPerS : 0,
    ownThreadsPerS,
    top: topFrom === undefined ? null : { from: topFrom, perS: topPerS ?? 0 },
  };
}

/**
 * Exchanges per second of `a` with `b` as the scheduler saw them (analyze/wakeup-figures.ts
 * pairExchanges: at least this many), with the wake-ups each gave the other. Null when either side
 * was not counted.
 */
export function wakeExchanges(a: ProcessEvidence, b: ProcessEvidence): { perS: number; aFromB: number; bFromA: number } | null {
  if (!a.wokenBy || !b.wokenBy) return null;
  return { perS: pairExchanges(a.process, b.process) ?? 0, aFromB: a.wokenBy.fromMeasured.get(b.name) ?? 0, bFromA: b.wokenBy.fromMeasured.get(a.name) ?? 0 };
}

export function wakeupsOf(p: ProcessResult): Wakeups | null {
  if (typeof p.voluntaryWakeupsPerS === "number") return { perS: p.voluntaryWakeupsPerS, kind: "voluntary" };
  if (p.samples.length === 0 || p.wakeupsPerS === null) return null;
  return { perS: p.wakeupsPerS, kind: "all" };
}

/**
 * The loops of the server's counters that belong to this process: its name, or its instances
 * `name-<i>`; for a process group read from Prometheus (named `<group>@<instance>`), its group.
 */
function loopsOf(p: ProcessResult, perLoop: WorkerPollFigures[], names: Set<string>): WorkerPollFigures[] {
  const fleet = p.instance !== undefined && p.name !== p.group;
  return perLoop.filter((l) => l.worker === p.name || (fleet && l.worker === p.group) || (!names.has(l.worker) && l.worker.startsWith(`${p.name}-`)));
}

export function gatherEvidence(r: RunResult): RunEvidence {
  const counters = r.server.scraped ? r.server : null;
  const names = new Set(r.processes.map((p) => p.name));
  const countersServer = counters ? (r.processes.find((p) => p.role === "server")?.name ?? null) : null;
  const windowS = r.window.measuredS;
  const processes = r.processes.map((p): ProcessEvidence => {
    const wire = wireEvidence(p, windowS);
    const wokenBy = wakeupEvidence(p);
    return {
      name: p.name,
      role: p.role,
      process: p,
      cpuPercent: p.samples.length ? p.cpuPercent : null,
      wakeups: wakeupsOf(p),
      wire,
      wireMissing: wire
        ? null
        : p.wire
          ? `its TCP connections could not be read (${p.wire.notes[0] ?? "no reason given"})`
          : "its TCP connections were not read (no wire evidence in this result)",
      wokenBy,
      wokenByMissing: wokenBy ? null : p.wakeups ? `who woke it could not be counted (${p.wakeups.notes[0] ?? "no reason given"})` : "who woke it was not counted (no wake-up attribution in this result)",
      loops: counters ? loopsOf(p, counters.perLoop, names) : [],
      countersServer: p.name === countersServer,
    };
  });
  return { result: r, processes, counters, sampled: r.processes.some((p) => p.samples.length > 0) };
}

/** The sentence for poll counters that were not scraped. */
export function noCountersSentence(r: RunResult): string {
  return r.server.metricsUrl && !r.server.scraped
    ? `the server's poll counters at ${r.server.metricsUrl} could not be scraped: the empty share and the gap after each answer are unknown (not zero)`
    : "no poll counters (the server exports none, or they were switched off): whether the answers were empty, and how soon each request followed the previous answer, could not be seen";
}
