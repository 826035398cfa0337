/** `harness compare <result.json | run folder | comparison folder>...`: rebuild a comparison from saved results. */
import { relative, resolve } from "node:path";
import { accessSync, constants } from "node:fs";
import { UsageError } from "../util/errors.js";
import { makeDirs } from "../util/make-dirs.js";
import { buildComparison, type SavedRun } from "./build-comparison.js";
import { loadSaved } from "./load-results.js";
import { renderComparisonTables } from "../report/comparison-markdown.js";
import { writeComparisonOutputs } from "../report/comparison-files.js";
import { currentBases, displayPath, portableValue } from "../report/portable-paths.js";

export interface CompareCommandOptions {
  out?: string;
  title?: string;
  /** the comparison on stdout as one JSON document instead of the tables */
  json?: boolean;
}

/** Paths shown in the report: relative to the folder the report is in (or to cwd on the terminal). */
export function relativeTo(base: string, saved: SavedRun[]): SavedRun[] {
  return saved.map((s) => ({ ...s, path: relative(base, s.path) || "." }));
}

export function compareCommand(args: string[], opts: CompareCommandOptions, commandLine: string): number {
  if (args.length === 0) throw new UsageError("compare needs at least one result.json or run folder");
  const saved = args.flatMap((a) => loadSaved(a));
  const base = opts.out ? resolve(opts.out) : process.cwd();
  if (opts.out) {
    // before the tables are printed: an --out that cannot be written is bad input, said in one line
    try {
      makeDirs(base);
      accessSync(base, constants.W_OK);
    } catch (err) {
      throw new UsageError(`output folder ${base} cannot be written: ${(err as Error).message}`);
    }
  }
  const comparison = buildComparison(relativeTo(base, saved));
  if (opts.json) process.stdout.write(`${JSON.stringify(portableValue(comparison, currentBases(base)))}\n`);
  else process.stdout.write(renderComparisonTables(comparison) + "\n");
  if (opts.out) {
    const { markdown } = writeComparisonOutputs(base, comparison, { command: commandLine, title: opts.title });
    (opts.json ? process.stderr : process.stdout).write(`\ncomparison: ${displayPath(markdown)}\n`);
  }
  return 0;
}
