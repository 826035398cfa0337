/** report.md's "Connections" section: each measured process's TCP connections over the window, and its syscalls by type. Pure. */
import type { ProcessResult, RunResult } from "../analyze/result-types.js";
import { cell, code } from "./escape.js";
import { num, table } from "./format.js";

/** connections shown per process (the busiest); the rest stay in result.json */
const MAX_ROWS = 12;

const bytes = (x: number | null): string => (x === null ? "–" : num(x, 0));

function wireRows(p: ProcessResult): string[][] {
  const w = p.wire;
  if (!w) return [];
  if (w.source === null) return [[cell(p.name), "–", "–", "–", "–", "–", "–", cell(w.notes.join(" ") || "not read")]];
  const atLeast = w.roundTripsAtLeast ? "≥ " : "";
  const rows = w.connections.slice(0, MAX_ROWS).map((c) => [
    cell(p.name),
    cell(c.peer ?? c.remote),
    c.side,
    num(c.roundTripsPerS),
    bytes(c.bytesInPerExchange),
    bytes(c.bytesOutPerExchange),
    num(c.requestsPerDay, 0),
    cell([c.seenAtStart ? "" : "opened in the window", c.peer ? c.remote : ""].filter(Boolean).join("; ")),
  ]);
  if (w.connections.length > MAX_ROWS) rows.push([cell(p.name), `${w.connections.length - MAX_ROWS} more connections`, "", "", "", "", "", "in result.json"]);
  if (w.shortLivedPerS) rows.push([cell(p.name), "short-lived connections", "", `≥ ${num(w.shortLivedPerS)}`, "–", "–", num(w.shortLivedPerS * 86_400, 0), cell(`${num(w.connectsPerS)} connects/s, ${num(w.acceptsPerS)} accepts/s; opened and closed inside the window, one exchange each at least`)]);
  if (w.connections.length === 0 && !w.shortLivedPerS) rows.push([cell(p.name), "no TCP connection", "", "0", "–", "–", "0", cell(w.listening.length ? `listening on ${w.listening.join(", ")}` : "")]);
  const total = w.roundTripsPerS === null ? "–" : `${atLeast}${num(w.roundTripsPerS)}`;
  if (rows.length > 1) rows.push([`**${cell(p.name)} total**`, "", "", `**${total}**`, "", "", w.roundTripsPerS === null ? "–" : num(w.roundTripsPerS * 86_400, 0), ""]);
  return rows;
}

/** The section, or nothing when no process has wire evidence (results from before it existed). */
export function connectionsSection(r: RunResult): string[] {
  const withWire = r.processes.filter((p) => p.wire);
  if (withWire.length === 0) return [];
  const out: string[] = ["## Connections"];
  out.push(
    table(
      ["Process", "Peer", "Side", "Round trips/s", "Bytes in / exchange", "Bytes out / exchange", "Requests/day", "Notes"],
      withWire.flatMap(wireRows),
      ["l", "l", "l", "r", "r", "r", "r", "l"],
    ),
  );
  const notes: string[] = [];
  for (const p of withWire) {
    const w = p.wire as NonNullable<ProcessResult["wire"]>;
    if (w.source === null) continue;
    const own = w.notes.filter((n) => !/opened and closed inside the window: each counted/.test(n));
    if (own.length) notes.push(`- ${cell(p.name)}: ${own.map(cell).join("; ")}.`);
  }
  if (notes.length) out.push(notes.join("\n"));
  const source = withWire.find((p) => p.wire?.source)?.wire?.source;
  out.push(
    `_A round trip is one request/response exchange: the smaller of the data segments received and sent on the connection over the window (kernel tcp_info${source ? `, ${cell(source)}` : ""}). ` +
      "Peer: the measured process at the other end, else its address. Unix-domain sockets carry no TCP counters: their traffic cannot be seen here._",
  );
  const counted = withWire.filter((p) => p.syscallsByType?.source);
  if (counted.length) {
    const names = [...new Set(counted.flatMap((p) => Object.keys(p.syscallsByType?.perS ?? {})))].filter((n) => counted.some((p) => (p.syscallsByType?.perS[n] ?? 0) > 0)).sort();
    out.push("### Syscalls by type (per second)");
    out.push(table(["Process", ...names.map(code)], counted.map((p) => [cell(p.name), ...names.map((n) => num(p.syscallsByType?.perS[n]))]), ["l", ...names.map(() => "r" as const)]));
  } else {
    const why = withWire.find((p) => p.syscallsByType)?.syscallsByType?.notes[0];
    if (why) out.push(`Syscalls by type were not counted: ${cell(why)}.`);
  }
  return out;
}
