/** report.md for one run: a pure function from a result to markdown (tests feed it fixtures). */
import type { ProcessResult, RunResult, Verdict } from "../analyze/result-types.js";
import { verdictsOf } from "../diagnose/diagnose.js";
import { nodeLineText } from "../analyze/node-lines.js";
import { asciiCpuChart } from "./ascii-chart.js";
import { cell, code, codeCell, fenced, shellQuote } from "./escape.js";
import { latencyQuantiles, measuredRoleCpu, num, pct, share, table, wasMeasured } from "./format.js";
import { serverSeriesSections } from "./server-series-markdown.js";
import { connectionsSection } from "./connections-markdown.js";
import { prometheusMethodLines, prometheusSections } from "./prometheus-markdown.js";
import { WAKEUP_COST, wakeupsSection } from "./wakeups-markdown.js";

export interface RunReportExtras {
  /** the verdicts rendered at the top (default: result.verdicts, else diagnosed from the result) */
  verdicts?: Verdict[];
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
  const verdicts = extras.verdicts ?? verdictsOf(r);
  out.push(verdicts.length ? verdicts.map(verdictItem).join("\n") : `- ${headline(r)}`);

  out.push("## Summary");
  out.push(summaryTable(r));
  out.push(...prometheusSections(r));
  const srv = r.server;
  if (srv.scraped) {
    const lines = [
      `Server counters over the window (from ${code(srv.metricsUrl ?? "")}): **${num(srv.pollsPerS)} polls/s**, ${share(srv.emptyPollRatio)} of them empty, ${num(srv.claimsPerS, 2)} claims/s.`,
    ];
    if (srv.notificationsPerS) lines.push(`Notifications: ${num(srv.notificationsPerS, 2)}/s sent, ${num(srv.notifiedPollsPerS, 2)} polls/s triggered by one, ${num(srv.notifiedEmptyPollsPerS, 2)}/s of those empty (wasted wake-ups).`);
    if (srv.longPollsReleasedByWorkPerS || srv.longPollsTimedOutPerS) {
      // without notification streams, polls triggered by a notification are held long-polls woken through the database (replicas)
      const woken = !srv.notificationsPerS && srv.notifiedPollsPerS ? `; ${num(srv.notifiedPollsPerS, 2)}/s wake-ups of held polls by a job heard through the database, ${num(srv.notifiedEmptyPollsPerS, 2)}/s of them found it taken (wasted wake-ups)` : "";
      lines.push(`Long-polls: ${num(srv.longPollsReleasedByWorkPerS, 2)}/s released by work, ${num(srv.longPollsTimedOutPerS, 2)}/s by timeout${woken}.`);
    }
    if (srv.pickupLatencyMs) {
      const l = srv.pickupLatencyMs;
      lines.push(`Pickup latency (enqueue to claim, server clock, ${l.count} jobs; estimates inside the server's histogram buckets): ${latencyQuantiles(l)}.`);
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
    out.push(...serverSeriesSections(r));
    const counters = Object.entries(srv.counterRates ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (counters.length) {
      const shownCounters = counters.slice(0, 60);
      out.push("### Counters");
      out.push(table(["Counter", "Per second"], shownCounters.map(([n, v]) => [codeCell(n), num(v, 2)]), ["l", "r"]));
      if (counters.length > shownCounters.length) out.push(`(${counters.length - shownCounters.length} more counters in result.json)`);
    }
  } else if (srv.metricsUrl) {
    out.push(`Server counters: ${code(srv.metricsUrl)} could not be scraped at both ends of the window.`);
  }

  out.push(...connectionsSection(r));
  out.push(...wakeupsSection(r));
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
        ["Machine", cell(`${r.machine.cores} cores, ${r.machine.cpuModel}, Linux ${r.machine.kernel}, ${nodeLineText(r.machine.node, r.machine.nodeTested, r.machine.nodeTestedLines)}`)],
        ["Tool", cell(`${r.tool.name} ${r.tool.version}, result schema ${r.schemaVersion}`)],
        ...(r.processes.some((p) => p.wakeups?.method) ? [["Wake-ups", cell(WAKEUP_COST)]] : []),
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
        p.pid === 0 && p.instance !== undefined ? "–" : String(p.pid),
        p.command.length ? codeCell(shellQuote(p.command)) : "–",
        cell(p.members.map((m) => `${m.comm}(${m.pid})`).join(", ") || (typeof p.processCount === "number" ? `${p.processCount} process(es) in the group` : "–")),
        p.log ? `[${cell(p.name)}.log](${encodeURI(p.log)})` : "–",
        p.exit ? cell(`${p.exit.signal ?? (p.exit.code === null ? "exited" : `code ${p.exit.code}`)} at ${p.exit.atS} s`) : "–",
      ]),
    ),
  );
  out.push("## How these numbers were measured");
  out.push(
    (r.prometheus ? [...prometheusMethodLines(r), ...serverMethodLine(r)] : [
      "- **CPU** is the window's mean in percent of one core (the unit of `ps %cpu`; 200% is both cores of a 2-core machine), between the window's marked start and end readings: from the tree's own cgroup where the harness started it in one (`cpuSource` in result.json), else utime+stime (plus reaped children's) from `/proc/<pid>/stat` for the process and every descendant, members that exit keeping their last-seen ticks.",
      `- **CPU every ${r.window.intervalS} s** uses the same tick counts at interval boundaries; the chart uses the tick delta between consecutive readings (±1% per 1-second sample at a 10 ms tick).`,
      "- **Wake-ups/s** are voluntary context switches (one block, one wake-up) summed over every thread (`/proc/<pid>/task/*/status`); **preempted/s** are the involuntary ones (other load took the core); **read/write calls/s** are the read- and write-family syscalls (syscr + syscw of `/proc/<pid>/io`, `syscallsPerS` in result.json), not every syscall: `--profile syscalls` counts them all by type.",
      ...serverMethodLine(r),
      ...(r.processes.some((p) => p.wire)
        ? ["- **Connections** come from the kernel's per-socket TCP counters (sock_diag `tcp_info`, read with `ss`) at the window's start and end: round trips/s = the smaller of data segments in and out per second; connections opened and closed inside the window from `connect`/`accept` counts (perf), one exchange each."]
        : []),
      ...crossCheck(r),
    ]).join("\n"),
  );
  return out.join("\n\n") + "\n";
}

