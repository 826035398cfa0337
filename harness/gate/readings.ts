/**
 * `harness check --current <reading>... --baseline <reading>...`: saved readings on both sides, no
 * scenario (two `harness attach` readings of a production worker, before and after a deploy). A
 * reading is a result.json (or a run folder holding one, a folder of such folders, a comparison
 * folder) or a result set (`harness baseline save`, a check's current-set.json). Processes are matched
 * by role and name: an attach's default name `<comm>-<pid>` is matched by `<comm>` (the pid changes
 * with a restart) when no other process of that role in the reading has the same command name. Each
 * matched process gives its CPU %, voluntary wake-ups/s and round trips/s (one that is 0 in every
 * reading of both sides is left out: it did not increase); the application's counters
 * (polls, empty polls, CPU-ms per poll) are judged run-level, only when every process matched. A
 * result set holds run-level figures only: with one, the eight run-level figures are compared and
 * nothing is matched.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ProcessResult, RunResult } from "../analyze/result-types.js";
import { loadSaved } from "../compare/load-results.js";
import { UsageError } from "../util/errors.js";
import { readInputFile } from "../util/read-input.js";
import { extractFigures, FIGURE_NAMES, voluntaryWakeups, type FigureName, type RunFigures } from "./figures.js";
import { readResultSet, RESULT_SET_FORMAT } from "./result-set.js";
import type { SeriesPair } from "./decide.js";

/** One measurement of one side: a whole result, or one run of a result set (figures only). */
export interface Reading {
  file: string;
  scenario: string;
  startedAt: string;
  window: { warmupS: number; durationS: number };
  machine: { hostname: string; cpuModel: string } | null;
  /** null for a run of a result set: it keeps no processes */
  result: RunResult | null;
  /** run-level figures (from the result, or as saved in the set) */
  figures: RunFigures;
}

function isResultSet(file: string): boolean {
  try {
    const v = JSON.parse(readInputFile(file)) as unknown;
    return v !== null && typeof v === "object" && (v as { format?: unknown }).format === RESULT_SET_FORMAT;
  } catch {
    return false; // loadSaved says what is wrong with it
  }
}

function fromResult(file: string, r: RunResult): Reading {
  return { file, scenario: r.scenario.name, startedAt: r.startedAt, window: r.window, machine: r.machine, result: r, figures: extractFigures(r) };
}

/** The readings one --current/--baseline argument stands for. */
export function loadReadings(arg: string): Reading[] {
  const p = resolve(arg);
  if (!existsSync(p)) throw new UsageError(`no such file or folder: ${arg}`);
  if (statSync(p).isDirectory()) {
    if (!existsSync(join(p, "result.json")) && !existsSync(join(p, "comparison.json"))) {
      // a folder of run folders (e.g. runs/before/attach-1, attach-2, ...)
      const subs = readdirSync(p)
        .sort()
        .map((d) => join(p, d))
        .filter((d) => statSync(d).isDirectory() && existsSync(join(d, "result.json")));
      if (!subs.length) throw new UsageError(`${arg}: no result.json in this folder or its sub-folders (expected harness results: result.json files, run folders, or a result set)`);
      return subs.flatMap((d) => loadSaved(d).map((s) => fromResult(join(s.path, "result.json"), s.result)));
    }
  } else if (isResultSet(p)) {
    const set = readResultSet(p);
    return set.runs.map((r) => ({ file: p, scenario: set.scenario.name, startedAt: r.startedAt, window: set.window, machine: set.machine, result: null, figures: r.figures }));
  }
  return loadSaved(p).map((s) => fromResult(statSync(p).isDirectory() ? join(s.path, "result.json") : p, s.result));
}

/** An attach's default name `<comm>-<pid>` without its pid; any other name as it is. */
function stem(p: ProcessResult): string {
  const suffix = `-${p.pid}`;
  return p.name.endsWith(suffix) && p.name.length > suffix.length ? p.name.slice(0, -suffix.length) : p.name;
}

/** The measured processes of a result by their matching key: role and name (default names without the pid when that is unambiguous). */
export function processKeys(r: RunResult): Map<string, { name: string; process: ProcessResult }> {
  const measured = r.processes.filter((p) => p.samples.length > 0);
  const count = new Map<string, number>();
  for (const p of measured) count.set(`${p.role}/${stem(p)}`, (count.get(`${p.role}/${stem(p)}`) ?? 0) + 1);
  const out = new Map<string, { name: string; process: ProcessResult }>();
  for (const p of measured) {
    const name = count.get(`${p.role}/${stem(p)}`) === 1 ? stem(p) : p.name;
    out.set(`${p.role}/${name}`, { name, process: p });
  }
  return out;
}

export interface Matching {
  pairs: SeriesPair[];
  /** processes (name (role)) seen on one side only */
  unmatched: { baseline: string[]; current: string[] };
  matched: string[];
  notes: string[];
}

const APP_FIGURES: FigureName[] = ["pollsPerSPerWorker", "emptyPollsPerS", "serverCpuMsPerPoll", "workerCpuMsPerPoll"];

const label = (k: string): string => {
  const [role, ...name] = k.split("/");
  return `${name.join("/")} (${role})`;
};

