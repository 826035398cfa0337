/** Owns the files of a run folder: result.json, report.md and cpu.svg, each written atomically. */
import { join } from "node:path";
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
  const written = portableValue(result, bases);
  const extras: RunReportExtras = portableValue({ ...given, verdicts: given.verdicts ?? result.verdicts }, bases);
  writeFileAtomic(join(outDir, "result.json"), JSON.stringify(written, null, 2) + "\n");
  const svg = extras.chartSvg ? null : cpuLineChartSvg(written);
  if (svg) writeFileAtomic(join(outDir, "cpu.svg"), svg);
  writeFileAtomic(join(outDir, "report.md"), renderRunMarkdown(written, svg ? { ...extras, chartSvg: "cpu.svg" } : extras));
  return written;
}
