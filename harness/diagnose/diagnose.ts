/**
 * The diagnosis of one run: the rules over its evidence record, most specific first. Pure: tests
 * feed fixture results. Each verdict names its process, the figures that triggered it and what
 * could not be seen.
 */
import type { RunResult, Verdict } from "../analyze/result-types.js";
import { gatherEvidence } from "./evidence.js";
import type { RuleContext } from "./rules/context.js";
import { fanoutVerdicts } from "./rules/fanout.js";
import { pollLoopVerdicts } from "./rules/poll-loop.js";
import { burningVerdicts, closingVerdicts, statusVerdicts } from "./rules/run-state.js";
import { serverLoadVerdicts } from "./rules/server-load.js";
import { timerVerdicts } from "./rules/timer.js";

/** The verdicts of one run, most specific first; never empty. */
export function diagnose(r: RunResult): Verdict[] {
  const ctx: RuleContext = { ev: gatherEvidence(r), named: new Set(), explained: new Set() };
  const out: Verdict[] = [];
  out.push(...statusVerdicts(ctx));
  if (ctx.ev.sampled) {
    out.push(...pollLoopVerdicts(ctx));
    out.push(...fanoutVerdicts(ctx));
    out.push(...serverLoadVerdicts(ctx));
    out.push(...timerVerdicts(ctx));
    out.push(...burningVerdicts(ctx));
  }
  out.push(...closingVerdicts(ctx, out));
  return out;
}

/** The run's verdicts: as stored in result.json, else diagnosed now (results written before verdicts were stored). */
export function verdictsOf(r: RunResult): Verdict[] {
  return r.verdicts ?? diagnose(r);
}

/** Verdict lines for a terminal or a list: the text, then what could not be seen. */
export function verdictLines(vs: Verdict[], opts: { missing?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const v of vs) {
    out.push(v.text);
    if (opts.missing !== false && v.missing.length) out.push(`  could not see: ${v.missing.join("; ")}`);
  }
  return out;
}
