/** Owns the files of a comparison folder: comparison.json, comparison.md and comparison.svg. */
import { join } from "node:path";
import type { Comparison } from "../compare/comparison-types.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { comparisonChartSvg } from "./comparison-chart.js";
import { currentBases, portableValue } from "./portable-paths.js";
import { renderComparisonMarkdown, type ComparisonReportOptions } from "./comparison-markdown.js";

/** The files hold no absolute path of this machine (harness/report/portable-paths.ts). */
export function writeComparisonOutputs(outDir: string, given: Comparison, givenOpts: Omit<ComparisonReportOptions, "chartSvg"> = {}): { markdown: string; json: string } {
  const bases = currentBases(outDir);
  const comparison = portableValue(given, bases);
  const opts = portableValue(givenOpts, bases);
  const svg = comparisonChartSvg(comparison);
  if (svg) writeFileAtomic(join(outDir, "comparison.svg"), svg);
  const json = join(outDir, "comparison.json");
  const markdown = join(outDir, "comparison.md");
  writeFileAtomic(json, JSON.stringify({ ...comparison, command: opts.command ?? null }, null, 2) + "\n");
  writeFileAtomic(markdown, renderComparisonMarkdown(comparison, { ...opts, chartSvg: svg ? "comparison.svg" : undefined }));
  return { markdown, json };
}
