/** The Node.js version profiled processes run on; HARNESS_SIMULATE_NODE_VERSION overrides it (tests). */
export function profiledNodeVersion(env: NodeJS.ProcessEnv = process.env): string {
  const sim = env.HARNESS_SIMULATE_NODE_VERSION?.trim();
  return sim ? (sim.startsWith("v") ? sim : `v${sim}`) : process.version;
}

/** true when version a is at least major.minor */
export function atLeast(version: string, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const ma = Number(m[1]);
  const mi = Number(m[2]);
  return ma > major || (ma === major && mi >= minor);
}
