/**
 * Wire evidence from two readings of the kernel's per-socket TCP counters (the window's start and
 * end) and the connect/accept counts of the window: per connection round trips/s, bytes per
 * exchange and the peer; per process the totals. Pure: tests feed it fixture readings.
 *
 * A round trip is one request/response exchange: the smaller of the data segments received and
 * sent over the window. A request or answer that spans several segments (a large body) still
 * counts once on the side that sent one segment; a stream that only flows one way counts none.
 */
import type { SyscallTypeFigures, TcpConnectionFigures, WireFigures } from "./result-types.js";
import { normalAddress, splitAddress, type TcpSocket } from "../sample/wire.js";

/** One reading of one measured tree's sockets. */
export interface TreeWireReading {
  /** monotonic seconds */
  at: number;
  /** connected TCP sockets (not listening) */
  tcp: TcpSocket[];
  listening: string[];
  unix: number;
  unixListening: number;
  other: number;
  /** what this reading could not see (an unreadable fd table) */
  notes: string[];
  /** how long the counters' reading took, ms: `at` is its middle, so it is uncertain by half of this */
  tookMs?: number;
}

export interface WireInput {
  name: string;
  /** null when the counters could not be read: `problem` says why */
  start: TreeWireReading | null;
  end: TreeWireReading | null;
  problem?: string;
}

/** Connect/accept counts of the window (perf), or null with the reason. */
export interface ConnectionCounts {
  counts: Map<string, number> | null;
  coveredS: number;
  problem?: string;
  /** what was left out of the counts */
  note?: string;
}

