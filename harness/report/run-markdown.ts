/** report.md for one run: a pure function from a result to markdown (tests feed it fixtures). */
import type { ProcessResult, RunResult } from "../analyze/result-types.js";
import { asciiCpuChart } from "./ascii-chart.js";
import { cell, code, codeCell, fenced, shellQuote } from "./escape.js";
import { ms, num, pct, share, table } from "./format.js";

export interface RunReportExtras {
  /** verdict lines in words, rendered at the top */
  verdicts?: string[];
  /** extra sections appended (e.g. a profile summary) */
  sections?: string[];
  /** relative path of an SVG chart of CPU over time, if one was written */
  chartSvg?: string;
}

export function renderRunMarkdown(r: RunResult, extras: RunReportExtras = {}): string {
  const out: string[] = [];
  out.push(`# Idle-CPU report: ${cell(r.scenario.name)}`);
  if (r.scenario.description) out.push(`_${cell(r.scenario.description)}_`);
  if (r.status !== "ok") {
    const what = r.status === "interrupted" ? "INTERRUPTED: partial report" : "RUN FAILED";
    out.push(`> **${what}.** ${r.problems.map(cell).join(" ")}`);
  } else if (r.problems.length) {
    out.push(`> Notes: ${r.problems.map(cell).join(" ")}`);
  }
  if (r.profiled) out.push(`> **Profiled run (${cell(r.profiled)})**: the profiler adds CPU; never compare these figures with an unprofiled run.`);

  out.push("## Verdict");
  const verdicts = extras.verdicts ?? [];
  out.push(verdicts.length ? verdicts.map((v) => `- ${v}`).join("\n") : `- ${headline(r)}`);

  out.push("## Summary");
  out.push(summaryTable(r));
  const srv = r.server;
  if (srv.scraped) {
    const lines = [
      `Server counters over the window (from ${code(srv.metricsUrl ?? "")}): **${num(srv.pollsPerS)} polls/s**, ${share(srv.emptyPollRatio)} of them empty, ${num(srv.claimsPerS, 2)} claims/s.`,
    ];
    if (srv.notificationsPerS) lines.push(`Notifications: ${num(srv.notificationsPerS, 2)}/s sent, ${num(srv.notifiedPollsPerS, 2)} polls/s triggered by one, ${num(srv.notifiedEmptyPollsPerS, 2)}/s of those empty (wasted wake-ups).`);
    if (srv.longPollsReleasedByWorkPerS || srv.longPollsTimedOutPerS) lines.push(`Long-polls: ${num(srv.longPollsReleasedByWorkPerS, 2)}/s released by work, ${num(srv.longPollsTimedOutPerS, 2)}/s by timeout.`);
    if (srv.pickupLatencyMs) {
      const l = srv.pickupLatencyMs;
      lines.push(`Pickup latency (enqueue to claim, server clock, ${l.count} jobs): p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ≤ ${ms(l.max)}.`);
    }
    out.push(lines.join("\n"));
    if (srv.perLoop.length) {
      const shown = srv.perLoop.slice(0, 40);
      out.push("### Polls per worker loop");
      out.push(
        table(
          ["Worker", "Loop", "Polls/s", "Empty", "Gaps < 1 ms", "Requests/day"],
          shown.map((l) => [cell(l.worker), cell(l.loop), num(l.pollsPerS), share(l.emptyPollRatio), share(l.gapUnder1msShare), num(l.pollsPerS * 86_400, 0)]),
          ["l", "l", "r", "r", "r", "r"],
        ),
      );
      if (srv.perLoop.length > shown.length) out.push(`(${srv.perLoop.length - shown.length} more loops in result.json)`);
      out.push("_Gaps < 1 ms: the share of a loop's polls that arrived less than 1 ms after the server answered its previous poll — the signature of a loop that re-polls with no sleep._");
    }
  } else if (srv.metricsUrl) {
    out.push(`Server counters: ${code(srv.metricsUrl)} could not be scraped at both ends of the window.`);
  }

  out.push(`## CPU every ${r.window.intervalS} s`);
  out.push(intervalTable(r));
  out.push("## CPU over time");
  if (extras.chartSvg) out.push(`![CPU over time](${extras.chartSvg})`);
  out.push(fenced(asciiCpuChart(r)));

  for (const s of extras.sections ?? []) out.push(s);

  out.push("## What ran");
  out.push(
    table(
      ["", ""],
      [
        ["Command", codeCell(r.command)],
        ["Scenario", `${cell(r.scenario.name)} (${codeCell(r.scenario.file)})`],
        ["Params", Object.keys(r.params).length ? codeCell(JSON.stringify(r.params)) : "–"],
        ["Date", cell(r.startedAt)],
        ["Window", `${r.window.warmupS} s warm-up, then ${r.window.durationS} s measured (${r.window.measuredS} s actual), a reading every ${r.window.sampleS} s`],
        ["Machine", cell(`${r.machine.cores} cores, ${r.machine.cpuModel}, Linux ${r.machine.kernel}, Node ${r.machine.node}`)],
        ["Tool", cell(`${r.tool.name} ${r.tool.version}, result schema ${r.schemaVersion}`)],
      ],
    ),
  );
  out.push("### Processes");
  out.push(
    table(
      ["Role", "Name", "PID", "Command", "Tree", "Log", "Exit"],
      r.processes.map((p) => [
        p.role,
        cell(p.name),
        String(p.pid),
        codeCell(shellQuote(p.command)),
        cell(p.members.map((m) => `${m.comm}(${m.pid})`).join(", ") || "–"),
        `[${cell(p.name)}.log](${encodeURI(p.log)})`,
        p.exit ? cell(`${p.exit.signal ?? `code ${p.exit.code}`} at ${p.exit.atS} s`) : "–",
      ]),
    ),
  );
  out.push("## How these numbers were measured");
  out.push(
    [
      "- **CPU** is the window's mean in percent of one core (the unit of `ps %cpu`; 200% is both cores of a 2-core machine): utime+stime (plus reaped children's) from `/proc/<pid>/stat` for the process and every descendant, read at the window's start and end.",
      `- **CPU every ${r.window.intervalS} s** uses the same tick counts at interval boundaries; the chart uses pidusage's per-sample readings (±1% per 1-second sample at a 10 ms tick).`,
      "- **Wake-ups/s** are voluntary + involuntary context switches summed over every thread (`/proc/<pid>/task/*/status`); **syscalls/s** are read+write syscalls from `/proc/<pid>/io`.",
      "- **Polls, empty polls, claims and pickup latency** come from the server's Prometheus endpoint, scraped at the window's start and end.",
    ].join("\n"),
  );
  return out.join("\n\n") + "\n";
}

