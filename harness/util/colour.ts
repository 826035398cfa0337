/**
 * Whether the harness may write colour and cursor escape sequences to a stream. Order: the
 * `--color` flag; NO_COLOR (any non-empty value, https://no-color.org) off; FORCE_COLOR on (unless
 * "0" or "false"); TERM=dumb off; else only on a terminal. The in-place progress line uses the same
 * answer, so NO_COLOR=1 on a terminal prints no escape sequence at all.
 */
export type ColourMode = "auto" | "always" | "never";

let mode: ColourMode = "auto";

export function setColourMode(m: ColourMode): void {
  mode = m;
}

export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env, m: ColourMode = mode): boolean {
  if (m === "always") return true;
  if (m === "never") return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}
