/** report.md sections for a result read from a Prometheus server (`harness attach --prometheus`). */
import type { RunResult } from "../analyze/result-types.js";
import { cell, code, codeCell } from "./escape.js";
import { num, pct, table } from "./format.js";

/** Per-host and fleet totals, groups, requests/day, and what the data allowed: after the summary. */
export function prometheusSections(r: RunResult): string[] {
  const p = r.prometheus;
  if (!p) return [];
  const out: string[] = [];
  out.push("## Fleet (from Prometheus)");
  out.push(
    `Read from ${code(p.url)} (source ${code(p.source)}${p.match ? `, matching ${code(p.match)}` : ""}), one row per ${p.by.map(code).join(" + ")}, ` +
      `window ${cell(p.from)} to ${cell(p.to)}. **Resolution: ${p.resolutionS === null ? "unknown" : `${num(p.resolutionS, 1)} s`} between samples**: no figure here is finer than that.`,
  );
  const hostRows = p.hosts.map((h) => [cell(h.instance || "(no instance label)"), String(h.processes), pct(h.cpuPercent, 2)]);
  hostRows.push(["**fleet**", `${p.fleet.processes} on ${p.fleet.hosts} host(s)`, `**${pct(p.fleet.cpuPercent, 2)}**`]);
  out.push(table(["Host (instance)", "Process groups", "CPU (mean, % of one core)"], hostRows, ["l", "r", "r"]));
  if (p.groups.length) {
    out.push(table(["Group", "Hosts", "CPU, all hosts", "CPU per host (mean)"], p.groups.map((g) => [cell(g.group), String(g.instances), pct(g.cpuPercent, 2), pct(g.meanCpuPercent, 2)]), ["l", "r", "r", "r"]));
  }
  if (p.requests.length) {
    out.push("### Requests per day (the application's poll counter)");
    out.push(table(["Series", "Polls/s", "Requests/day"], p.requests.map((q) => [codeCell(q.key), num(q.pollsPerS, 2), num(q.requestsPerDay, 0)]), ["l", "r", "r"]));
  }
  if (p.notes.length) {
    out.push("### What the data allowed");
    out.push(p.notes.map((n) => `- ${cell(n)}`).join("\n"));
  }
  out.push("### Not available from this source");
  out.push(p.unavailable.map((n) => `- ${cell(n)}`).join("\n"));
  out.push(`_Cost of this attach on the Prometheus server: ${p.queries} queries, ${num(p.querySeconds, 3)} s of query time._`);
  return out;
}

/** The "How these numbers were measured" bullets for a Prometheus result (instead of the /proc ones). */
export function prometheusMethodLines(r: RunResult): string[] {
  const p = r.prometheus;
  if (!p) return [];
  return [
    `- **CPU** is the window's mean in percent of one core, from the raw samples of the source's CPU-seconds counter (\`${p.source}\`): the increase between the scrape nearest the window's start (at or before it, within two scrape intervals) and the last scrape at or before its end, divided by the time between those two scrapes. A cumulative counter makes the total exact across scrape gaps; a counter reset is counted as Prometheus increase() does and named in the notes.`,
    `- **Resolution**: ${p.resolutionS === null ? "unknown" : `${num(p.resolutionS, 1)} s`} (the median time between samples). The CPU-over-time rows are between scrapes, never interpolated; an interval with no scrape near its bounds has no row.`,
    "- **Wake-ups/s** are voluntary context switches from the source's counter when it has one (process-exporter: `ctxswitchtype=\"voluntary\"`); **syscalls/s**, wire evidence and per-thread figures cannot be read from Prometheus: they are null (–), not 0.",
    "- **Processes** are process groups named `<group>@<instance>`: the group label of the exporter and the host it runs on; a group's figures sum its processes (and, for process-exporter, their children).",
  ];
}
