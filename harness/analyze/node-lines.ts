/**
 * The Node.js lines the harness is supported and tested on: CI (.ci/run) runs the whole suite on
 * each. package.json's `engines` says the same; keep the three in step.
 */
export const TESTED_NODE_LINES = [20, 22, 24] as const;

/** the major line of a version string ("v24.1.0" → 24), or null */
export function nodeMajor(version: string): number | null {
  const m = /^v?(\d+)\./.exec(version.trim());
  return m ? Number(m[1]) : null;
}

export function isTestedNodeLine(version: string): boolean {
  const major = nodeMajor(version);
  return major !== null && (TESTED_NODE_LINES as readonly number[]).includes(major);
}

/** "Node v24.1.0 (a tested line)" or "Node v23.0.0 (not a tested line: 20, 22, 24 are)" */
export function nodeLineText(version: string, tested: boolean | undefined, lines: readonly number[] = TESTED_NODE_LINES): string {
  if (tested === undefined) return `Node ${version}`;
  return tested ? `Node ${version} (a tested line)` : `Node ${version} (not a tested line: ${lines.join(", ")} are)`;
}
