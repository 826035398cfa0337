/** What the rules share while they run, most specific first: the evidence and who is already named. */
import type { Verdict } from "../../analyze/result-types.js";
import type { RunEvidence } from "../evidence.js";

export interface RuleContext {
  ev: RunEvidence;
  /** processes some verdict already names (a later, more general rule leaves them alone) */
  named: Set<string>;
  /** processes whose CPU a verdict explains (polling, serving, timers, notifications) */
  explained: Set<string>;
}

export type Rule = (ctx: RuleContext) => Verdict[];

/** patterns that accuse a process of spending CPU while idle (an informational one, e.g. a 200 ms poll, does not) */
export const ACCUSING = new Set(["tight-poll-loop", "polls-too-often", "serving-clients", "timer-wakeups", "wakeups-unexplained", "notification-fanout", "burning-while-idle", "unexplained-cpu"]);

export function verdict(subject: string | null, pattern: string, text: string, evidence: Verdict["evidence"], missing: string[] = []): Verdict {
  return { subject, pattern, text, evidence, missing };
}
