/** Owns the files of a run folder: result.json, report.md and cpu.svg, each written atomically. */
import { join } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { renderRunMarkdown, type RunReportExtras } from "./run-markdown.js";
import { cpuLineChartSvg } from "./svg.js";
import { diagnose } from "../diagnose/diagnose.js";

/**
 * The pipeline's last steps: diagnosis (result.verdicts, when the caller has not set them), then the
 * exporters. Sets result.verdicts on the caller's object, so a terminal summary printed after this
 * shows the same verdicts as report.md and result.json.
 */
export function writeRunOutputs(outDir: string, result: RunResult, given: RunReportExtras = {}): void {
  result.verdicts ??= diagnose(result);
  const extras: RunReportExtras = { ...given, verdicts: given.verdicts ?? result.verdicts };
  writeFileAtomic(join(outDir, "result.json"), JSON.stringify(result, null, 2) + "\n");
  const svg = extras.chartSvg ? null : cpuLineChartSvg(result);
  if (svg) writeFileAtomic(join(outDir, "cpu.svg"), svg);
  writeFileAtomic(join(outDir, "report.md"), renderRunMarkdown(result, svg ? { ...extras, chartSvg: "cpu.svg" } : extras));
}
