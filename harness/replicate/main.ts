/**
 * `npm run replicate`: run every seed experiment and write reports/seed-replication.md with the run
 * folders under reports/seed-replication/. Options: --quick (short smoke test), --only id,id,
 * --out <dir> (default reports).
 */
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RunResult } from "../analyze/result-types.js";
import { runSeries } from "../cli/run-command.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { experimentCommand, experiments } from "./experiments.js";
import { FINDINGS } from "./findings.js";
import { renderReplication, type OutcomeOrError } from "./render.js";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, out: { type: "string", default: "reports" }, verbose: { type: "boolean", default: false } } });
  const outRoot = resolve(values.out);
  const only = values.only ? new Set(values.only.split(",")) : null;
  const all = experiments(values.quick);
  if (only) for (const id of only) if (!all.some((e) => e.id === id)) throw new Error(`--only: no experiment "${id}" (have ${all.map((e) => e.id).join(", ")})`);
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
      const s = await runSeries(e.scenarios, { set: e.set, sweep: e.sweep, repeat: e.repeat, duration: e.durationS, warmup: e.warmupS, out: dir, quiet: !values.verbose }, command);
      const byPath = new Map<string, RunResult>(s.saved.map((x) => [relative(dir, x.path), x.result]));
      const results = s.comparison.conditions.map((k) => k.runs.filter((r) => r.status === "ok").map((r) => byPath.get(r.path)).filter((r): r is RunResult => r !== undefined));
      outcomes.set(e.id, { experiment: e, command, dir: relative(outRoot, dir), comparison: s.comparison, results, exitCode: s.exitCode, load: { before: loadAtStart, after: loadavg()[0] ?? 0 } });
      if (s.exitCode >= 128) {
        process.stderr.write("replicate: interrupted\n");
        return s.exitCode;
      }
    } catch (err) {
      process.stderr.write(`replicate: ${e.id}: ${(err as Error).message}\n`);
      outcomes.set(e.id, { error: (err as Error).message, command });
    }
  }
  const cpu = cpus();
  const md = renderReplication(FINDINGS, outcomes, {
    command: `npm run replicate${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    date: new Date().toISOString(),
    machine: `${cpu.length} cores, ${cpu[0]?.model ?? "unknown CPU"}`,
    node: process.version,
    totalS: (Date.now() - started) / 1000,
    quick: values.quick,
    loadBefore,
    loadAfter: loadavg()[0],
  });
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
