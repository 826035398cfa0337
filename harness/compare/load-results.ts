/**
 * Find and read saved results for `harness compare`: a result.json, a run folder holding one, or a
 * comparison folder (its comparison.json names its run folders). Every problem is a UsageError
 * naming the path, before anything is rendered.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import { SCHEMA_VERSION } from "../analyze/result-types.js";
import { UsageError } from "../util/errors.js";
import { readInputFile } from "../util/read-input.js";
import type { SavedRun } from "./build-comparison.js";

function readJson(file: string): unknown {
  const text = readInputFile(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Checks the fields the comparison reads; a result from another schema version is refused. */
export function asRunResult(value: unknown, file: string): RunResult {
  if (value === null || typeof value !== "object") throw new UsageError(`${file}: not a harness result (expected a JSON object)`);
  const v = value as Partial<RunResult>;
  if (v.schemaVersion !== SCHEMA_VERSION) throw new UsageError(`${file}: result schema version ${String(v.schemaVersion)}, this harness reads version ${SCHEMA_VERSION}`);
  for (const field of ["scenario", "params", "roles", "server", "window", "machine"] as const) {
    if (v[field] === null || typeof v[field] !== "object") throw new UsageError(`${file}: not a harness result (field "${field}" missing)`);
  }
  if (!Array.isArray(v.processes)) throw new UsageError(`${file}: not a harness result (field "processes" missing)`);
  return value as RunResult;
}

/** The saved runs one argument stands for. `path` of each is the run folder, absolute. */
export function loadSaved(arg: string): SavedRun[] {
  const p = resolve(arg);
  if (!existsSync(p)) throw new UsageError(`no such file or folder: ${arg}`);
  if (statSync(p).isDirectory()) {
    const result = join(p, "result.json");
    if (existsSync(result)) return [{ path: p, result: asRunResult(readJson(result), result) }];
    const comparison = join(p, "comparison.json");
    if (existsSync(comparison)) {
      const c = readJson(comparison) as { conditions?: { runs?: { path?: unknown }[] }[] };
      const runs = (c.conditions ?? []).flatMap((k) => k.runs ?? []).map((r) => r.path);
      if (!runs.length || runs.some((r) => typeof r !== "string")) throw new UsageError(`${comparison}: names no run folders`);
      return (runs as string[]).flatMap((r) => loadSaved(resolve(p, r)));
    }
    throw new UsageError(`${arg}: no result.json (or comparison.json) in this folder`);
  }
  if (basename(p) === "comparison.json") return loadSaved(dirname(p));
  return [{ path: dirname(p), result: asRunResult(readJson(p), p) }];
}
