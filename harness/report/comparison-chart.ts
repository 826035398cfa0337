/** The bar chart of a comparison: server and worker CPU per condition, median bars, min–max whiskers. */
import type { Comparison } from "../compare/comparison-types.js";
import { barChartSvg, type BarGroup } from "./svg.js";

export function comparisonChartSvg(c: Comparison): string | null {
  const groups: BarGroup[] = c.conditions.map((k) => ({
    label: k.label,
    bars: (
      [
        ["server CPU", k.figures.serverCpu],
        ["worker CPU", k.figures.workerCpu],
      ] as const
    ).flatMap(([series, s]) => (s ? [{ series, value: s.median, min: s.min, max: s.max }] : [])),
  }));
  if (!groups.some((g) => g.bars.length)) return null;
  return barChartSvg("CPU per condition (% of one core; median, min–max)", groups, { yUnit: "%" });
}
