/** Owns the files of a run folder: result.json, report.md and cpu.svg, each written atomically. */
import { join } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { renderRunMarkdown, type RunReportExtras } from "./run-markdown.js";
import { cpuLineChartSvg } from "./svg.js";
import { runVerdicts } from "../diagnose/verdicts.js";

export function writeRunOutputs(outDir: string, result: RunResult, given: RunReportExtras = {}): void {
  const extras: RunReportExtras = { ...given, verdicts: given.verdicts ?? runVerdicts(result) };
  writeFileAtomic(join(outDir, "result.json"), JSON.stringify(result, null, 2) + "\n");
  const svg = extras.chartSvg ? null : cpuLineChartSvg(result);
  if (svg) writeFileAtomic(join(outDir, "cpu.svg"), svg);
  writeFileAtomic(join(outDir, "report.md"), renderRunMarkdown(result, svg ? { ...extras, chartSvg: "cpu.svg" } : extras));
}
