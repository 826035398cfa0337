/**
 * The profile summary section of report.md, in the shape of seed 001's tables. Every table says
 * what it counts: on-CPU samples, or wall-clock (waiting included), and how it was measured. Pure.
 */
import { cell, code } from "../report/escape.js";
import { ms, share, table } from "../report/format.js";
import { CATEGORY_LABEL } from "./categories.js";
import type { FunctionFigure, ProfileSummary } from "./summary.js";
import type { ProfileArtifact } from "./types.js";
import { WALL_LABEL, type WallTable } from "./wall-clock.js";

export const ON_CPU = "on-CPU samples";

function place(f: FunctionFigure): string {
  return f.file ? code(`${f.file}${f.line !== null ? `:${f.line}` : ""}`) : "–";
}

function link(text: string, path: string): string {
  return `[${cell(text)}](${encodeURI(path)})`;
}

/** What a summary's samples count: its own statement, or (older summaries) its profiler's kind. */
export function countsOf(s: ProfileSummary): string {
  if (s.counts) return s.counts;
  if (s.profiler === "perf") return `${ON_CPU} (perf cpu-clock: the process's threads only while they run)`;
  return `${ON_CPU} of the JavaScript thread (V8 --prof ticks; a wait shows only as the idle tick that ends it)`;
}

export function renderWallTable(t: WallTable): string {
  const out: string[] = [];
  out.push(`#### Where the time went — ${t.counts}`);
  out.push(`${(t.totalMs / 1000).toFixed(1)} s of thread time over ${t.threads} thread(s). Method: ${cell(t.method)}.`);
  out.push(
    table(
      ["Category", "Time", "Share", "Notes"],
      t.rows.map((r) => [r.share >= 0.2 ? `**${WALL_LABEL[r.category]}**` : WALL_LABEL[r.category], ms(r.ms), share(r.share), r.note ? `mostly ${code(r.note)}` : ""]),
      ["l", "r", "r", "l"],
    ),
  );
  return out.join("\n\n");
}

export function renderProfileSummary(s: ProfileSummary, wall?: WallTable | null): string {
  const out: string[] = [];
  out.push(`### ${cell(s.process)}${s.flamegraph ? ` — ${link("flamegraph", s.flamegraph)}` : ""}`);
  if (wall) out.push(renderWallTable(wall));
  if (s.samples === 0) {
    out.push(`No samples in the profile (${code(s.source)}).`);
    return out.join("\n\n");
  }
  const counts = countsOf(s);
  const how =
    s.profiler === "perf"
      ? "perf's cpu-clock event samples the process only while it runs: samples count their period, and the rest of the window is idle."
      : s.profiler === "cpu"
        ? `V8 samples the JavaScript thread at a fixed interval whatever it does (here one sample every ${((s.coveredS * 1000) / s.samples).toFixed(1)} ms on average); each sample stands for the time since the previous one, so (idle) samples add up to the event loop's waiting.`
        : "Each sample stands for the wall time since the previous one, so an idle sample counts the whole wait it ended.";
  out.push(`${s.samples.toLocaleString("en-US")} samples over ${s.coveredS.toFixed(1)} s of the profile (the measured window), from ${code(s.source)}. ${how}`);
  out.push(`#### Time by category (self time) — ${counts}`);
  out.push(
    table(
      ["Category", "Self time", "Share", "Notes"],
      s.categories.filter((c) => c.samples > 0).map((c) => [c.share >= 0.2 ? `**${CATEGORY_LABEL[c.category]}**` : CATEGORY_LABEL[c.category], ms(c.ms), share(c.share), c.topFunction ? `mostly ${code(c.topFunction)}` : ""]),
      ["l", "r", "r", "l"],
    ),
  );
  if (s.topSelf.length) {
    out.push(`#### Top ${s.topSelf.length} functions by self time (idle waits and the profiler's own log writing left out) — ${counts}`);
    out.push(
      table(
        ["Function", "File:line", "Category", "Self time", "% of total", "Samples"],
        s.topSelf.map((f) => [code(f.name), place(f), f.category, ms(f.ms), share(f.share), f.samples.toLocaleString("en-US")]),
        ["l", "l", "l", "r", "r", "r"],
      ),
    );
  }
  if (s.topApplication.length) {
    out.push(`#### Application code by total time (the function and everything it calls) — ${counts}`);
    out.push(
      table(
        ["Function", "File:line", "Total time", "% of total", "Samples"],
        s.topApplication.map((f) => [code(f.name), place(f), ms(f.ms), share(f.share), f.samples.toLocaleString("en-US")]),
        ["l", "l", "r", "r", "r"],
      ),
    );
  }
  return out.join("\n\n");
}

/** The whole "Profile" section: the warning, links to every HTML, and one summary per process. */
export function renderProfileSection(label: string, artifacts: ProfileArtifact[], notes: string[] = []): string {
  const out: string[] = [`## Profile: ${cell(label)}`];
  out.push("_This run was profiled: the profiler itself costs CPU, so these CPU figures must not be compared with an unprofiled run's._");
  for (const n of notes) out.push(`> ${cell(n)}`);
  const links = artifacts.filter((a) => a.html).map((a) => `- ${cell(a.process)}: ${link(a.html ?? "", a.html ?? "")}`);
  if (links.length) out.push(links.join("\n"));
  for (const a of artifacts) {
    if (a.summary) out.push(renderProfileSummary(a.summary, a.wall));
    else if (a.wall) out.push([`### ${cell(a.process)}`, renderWallTable(a.wall)].join("\n\n"));
    for (const p of a.problems) out.push(`> ${cell(p)}`);
  }
  if (artifacts.length === 0) out.push("No process of this run could be profiled by this profiler.");
  return out.join("\n\n");
}
