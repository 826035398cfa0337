/**
 * Verdicts in words (the older entry points): one run's lines and a sweep's. The rules live in
 * rules/, the thresholds in thresholds.ts (docs/verdicts.md documents them).
 */
import type { RunResult } from "../analyze/result-types.js";
import { verdictsOf } from "./diagnose.js";

export { THRESHOLDS } from "./thresholds.js";
export { intervalMs, sweepVerdicts, sweepVerdictRecords } from "./sweep.js";
export { diagnose, verdictsOf, verdictLines } from "./diagnose.js";

/** The verdict lines of one run, most specific first; never empty. */
export function runVerdicts(r: RunResult): string[] {
  return verdictsOf(r).map((v) => v.text);
}
