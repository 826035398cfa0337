/** The plain-text summary printed at the end of a run. */
import type { RunResult } from "../analyze/result-types.js";
import { measuredRoleCpu, num, pct, share, wasMeasured } from "./format.js";

export function terminalSummary(r: RunResult): string {
  const rows: string[][] = [["role", "process", "CPU", "wake-ups/s", "read/write calls/s", "RSS MB"]];
  for (const p of r.processes) rows.push(wasMeasured(p) ? [p.role, p.name, pct(p.cpuPercent, 2), num(p.wakeupsPerS), num(p.syscallsPerS), num(p.rssMB)] : [p.role, `${p.name} (not measured)`, "–", "–", "–", "–"]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const lines = rows.map((row, ri) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ") + (ri === 0 ? "" : ""));
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const s = measuredRoleCpu(r, "server");
  const w = measuredRoleCpu(r, "worker");
  const db = r.roles.database ? `, database ${pct(measuredRoleCpu(r, "database"), 2)}` : "";
  const polls = r.server.pollsPerS;
  lines.push("");
  lines.push(`${r.scenario.name}: server ${pct(s, 2)}${db}, workers ${pct(w, 2)} of one core over ${r.window.measuredS} s${polls !== null ? `; ${num(polls)} polls/s, ${share(r.server.emptyPollRatio)} empty` : ""}  [${r.status}]`);
  // a failed or interrupted run says why here too, so --quiet still explains the [failed]
  if (r.status !== "ok") for (const p of r.problems) lines.push(`  ${p.split("\n")[0]}`);
  return lines.join("\n");
}
