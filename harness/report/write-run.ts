/** Owns the files of a run folder: result.json, report.md and cpu.svg, each written atomically. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { RunError } from "../util/errors.js";
import type { RunResult } from "../analyze/result-types.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { renderRunMarkdown, type RunReportExtras } from "./run-markdown.js";
import { cpuLineChartSvg } from "./svg.js";
import { diagnose } from "../diagnose/diagnose.js";
import { currentBases, portableValue } from "./portable-paths.js";

/**
 * The exporters of one run. Runs and attaches diagnose their result when they build it; a result
 * without verdicts (written before they existed) is diagnosed here, on the caller's object, so a
 * terminal summary printed after this shows the same verdicts as report.md and result.json.
 * The files hold no absolute path of this machine (harness/report/portable-paths.ts); the result as
 * written is returned, for `--json`.
 */
export function writeRunOutputs(outDir: string, result: RunResult, given: RunReportExtras = {}): RunResult {
  result.verdicts ??= diagnose(result);
  const bases = currentBases(outDir);
  const portable = portableValue(result, bases);
  const extras: RunReportExtras = portableValue({ ...given, verdicts: given.verdicts ?? result.verdicts }, bases);
  const written: string[] = [];
  try {
    writeFileAtomic(join(outDir, "result.json"), JSON.stringify(portable, null, 2) + "\n");
    written.push("result.json");
    const svg = extras.chartSvg ? null : cpuLineChartSvg(portable);
    if (svg) writeFileAtomic(join(outDir, "cpu.svg"), svg);
    writeFileAtomic(join(outDir, "report.md"), renderRunMarkdown(portable, svg ? { ...extras, chartSvg: "cpu.svg" } : extras));
  } catch (err) {
    // the "run in progress" report.md would otherwise say the harness was killed: remove it, say what is there
    try {
      rmSync(join(outDir, "report.md"), { force: true });
    } catch {
      // the folder is gone: nothing to remove
    }
    const left = written.length ? `${written.join(", ")} was written whole; report.md is absent` : "no result.json or report.md was written";
    throw new RunError(`${(err as Error).message}; ${left}`);
  }
  return portable;
}
