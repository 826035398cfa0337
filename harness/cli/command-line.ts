/**
 * The command line and timestamp a run records: tiny and free of heavy imports, so `harness attach`
 * (which needs them) does not load the scenario, comparison and profiling code `harness run` does.
 */
import { shellQuote } from "../report/escape.js";

/** `20261201-145309`: the default output folders' suffix. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** This process's command line as the user could type it again, recorded in result.json. */
export function harnessCommandLine(): string {
  return `harness ${shellQuote(process.argv.slice(2))}`;
}
