/**
 * `npm run replicate`: run every seed experiment and write reports/seed-replication.md with the run
 * folders under reports/seed-replication/. Options: --quick (short smoke test), --only id,id,
 * --out <dir> (default reports), --render-only (rebuild the markdown from the saved results).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RunResult } from "../analyze/result-types.js";
import { runSeries } from "../cli/run-command.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { experimentCommand, experiments } from "./experiments.js";
import { FINDINGS as SQLITE_FINDINGS } from "./findings.js";
import { POSTGRES_FINDINGS } from "./findings-postgres.js";
import { renderReplication, type OutcomeOrError, type ReplicationMeta } from "./render.js";
import { buildComparison } from "../compare/build-comparison.js";
import { relativeTo } from "../compare/compare-command.js";
import { loadSaved } from "../compare/load-results.js";
import type { Comparison } from "../compare/comparison-types.js";
import type { SavedRun } from "../compare/build-comparison.js";
import type { Experiment } from "./experiments.js";
import type { ExperimentOutcome } from "./findings.js";
import { readWallTables } from "./seed-001.js";

const FINDINGS = [...SQLITE_FINDINGS, ...POSTGRES_FINDINGS];

/** What a run leaves beside its comparison, so --render-only can rebuild the report from results. */
interface ExperimentRecord {
  command: string;
  exitCode: number;
  load?: { before: number; after: number };
}

function outcomeOf(e: Experiment, dir: string, outRoot: string, saved: SavedRun[], comparison: Comparison, rec: ExperimentRecord): ExperimentOutcome {
  const byPath = new Map<string, RunResult>(saved.map((x) => [relative(dir, x.path), x.result]));
  const results = comparison.conditions.map((k) => k.runs.filter((r) => r.status === "ok").map((r) => byPath.get(r.path)).filter((r): r is RunResult => r !== undefined));
  // profiled experiments (seed 001): the wall-clock tables each run left in profiles/summary.json
  const wallTables = e.profile ? comparison.conditions.map((k) => k.runs.filter((r) => r.status === "ok" && byPath.has(r.path)).map((r) => readWallTables(join(dir, r.path)))) : undefined;
  return { experiment: e, command: rec.command, dir: relative(outRoot, dir), comparison, results, exitCode: rec.exitCode, load: rec.load, ...(wallTables ? { wallTables } : {}) };
}

/** An experiment's outcome from its saved run folders, or null when it was never run there. */
function savedOutcome(e: Experiment, outRoot: string): ExperimentOutcome | null {
  const dir = join(outRoot, "seed-replication", e.id);
  if (!existsSync(join(dir, "replicate.json"))) return null;
  const rec = JSON.parse(readFileSync(join(dir, "replicate.json"), "utf8")) as ExperimentRecord;
  const saved = loadSaved(dir);
  return outcomeOf(e, dir, outRoot, saved, buildComparison(relativeTo(dir, saved)), rec);
}

/** Rebuild the report from the saved run folders, running nothing. */
function renderOnly(outRoot: string, all: Experiment[]): number {
  const base = join(outRoot, "seed-replication");
  const meta = JSON.parse(readFileSync(join(base, "meta.json"), "utf8")) as ReplicationMeta;
  const outcomes = new Map<string, OutcomeOrError>();
  for (const e of all) {
    const o = savedOutcome(e, outRoot);
    if (o) outcomes.set(e.id, o);
  }
  const file = join(outRoot, "seed-replication.md");
  writeFileAtomic(file, renderReplication(FINDINGS, outcomes, meta));
  process.stdout.write(`report: ${file} (rendered from saved results)\n`);
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, out: { type: "string", default: "reports" }, verbose: { type: "boolean", default: false }, "render-only": { type: "boolean", default: false } } });
  const outRoot = resolve(values.out);
  const only = values.only ? new Set(values.only.split(",")) : null;
  const all = experiments(values.quick);
  if (only) for (const id of only) if (!all.some((e) => e.id === id)) throw new Error(`--only: no experiment "${id}" (have ${all.map((e) => e.id).join(", ")})`);
  if (values["render-only"]) return renderOnly(outRoot, all);
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const outcomes = new Map<string, OutcomeOrError>();
  for (const e of all.filter((x) => !only || only.has(x.id))) {
    const dir = join(outRoot, "seed-replication", e.id);
    const command = experimentCommand(e, relative(process.cwd(), dir) || ".");
    process.stderr.write(`replicate: ${e.id}: ${command}\n`);
    rmSync(dir, { recursive: true, force: true });
    const loadAtStart = loadavg()[0] ?? 0;
    try {
      const s = await runSeries(e.scenarios, { set: e.set, sweep: e.sweep, repeat: e.repeat, duration: e.durationS, warmup: e.warmupS, out: dir, quiet: !values.verbose, profile: e.profile }, command);
      const rec: ExperimentRecord = { command, exitCode: s.exitCode, load: { before: loadAtStart, after: loadavg()[0] ?? 0 } };
      writeFileAtomic(join(dir, "replicate.json"), JSON.stringify(rec, null, 2) + "\n");
      outcomes.set(e.id, outcomeOf(e, dir, outRoot, s.saved, s.comparison, rec));
      if (s.exitCode >= 128) {
        process.stderr.write("replicate: interrupted\n");
        return s.exitCode;
      }
    } catch (err) {
      process.stderr.write(`replicate: ${e.id}: ${(err as Error).message}\n`);
      outcomes.set(e.id, { error: (err as Error).message, command });
    }
  }
  // --only re-runs some experiments: the others keep their saved results and the report its first header
  const metaFile = join(outRoot, "seed-replication", "meta.json");
  const previous = only && existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, "utf8")) as ReplicationMeta) : null;
  if (only) {
    for (const e of all) {
      if (only.has(e.id)) continue;
      const o = savedOutcome(e, outRoot);
      if (o) outcomes.set(e.id, o);
    }
  }
  const cpu = cpus();
  const meta: ReplicationMeta = {
    command: `npm run replicate${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    date: new Date().toISOString(),
    machine: `${cpu.length} cores, ${cpu[0]?.model ?? "unknown CPU"}`,
    node: process.version,
    totalS: (Date.now() - started) / 1000,
    quick: values.quick,
    loadBefore,
    loadAfter: loadavg()[0],
  };
  const kept: ReplicationMeta = previous
    ? { ...previous, reruns: [...(previous.reruns ?? []), { command: meta.command, date: meta.date, totalS: meta.totalS, experiments: [...(only ?? [])], node: meta.node, loadBefore: meta.loadBefore, loadAfter: meta.loadAfter }] }
    : meta;
  writeFileAtomic(metaFile, JSON.stringify(kept, null, 2) + "\n");
  const md = renderReplication(FINDINGS, outcomes, kept);
  const file = join(outRoot, "seed-replication.md");
  writeFileAtomic(file, md);
  process.stdout.write(`${md}\nreport: ${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`replicate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
