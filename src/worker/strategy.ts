/** What a poll loop does when a poll comes back empty: the discovery strategies of the seeds. */
export type Strategy =
  | { kind: "tight" }
  | { kind: "fixed"; ms: number }
  | { kind: "exponential"; base: number; factor: number; cap: number; jitter: boolean }
  | { kind: "notify"; fallbackMs: number }
  | { kind: "long-poll"; waitMs: number };

export const ACCEPTED_FORMS = "tight | fixed:<ms> | exponential:<base>,<factor>,<cap>[,jitter] | notify:<fallbackMs> | long-poll:<ms>";

export class StrategyError extends Error {}

/** The longest wait the server holds a long-poll for. */
export const MAX_LONG_POLL_MS = 120_000;

function ms(s: string | undefined, what: string, input: string, min = 1, max = 3_600_000): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new StrategyError(`bad strategy "${input}": ${what} must be a whole number of milliseconds; accepted forms: ${ACCEPTED_FORMS}`);
  const n = Number(s);
  if (n < min || n > max) throw new StrategyError(`bad strategy "${input}": ${what} must be from ${min} to ${max} ms; accepted forms: ${ACCEPTED_FORMS}`);
  return n;
}

export function parseStrategy(input: string): Strategy {
  const s = input.trim();
  const [kind, rest] = s.includes(":") ? [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)] : [s, undefined];
  switch (kind) {
    case "tight":
      if (rest !== undefined) break;
      return { kind: "tight" };
    case "fixed":
      return { kind: "fixed", ms: ms(rest, "the sleep", input) };
    case "notify":
      return { kind: "notify", fallbackMs: ms(rest, "the fallback poll interval", input) };
    case "long-poll":
      return { kind: "long-poll", waitMs: ms(rest, "the wait", input, 1, MAX_LONG_POLL_MS) };
    case "exponential": {
      const parts = (rest ?? "").split(",");
      if (parts.length < 3 || parts.length > 4 || (parts[3] !== undefined && parts[3] !== "jitter")) break;
      const base = ms(parts[0], "the base", input);
      const factor = Number(parts[1]);
      if (!/^\d+(\.\d+)?$/.test(parts[1] ?? "") || factor < 1 || factor > 100) throw new StrategyError(`bad strategy "${input}": the factor must be a number from 1 to 100; accepted forms: ${ACCEPTED_FORMS}`);
      const cap = ms(parts[2], "the cap", input);
      if (cap < base) throw new StrategyError(`bad strategy "${input}": the cap must be at least the base; accepted forms: ${ACCEPTED_FORMS}`);
      return { kind: "exponential", base, factor, cap, jitter: parts[3] === "jitter" };
    }
  }
  throw new StrategyError(`bad strategy "${input}"; accepted forms: ${ACCEPTED_FORMS}`);
}

export function formatStrategy(s: Strategy): string {
  switch (s.kind) {
    case "tight":
      return "tight";
    case "fixed":
      return `fixed:${s.ms}`;
    case "exponential":
      return `exponential:${s.base},${s.factor},${s.cap}${s.jitter ? ",jitter" : ""}`;
    case "notify":
      return `notify:${s.fallbackMs}`;
    case "long-poll":
      return `long-poll:${s.waitMs}`;
  }
}

/** The sleep after an empty poll, for the sleeping strategies; reset on real work (seed 004). */
export class Backoff {
  private current: number;

  constructor(private readonly strategy: Strategy, private readonly random: () => number = Math.random) {
    this.current = strategy.kind === "exponential" ? strategy.base : 0;
  }

  /** Milliseconds to sleep after this empty poll (0 = poll again at once). */
  nextDelay(): number {
    const s = this.strategy;
    switch (s.kind) {
      case "tight":
      case "long-poll":
        return 0;
      case "fixed":
        return s.ms;
      case "notify":
        return s.fallbackMs;
      case "exponential": {
        const wait = this.current;
        this.current = Math.min(this.current * s.factor, s.cap);
        return s.jitter ? Math.floor(this.random() * wait) : Math.round(wait);
      }
    }
  }

  reset(): void {
    if (this.strategy.kind === "exponential") this.current = this.strategy.base;
  }
}
