/** Owns the files of a run folder: result.json and report.md, each written atomically. */
import { join } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { renderRunMarkdown, type RunReportExtras } from "./run-markdown.js";

export function writeRunOutputs(outDir: string, result: RunResult, extras: RunReportExtras = {}): void {
  writeFileAtomic(join(outDir, "result.json"), JSON.stringify(result, null, 2) + "\n");
  writeFileAtomic(join(outDir, "report.md"), renderRunMarkdown(result, extras));
}