function serverMethodLine(r: RunResult): string[] {
  if (r.prometheus) {
    return [
      r.server.scraped
        ? "- **Polls, empty polls, claims and pickup latency** come from the application's counters in the same Prometheus server (the metricsMap selectors), the increase between the scrapes nearest the window's edges; a counter reset is counted as Prometheus increase() does and named in the notes."
        : "- **No poll counters**: none of the application's counters (the reference names or the --metrics-map selectors) had series in Prometheus over the window; the poll figures are null, not 0.",
    ];
  }
  return [
    r.server.scraped
      ? "- **Polls, empty polls, claims and pickup latency** come from the server's Prometheus endpoint, scraped at the window's start and end; a counter that went down (the server restarted) gives no rate. Latency quantiles come from histogram buckets: each is an estimate (≈) inside the bucket shown, and one in the top (+Inf) bucket is only known to be above its lower edge."
      : "- **No poll counters**: no Prometheus endpoint was scraped, so polls, empty polls and pickup latency could not be seen; the poll figures are null, not 0.",
  ];
}

/** pidusage's window mean next to ours, for processes with no children: the same /proc counters, so an arithmetic check only. */
function crossCheck(r: RunResult): string[] {
  const rows = r.processes.filter((p) => p.pidusageCpuPercent !== undefined && p.members.length <= 1);
  if (rows.length === 0) return [];
  const pairs = rows.slice(0, 8).map((p) => `${cell(p.name)} ${pct(p.pidusageCpuPercent, 2)} (ours ${pct(p.cpuPercent, 2)})`);
  return [`- **Arithmetic check**: pidusage's reading over the same window: ${pairs.join(", ")}${rows.length > 8 ? ", …" : ""}. These are the same kernel counters read by pidusage: an arithmetic check, not an independent measurement.`];
}

/** "- text" with what could not be seen as sub-items */
function verdictItem(v: Verdict): string {
  return [`- ${cell(v.text)}`, ...v.missing.map((m) => `  - _could not see:_ ${cell(m)}`)].join("\n");
}

