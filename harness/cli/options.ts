/** Parsers for CLI option values: each rejects bad input with a message naming the option. */
import { InvalidArgumentError, type Command } from "commander";

export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\s*[0-9]*\.?[0-9]+\s*$/.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  if (n > 86_400) throw new InvalidArgumentError(`expected at most 86400 seconds, got "${value}"`);
  return n;
}

export function nonNegativeSeconds(value: string): number {
  const n = Number(value);
  if (!/^\s*[0-9]*\.?[0-9]+\s*$/.test(value) || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected zero or a positive number of seconds, got "${value}"`);
  if (n > 3600) throw new InvalidArgumentError(`expected at most 3600 seconds, got "${value}"`);
  return n;
}

export function sampleSeconds(value: string): number {
  const n = positiveSeconds(value);
  if (n < 0.1) throw new InvalidArgumentError(`expected at least 0.1 s between samples, got "${value}"`);
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected a whole number from 1 to 1000, got "${value}"`);
  return n;
}

/** The options every command that runs a scenario several times shares (check, baseline save). */
export function addRepeatedRunOptions(cmd: Command, repeatHelp: string): Command {
  return cmd
    .option("-r, --repeat <n>", repeatHelp, positiveInt, 5)
    .option("-d, --duration <s>", "seconds measured in each run's window", positiveSeconds)
    .option("-w, --warmup <s>", "seconds to settle before each window", nonNegativeSeconds)
    .option("-s, --sample <s>", "seconds between readings", sampleSeconds)
    .option("--set <key=value>", "override a scenario param or field (repeatable)", collect, []);
}

/** `--wakeups on|off` (who wakes whom, harness/sample/wakeup-source.ts) */
export function onOff(value: string): "on" | "off" {
  if (value !== "on" && value !== "off") throw new InvalidArgumentError(`expected on or off, got "${value}"`);
  return value;
}