function headline(r: RunResult): string {
  const s = r.roles.server?.cpuPercent;
  const w = r.roles.worker?.cpuPercent;
  const polls = r.server.pollsPerS;
  return `Server ${pct(s)} and workers ${pct(w)} of one core over the window${polls !== null ? `, ${num(polls)} polls/s` : ""}.`;
}

function summaryTable(r: RunResult): string {
  const rows: string[][] = [];
  const sorted = [...r.processes].sort((a, b) => roleOrder(a) - roleOrder(b));
  for (const p of sorted) {
    rows.push([p.role, cell(p.name), pct(p.cpuPercent, 2), num(p.cpuSeconds, 2), num(p.wakeupsPerS), num(p.syscallsPerS), num(p.rssMB)]);
  }
  for (const role of ["server", "worker", "load"] as const) {
    const s = r.roles[role];
    if (s && s.count > 1) rows.push([`**${role} total**`, `${s.count} processes`, `**${pct(s.cpuPercent, 2)}**`, "", num(s.wakeupsPerS), num(s.syscallsPerS), ""]);
  }
  return table(["Role", "Process", "CPU (mean)", "CPU s", "Wake-ups/s", "Syscalls/s", "RSS MB"], rows, ["l", "l", "r", "r", "r", "r", "r"]);
}

function roleOrder(p: ProcessResult): number {
  return p.role === "server" ? 0 : p.role === "worker" ? 1 : 2;
}

function intervalTable(r: RunResult): string {
  const roles = (["server", "worker", "load"] as const).filter((role) => r.processes.some((p) => p.role === role));
  const times = new Set<number>();
  for (const p of r.processes) for (const i of p.intervals) times.add(i.t);
  const rows = [...times]
    .sort((a, b) => a - b)
    .map((t) => [
      `${t}s`,
      ...roles.map((role) => {
        const vals = r.processes.filter((p) => p.role === role).map((p) => p.intervals.find((i) => i.t === t)?.cpuPercent);
        return vals.every((v) => v === undefined) ? "–" : pct(vals.reduce<number>((a, v) => a + (v ?? 0), 0));
      }),
    ]);
  const cap = (s: string): string => s[0]?.toUpperCase() + s.slice(1);
  const means = ["**Mean**", ...roles.map((role) => `**${pct(r.roles[role]?.cpuPercent)}**`)];
  return table(["Time", ...roles.map((role) => `${cap(role)} CPU`)], [...rows, means], ["l", ...roles.map(() => "r" as const)]);
}
