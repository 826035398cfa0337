/**
 * Split `run ... -- <command...>` before commander sees it: everything after the first `--` that
 * follows the `run` subcommand is the program to measure, never options of the harness.
 */
export function splitRunCommand(argv: string[]): { argv: string[]; command?: string[] } {
  const dashes = argv.indexOf("--", 2);
  const run = argv.indexOf("run", 2);
  if (dashes < 0 || run < 0 || run > dashes) return { argv };
  return { argv: argv.slice(0, dashes), command: argv.slice(dashes + 1) };
}
