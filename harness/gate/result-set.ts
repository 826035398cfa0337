/**
 * A result set: the figures of N repeated runs of one scenario, saved as versioned JSON by
 * `harness baseline save` (and by `harness check` for the current runs, so a check can be
 * re-judged or promoted to the next baseline). Only figures are kept, not whole results: the file
 * stays small enough to commit.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { RunResult } from "../analyze/result-types.js";
import { UsageError } from "../util/errors.js";
import { formatZodError } from "../scenario/load.js";
import { extractFigures, FIGURE_NAMES, type FigureName, type RunFigures } from "./figures.js";

export const RESULT_SET_FORMAT = "idle-cpu-harness/result-set";
export const RESULT_SET_VERSION = 1;

/** A figure missing from a file reads as null (not measured): figures added later are absent from older files. */
const figuresSchema = z
  .object(Object.fromEntries(FIGURE_NAMES.map((n) => [n, z.number().finite().nullable().default(null)])) as Record<FigureName, z.ZodDefault<z.ZodNullable<z.ZodNumber>>>)
  .strict();

export const resultSetSchema = z
  .object({
    format: z.literal(RESULT_SET_FORMAT),
    version: z.literal(RESULT_SET_VERSION),
    scenario: z.object({ name: z.string().min(1), file: z.string(), params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) }).strict(),
    createdAt: z.string(),
    tool: z.object({ name: z.string(), version: z.string() }).strict(),
    command: z.string(),
    /** the --set overrides the runs used (optional: files written before it was recorded lack it) */
    overrides: z.array(z.string()).optional(),
    window: z.object({ warmupS: z.number(), durationS: z.number(), sampleS: z.number() }).strict(),
    machine: z.object({ cores: z.number(), cpuModel: z.string(), node: z.string(), hostname: z.string() }).strict().nullable(),
    runs: z
      .array(
        z
          .object({
            startedAt: z.string(),
            /** the run's folder (result.json, report.md, logs) when it was kept */
            outDir: z.string().nullable(),
            /** position of the run in an interleaved check (1 = first run of the job, either side) */
            sequence: z.number().int().positive().optional(),
            figures: figuresSchema,
          })
          .strict(),
      )
      .min(1, "expected at least one run"),
  })
  .strict();

export type ResultSet = z.infer<typeof resultSetSchema>;

export interface ResultSetRun {
  result: RunResult;
  outDir: string | null;
  sequence?: number;
}

export function buildResultSet(runs: ResultSetRun[], meta: { command: string; createdAt?: string; overrides?: string[] }): ResultSet {
  const first = runs[0]?.result;
  if (!first) throw new Error("a result set needs at least one run");
  return {
    format: RESULT_SET_FORMAT,
    version: RESULT_SET_VERSION,
    scenario: { name: first.scenario.name, file: first.scenario.file, params: first.params },
    createdAt: meta.createdAt ?? new Date().toISOString(),
    tool: first.tool,
    command: meta.command,
    ...(meta.overrides ? { overrides: meta.overrides } : {}),
    window: { warmupS: first.window.warmupS, durationS: first.window.durationS, sampleS: first.window.sampleS },
    machine: { cores: first.machine.cores, cpuModel: first.machine.cpuModel, node: first.machine.node, hostname: first.machine.hostname },
    runs: runs.map((r) => ({ startedAt: r.result.startedAt, outDir: r.outDir, ...(r.sequence !== undefined ? { sequence: r.sequence } : {}), figures: extractFigures(r.result) })),
  };
}

/** Parse and validate a result-set file; every problem is a UsageError (exit 2) naming the file. */
export function readResultSet(file: string): ResultSet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read result set ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (raw !== null && typeof raw === "object" && "format" in raw && (raw as { format: unknown }).format === RESULT_SET_FORMAT && "version" in raw && (raw as { version: unknown }).version !== RESULT_SET_VERSION) {
    throw new UsageError(`${file}: result-set version ${String((raw as { version: unknown }).version)} is not supported by this harness (it reads version ${RESULT_SET_VERSION})`);
  }
  const parsed = resultSetSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${formatZodError(file, parsed.error)} (expected a result set written by \`harness baseline save\`)`);
  return parsed.data;
}

/** The values of one figure over the runs, leaving out runs that could not measure it. */
export function figureValues(set: ResultSet, name: FigureName): number[] {
  return set.runs.map((r) => r.figures[name]).filter((v): v is number => v !== null);
}

export function figuresOf(set: ResultSet): RunFigures[] {
  return set.runs.map((r) => r.figures);
}
