/** Numbers in verdict text: thousands separated, short decimals, "–" for unknown. */
export function fmtNum(x: number, digits = 1): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(digits).replace(/\.0+$/, "");
}

export function fmtPct(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return `${x.toFixed(1)}%`;
}

export function fmtShare(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  return `${Math.round(x * 100)}%`;
}

/** "200 ms", "1.2 ms", "2.5 s": the mean gap between exchanges at `perS` */
export function fmtEvery(perS: number): string {
  const ms = 1000 / perS;
  if (ms >= 10_000) return `${fmtNum(ms / 1000)} s`;
  return `${fmtNum(ms, ms < 10 ? 1 : 0)} ms`;
}

/** round to a few significant digits for the evidence record */
export function round(x: number, digits = 3): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