const round = (v: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

const WILDCARD = new Set(["0.0.0.0", "::", "*"]);

function isLoopback(host: string): boolean {
  return host.startsWith("127.") || host === "::1" || host === "localhost";
}

/** Whether `addr` (a connection's local or remote end) is served by a listener at `listen`. */
function listensOn(listen: string, addr: string, localHosts: Set<string>): boolean {
  const l = splitAddress(listen);
  const a = splitAddress(addr);
  if (l.port !== a.port) return false;
  if (l.host === a.host) return true;
  return WILDCARD.has(l.host) && (isLoopback(a.host) || localHosts.has(a.host));
}

/** Every address a measured tree has as a local end: a remote end at one of them is this host. */
function localHostsOf(all: WireInput[]): Set<string> {
  const out = new Set<string>();
  for (const w of all) for (const r of [w.start, w.end]) for (const s of r?.tcp ?? []) out.add(splitAddress(s.local).host);
  return out;
}

/** The measured process at the other end of `s`, or null. */
export function findPeer(s: TcpSocket, all: WireInput[], localHosts: Set<string>): string | null {
  const local = normalAddress(s.local);
  const remote = normalAddress(s.remote);
  // the other end's socket, held by a measured tree
  for (const w of all) {
    for (const r of [w.end, w.start]) {
      for (const o of r?.tcp ?? []) {
        if (o.inode !== s.inode && normalAddress(o.local) === remote && normalAddress(o.remote) === local) return w.name;
      }
    }
  }
  // a local address whose port a measured tree listens on (its end of the connection may be gone)
  const remoteHost = splitAddress(s.remote).host;
  if (isLoopback(remoteHost) || localHosts.has(remoteHost)) {
    for (const w of all) {
      for (const r of [w.end, w.start]) if (r?.listening.some((l) => listensOn(l, s.remote, localHosts))) return w.name;
    }
  }
  return null;
}

function connectionFigures(
  first: TcpSocket | undefined,
  last: TcpSocket,
  windowS: number,
  seenAtStart: boolean,
  peer: string | null,
  side: "client" | "server",
): TcpConnectionFigures {
  const d = (k: keyof TcpSocket): number => Math.max(0, (last[k] as number) - ((first?.[k] as number | undefined) ?? 0));
  const exchanges = Math.min(d("dataSegsIn"), d("dataSegsOut"));
  const bytesIn = d("bytesReceived");
  const bytesOut = Math.max(0, d("bytesSent") - d("bytesRetrans"));
  const perS = (n: number): number => (windowS > 0 ? n / windowS : 0);
  const rt = perS(exchanges);
  return {
    local: normalAddress(last.local),
    remote: normalAddress(last.remote),
    peer,
    side,
    seenAtStart,
    seenAtEnd: true,
    coveredS: round(windowS, 3),
    roundTripsPerS: round(rt),
    bytesInPerS: round(perS(bytesIn)),
    bytesOutPerS: round(perS(bytesOut)),
    bytesInPerExchange: exchanges > 0 ? round(bytesIn / exchanges, 1) : null,
    bytesOutPerExchange: exchanges > 0 ? round(bytesOut / exchanges, 1) : null,
    requestsPerDay: Math.round(rt * 86_400),
  };
}

/** connects and accepts of the window per second, from the perf counts (accept and accept4 together). */
function connectionRates(c: ConnectionCounts): { connectsPerS: number | null; acceptsPerS: number | null } {
  if (!c.counts || c.coveredS <= 0) return { connectsPerS: null, acceptsPerS: null };
  const n = (k: string): number => c.counts?.get(k) ?? 0;
  return { connectsPerS: round(n("connect") / c.coveredS), acceptsPerS: round((n("accept") + n("accept4")) / c.coveredS) };
}

/**
 * The wire figures of one measured tree (`self`), naming peers among `all` (which includes self).
 * `source` is how the counters were read.
 */
export function wireFigures(self: WireInput, all: WireInput[], counted: ConnectionCounts, source: string): WireFigures {
  const notes: string[] = [];
  const rates = connectionRates(counted);
  if (!self.start || !self.end) {
    return {
      source: null,
      connections: [],
      roundTripsPerS: null,
      ...rates,
      listening: [],
      unixSockets: 0,
      notes: [self.problem ?? "the TCP counters were not read at both ends of the window"],
      shortLivedPerS: null,
      roundTripsAtLeast: false,
    };
  }
  const { start, end } = self;
  const windowS = Math.max(0, end.at - start.at);
  const localHosts = localHostsOf(all);
  const listening = [...new Set([...start.listening, ...end.listening])].sort();
  const before = new Map(start.tcp.map((s) => [s.inode, s]));
  const after = new Set(end.tcp.map((s) => s.inode));
  const connections: TcpConnectionFigures[] = [];
  let exchanges = 0;
  let openedInWindow = 0;
  for (const s of end.tcp) {
    const first = before.get(s.inode);
    const sameConnection = first && first.local === s.local && first.remote === s.remote ? first : undefined;
    if (!sameConnection) openedInWindow++;
    const side = listening.some((l) => listensOn(l, s.local, localHosts)) ? "server" : "client";
    const c = connectionFigures(sameConnection, s, windowS, sameConnection !== undefined, findPeer(s, all, localHosts), side);
    connections.push(c);
    exchanges += c.roundTripsPerS * windowS;
  }
  // the readings' times are uncertain by half their duration: say so when that is more than 2% of the window
  const uncertainS = ((start.tookMs ?? 0) + (end.tookMs ?? 0)) / 2000;
  if (windowS > 0 && uncertainS / windowS > 0.02) notes.push(`the counter readings took ${Math.round((start.tookMs ?? 0))} and ${Math.round(end.tookMs ?? 0)} ms (a loaded machine): rates over the ${round(windowS, 2)} s between them are uncertain by up to ±${Math.round((uncertainS / windowS) * 100)}%`);
  const closedEarly = start.tcp.filter((s) => !after.has(s.inode)).length;
  if (closedEarly > 0) notes.push(`${closedEarly} connection(s) open at the window's start closed before its end: their traffic after the start reading is not counted`);
  connections.sort((a, b) => b.roundTripsPerS - a.roundTripsPerS);
  const longLivedPerS = windowS > 0 ? exchanges / windowS : 0;
  let shortLivedPerS: number | null = null;
  let atLeast = closedEarly > 0;
  if (rates.connectsPerS !== null && rates.acceptsPerS !== null) {
    // each connection opened and closed inside the window carried at least one exchange
    shortLivedPerS = round(Math.max(0, rates.connectsPerS + rates.acceptsPerS - (windowS > 0 ? openedInWindow / windowS : 0)));
    if (shortLivedPerS > 0) {
      atLeast = true;
      notes.push(`${shortLivedPerS}/s connections opened and closed inside the window: each counted as one exchange (at least)`);
    }
  } else {
    atLeast = true;
    notes.push(`connections opened and closed inside the window could not be counted (${counted.problem ?? "no connect/accept counts"}): round trips/s is at least the figure shown`);
  }
  const unix = end.unix;
  if (unix > 0) notes.push(`${unix} unix-domain socket(s)${end.unixListening ? ` (${end.unixListening} listening)` : ""}: their traffic cannot be seen on the wire`);
  for (const n of [...start.notes, ...end.notes]) if (!notes.includes(n)) notes.push(n);
  return {
    source,
    connections,
    roundTripsPerS: round(longLivedPerS + (shortLivedPerS ?? 0)),
    ...rates,
    listening: listening.map(normalAddress),
    unixSockets: unix,
    notes,
    shortLivedPerS,
    roundTripsAtLeast: atLeast,
  };
}

/** Syscalls by type per second from the perf counts of one tree. */
export function syscallTypeFigures(counted: ConnectionCounts, source: string): SyscallTypeFigures {
  if (!counted.counts || counted.coveredS <= 0) return { source: null, perS: {}, notes: [counted.problem ?? "syscalls were not counted"] };
  const perS: Record<string, number> = {};
  for (const [name, n] of [...counted.counts].sort(([a], [b]) => a.localeCompare(b))) perS[name] = round(n / counted.coveredS);
  return {
    source,
    perS,
    notes: [
      "connect counts IPv4/IPv6 connects (UDP ones too); accept and accept4 count successful calls only; every other syscall counts calls, failed ones included",
      ...(counted.note ? [counted.note] : []),
    ],
  };
}
