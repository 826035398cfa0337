/** What a `harness run --profile` wrote into its --out folder, read back for the profile tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../../harness/analyze/result-types.js";
import type { ProfileArtifact } from "../../harness/profile/types.js";

/** profiles/summary.json */
export interface SummaryFile {
  profiler: string;
  artifacts: ProfileArtifact[];
}

/** result.json, report.md and profiles/summary.json of a run. */
export function readProfileRun(out: string): { result: RunResult; report: string; summary: SummaryFile } {
  return {
    result: JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult,
    report: readFileSync(join(out, "report.md"), "utf8"),
    summary: JSON.parse(readFileSync(join(out, "profiles", "summary.json"), "utf8")) as SummaryFile,
  };
}