function valuesOf(readings: Reading[], key: string, get: (p: ProcessResult) => number | null | undefined): number[] {
  const out: number[] = [];
  for (const r of readings) {
    const p = r.result ? processKeys(r.result).get(key)?.process : undefined;
    const v = p ? get(p) : undefined;
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

const runLevel = (readings: Reading[], name: FigureName): number[] => readings.map((r) => r.figures[name]).filter((v): v is number => v !== null);

/**
 * The figure pairs of two sides. Refuses (UsageError, one line) when no process matches, so a
 * verdict is never given over nothing.
 */
export function matchReadings(baseline: Reading[], current: Reading[]): Matching {
  const sets = [...baseline, ...current].filter((r) => !r.result);
  if (sets.length) {
    const files = [...new Set(sets.map((r) => r.file))];
    return {
      pairs: FIGURE_NAMES.map((figure) => ({ figure, before: runLevel(baseline, figure), after: runLevel(current, figure) })),
      unmatched: { baseline: [], current: [] },
      matched: [],
      notes: [`${files.join(", ")} ${files.length > 1 ? "are result sets" : "is a result set"} (run-level figures, no processes): the run-level figures of the two sides were compared, and no process was matched by name.`],
    };
  }
  const keys = (rs: Reading[]): Set<string> => new Set(rs.flatMap((r) => [...processKeys(r.result as RunResult).keys()]));
  const before = keys(baseline);
  const after = keys(current);
  const matched = [...before].filter((k) => after.has(k)).sort();
  const unmatched = { baseline: [...before].filter((k) => !after.has(k)).sort().map(label), current: [...after].filter((k) => !before.has(k)).sort().map(label) };
  if (!matched.length) {
    throw new UsageError(
      `no process matches between the two sides by role and name (baseline: ${unmatched.baseline.join(", ") || "none measured"}; current: ${unmatched.current.join(", ") || "none measured"}): give them the same --name and --role when attaching`,
    );
  }
  const pairs: SeriesPair[] = [];
  for (const k of matched) {
    const name = label(k);
    const server = k.startsWith("server/");
    pairs.push({ figure: server ? "serverCpuPercent" : "workerCpuPercent", process: name, label: `${name}: CPU`, before: valuesOf(baseline, k, (p) => p.cpuPercent), after: valuesOf(current, k, (p) => p.cpuPercent) });
    pairs.push({ figure: "wakeupsPerS", process: name, label: `${name}: voluntary wake-ups/s`, before: valuesOf(baseline, k, voluntaryWakeups), after: valuesOf(current, k, voluntaryWakeups) });
    pairs.push({ figure: "roundTripsPerS", process: name, label: `${name}: round trips/s`, before: valuesOf(baseline, k, (p) => p.wire?.roundTripsPerS), after: valuesOf(current, k, (p) => p.wire?.roundTripsPerS) });
  }
  const notes: string[] = [];
  // a figure that is 0 in every reading of both sides did not increase: testing it only lowers every other figure's Holm level
  const zero = pairs.filter((p) => p.before.length > 0 && p.after.length > 0 && [...p.before, ...p.after].every((v) => v === 0));
  if (zero.length) notes.push(`Zero in every reading on both sides, so not tested: ${zero.map((p) => p.label).join(", ")}.`);
  pairs.splice(0, pairs.length, ...pairs.filter((p) => !zero.includes(p)));
  const some = unmatched.baseline.length + unmatched.current.length > 0;
  if (some) {
    notes.push(`Not matched by role and name, so not judged: ${[unmatched.baseline.length ? `only in the baseline: ${unmatched.baseline.join(", ")}` : "", unmatched.current.length ? `only in the current readings: ${unmatched.current.join(", ")}` : ""].filter(Boolean).join("; ")}.`);
  }
  for (const figure of APP_FIGURES) {
    const b = runLevel(baseline, figure);
    const c = runLevel(current, figure);
    if (!b.length && !c.length) continue;
    if (some) notes.push(`${figure} (the application's counters) was left out: some processes did not match, so the two sides' totals are not of the same processes.`);
    else pairs.push({ figure, before: b, after: c });
  }
  return { pairs, unmatched, matched: matched.map(label), notes };
}

/** Notes on how the two sides differ (windows, machines, scenarios), as decide() gives for a saved baseline. */
export function readingNotes(baseline: Reading[], current: Reading[]): string[] {
  const notes: string[] = [];
  const when = (rs: Reading[]): string => {
    const t = rs.map((r) => r.startedAt).sort();
    return t.length > 1 ? `${t[0]} to ${t.at(-1)}` : (t[0] ?? "?");
  };
  notes.push(`Not interleaved: ${baseline.length} baseline reading(s) taken ${when(baseline)}, ${current.length} current reading(s) taken ${when(current)}.`);
  const windows = (rs: Reading[]): string => [...new Set(rs.map((r) => `${r.window.durationS} s`))].join(", ");
  if (windows(baseline) !== windows(current)) notes.push(`The windows differ: baseline ${windows(baseline)}, current ${windows(current)}.`);
  const hosts = (rs: Reading[]): string => [...new Set(rs.map((r) => (r.machine ? `${r.machine.hostname} (${r.machine.cpuModel})` : "unknown")))].join(", ");
  if (hosts(baseline) !== hosts(current)) notes.push(`Measured from other machines: baseline ${hosts(baseline)}, current ${hosts(current)}; CPU figures may not be comparable.`);
  const scen = (rs: Reading[]): string => [...new Set(rs.map((r) => r.scenario))].join(", ");
  if (scen(baseline) !== scen(current)) notes.push(`The readings come from different sources: baseline ${scen(baseline)}, current ${scen(current)}.`);
  return notes;
}