function headline(r: RunResult): string {
  const s = measuredRoleCpu(r, "server");
  const w = measuredRoleCpu(r, "worker");
  const polls = r.server.pollsPerS;
  const who = s === undefined ? `Workers ${pct(w)}` : w === undefined ? `Server ${pct(s)}` : `Server ${pct(s)} and workers ${pct(w)}`;
  return `${who} of one core over the window${polls !== null ? `, ${num(polls)} polls/s` : ""}.`;
}

function summaryTable(r: RunResult): string {
  const rows: string[][] = [];
  const sorted = [...r.processes].sort((a, b) => roleOrder(a) - roleOrder(b));
  for (const p of sorted) {
    if (!wasMeasured(p)) {
      rows.push([p.role, `${cell(p.name)} (not measured: no two readings in the window)`, "–", "–", "–", "–", "–", "–"]);
      continue;
    }
    rows.push([p.role, cell(p.name) + (p.exit ? ` (exited at ${p.exit.atS} s: mean until then)` : ""), pct(p.cpuPercent, 2), num(p.cpuSeconds, 2), ...wakeCells(p), num(p.syscallsPerS), num(p.rssMB)]);
  }
  for (const role of ["server", "database", "worker", "load"] as const) {
    const s = r.roles[role];
    if (s && s.count > 1 && measuredRoleCpu(r, role) !== undefined) rows.push([`**${role} total**`, `${s.count} processes`, `**${pct(s.cpuPercent, 2)}**`, "", ...wakeCells(s), num(s.syscallsPerS), ""]);
  }
  return table(["Role", "Process", "CPU (mean)", "CPU s", "Wake-ups/s (voluntary)", "Preempted/s (involuntary)", "Read/write calls/s", "RSS MB"], rows, ["l", "l", "r", "r", "r", "r", "r", "r"]);
}

/** Voluntary and involuntary switches per second; a result from before the split has only their sum. */
function wakeCells(x: { wakeupsPerS: number | null; voluntaryWakeupsPerS?: number; involuntaryWakeupsPerS?: number }): [string, string] {
  if (x.wakeupsPerS === null) return ["–", "–"];
  if (x.voluntaryWakeupsPerS === undefined) return [`${num(x.wakeupsPerS)} (vol.+invol.)`, "–"];
  return [num(x.voluntaryWakeupsPerS), num(x.involuntaryWakeupsPerS)];
}

function roleOrder(p: ProcessResult): number {
  return p.role === "server" ? 0 : p.role === "database" ? 1 : p.role === "worker" ? 2 : 3;
}

function intervalTable(r: RunResult): string {
  const roles = (["server", "database", "worker", "load"] as const).filter((role) => r.processes.some((p) => p.role === role));
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
  const means = ["**Mean**", ...roles.map((role) => `**${pct(measuredRoleCpu(r, role))}**`)];
  const header = ["Time", ...roles.map((role) => `${cap(role)} CPU`)];
  const align: ("l" | "r")[] = ["l", ...roles.map(() => "r" as const)];
  // A process that exited during the run leaves a gap: say where, instead of summing it as 0%.
  const exited = r.processes.filter((p) => p.exit);
  if (exited.length === 0) return table(header, [...rows, means], align);
  const sorted = [...times].sort((a, b) => a - b);
  const notes = sorted.map((t, i) => {
    const from = i === 0 ? Number.NEGATIVE_INFINITY : (sorted[i - 1] as number);
    const parts: string[] = [];
    for (const p of exited) {
      const e = p.exit as NonNullable<ProcessResult["exit"]>;
      const how = e.signal ?? (e.code === null ? "exited" : `code ${e.code}`);
      if (e.atS > from && e.atS <= t) parts.push(`**${cell(p.name)} exited (${cell(how)}) at ${e.atS} s**`);
      else if (e.atS <= from && !p.intervals.some((x) => x.t === t)) parts.push(`${cell(p.name)}: gone, no readings`);
    }
    return parts.join("; ");
  });
  const last = sorted.at(-1) ?? 0;
  const late = exited.filter((p) => (p.exit as NonNullable<ProcessResult["exit"]>).atS > last).map((p) => `${cell(p.name)} exited at ${p.exit?.atS} s`);
  return table([...header, "Notes"], [...rows.map((row, i) => [...row, notes[i] ?? ""]), [...means, late.join("; ")]], [...align, "l"]);
}
