/**
 * The `--profile` value, checked where the command line is parsed: kept apart from choose.ts so the
 * CLI's entry does not load every profiler before a command is chosen (test/harness/cli-startup-imports).
 */
import { UsageError } from "../util/errors.js";
import { didYouMean } from "../util/did-you-mean.js";
import { PROFILER_NAMES, type ProfilerName } from "./types.js";

export function parseProfilerName(value: string): ProfilerName {
  const v = value.trim().toLowerCase();
  if ((PROFILER_NAMES as readonly string[]).includes(v)) return v as ProfilerName;
  throw new UsageError(`--profile: expected one of ${PROFILER_NAMES.join(", ")}, got "${value}"${didYouMean(v, PROFILER_NAMES)}`);
}
