/** The `harness` command line. Exit codes: 0 success, 1 the run failed, 2 bad usage or input. */
import { Command, CommanderError, Option } from "commander";
import { exitCodeOf, UsageError } from "../util/errors.js";
import { toolVersion } from "../util/version.js";
import { collect, nonNegativeSeconds, onOff, positiveInt, positiveSeconds, sampleSeconds } from "./options.js";
import { harnessCommandLine } from "./command-line.js";
import { parseProfilerName } from "../profile/names.js";
import { setColourMode, type ColourMode } from "../util/colour.js";
import { formatError } from "./errors-out.js";
import { splitRunCommand } from "./split-command.js";

/**
 * Each command's code is imported when that command runs, not at start-up: loading every module
 * (the scenario schema and YAML parser, comparisons, profilers, the gate) cost about 200 ms of CPU
 * per invocation, which for `harness attach --duration 20` was more CPU than all its readings.
 * `check` and `baseline` declare their options in the modules that run them, so those two are loaded
 * only when named, or when the whole program's help or an unknown command needs them.
 */
const LIGHT_COMMANDS = new Set(["run", "compare", "clean", "attach", "list"]);

export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command();
  program
    .name("harness")
    .description("Find and prove idle CPU burn in poll loops: start a server and workers (or one program), measure every process, write a report.")
    .version(toolVersion())
    .addOption(new Option("--color <when>", "colour and cursor escapes on the terminal: auto (NO_COLOR, FORCE_COLOR, TERM=dumb respected), always or never").choices(["auto", "always", "never"]).default("auto"))
    .showHelpAfterError("(run with --help for usage)")
    // one error prefix for every message, commander's own included
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, "harness: ")) })
    .exitOverride();
  program.hook("preAction", () => setColourMode(program.opts<{ color: ColourMode }>().color));

  program
    .command("run")
    .usage("[options] <scenario...>\n       harness run [options] -- <command> [args...]")
    .description("run one or more scenarios (built-in names or files), or one program given after --, and write result.json + report.md for each")
    .argument("[scenario...]", "built-in scenario name (see `harness list`) or path to a .json/.yaml scenario file")
    .option("-d, --duration <s>", "seconds measured in the window (overrides the scenario)", positiveSeconds)
    .option("-w, --warmup <s>", "seconds to let processes settle before the window", nonNegativeSeconds)
    .option("-s, --sample <s>", "seconds between readings", sampleSeconds)
    .option("-o, --out <dir>", "output folder (default runs/<scenario>-<timestamp>)")
    .option("--set <key=value>", "override a scenario param or field (repeatable), e.g. --set taskStrategy=fixed:100", collect, [])
    .option("-q, --quiet", "no live progress on stderr")
    .option("--sweep <key=v1,v2,...>", "one run per value of a param or field (through --set); values split on commas, or on ';' when the list has one")
    .option("--repeat <n>", "run each scenario (and each sweep value) n times; the comparison shows median and min-max", positiveInt, 1)
    .option("--wakeups <on|off>", "count who wakes whom over the window (bpftrace; on by default where permitted)", onOff, "on")
    .option("--profile [profiler]", "run the processes under a profiler (default cpu): cpu (V8 CPU profile of Node processes plus every thread's waits from the scheduler: wall-clock tables), flame (0x, Node), doctor (Clinic.js, Node < 21.7), perf (perf record, non-Node), syscalls (perf trace -s or strace -c, every process: syscalls by type); the report gets a profile section", parseProfilerName)
    .option("--name <name>", "with -- <command>: the name of the run and of the process (default: the program's file name)")
    .option("--role <role>", "with -- <command>: server or worker (default worker)")
    .option("--json", "print each run's result as one JSON document per line on stdout; everything else goes to stderr")
    .action(async (scenarios: string[], opts) => {
      const { runCommand } = await import("./run-command.js");
      process.exitCode = await runCommand(scenarios, { ...opts, command: commandAfterDashes });
    });

  program
    .command("compare")
    .description("rebuild a comparison (tables, chart) from saved results without running anything")
    .argument("<result...>", "result.json files, run folders or comparison folders")
    .option("-o, --out <dir>", "also write comparison.md, comparison.json and comparison.svg into this folder")
    .option("--title <text>", "title of comparison.md")
    .option("--json", "print the comparison as one JSON document on stdout instead of the tables")
    .action(async (results: string[], opts: { out?: string; title?: string; json?: boolean }) => {
      const { compareCommand } = await import("../compare/compare-command.js");
      process.exitCode = compareCommand(results, opts, harnessCommandLine());
    });

  program
    .command("clean")
    .description("stop the processes left running by a harness run that was killed (found by its run record; pid and start time must match)")
    .option("-n, --dry-run", "only list them")
    .action(async (opts: { dryRun?: boolean }) => {
      const { cleanCommand } = await import("./clean-command.js");
      process.exitCode = await cleanCommand(opts);
    });

  if (!LIGHT_COMMANDS.has(argv[2] ?? "")) {
    const [{ registerCheckCommand }, { registerBaselineCommand }] = await Promise.all([import("./check-command.js"), import("./baseline-command.js")]);
    registerCheckCommand(program);
    registerBaselineCommand(program);
  }

  program
    .command("attach")
    .description("measure processes that are already running (never signalled or stopped) and write result.json + report.md")
    .option("-p, --pid <pid>", "a running process to measure, with its descendants (repeatable)", collect, [])
    .option("--name <pid=name>", "name shown for a pid in the report (repeatable; default <comm>-<pid>)", collect, [])
    .option("--role <pid=role>", "server or worker (repeatable; default worker)", collect, [])
    .option("-d, --duration <s>", "seconds to measure (or --from/--to with --prometheus)", positiveSeconds)
    .option("-w, --warmup <s>", "seconds of readings before the window (default 0)", nonNegativeSeconds)
    .option("-s, --sample <s>", "seconds between readings (default 1)", sampleSeconds)
    .option("-o, --out <dir>", "output folder (default runs/attach-<timestamp>)")
    .option("--metrics <url>", "a Prometheus endpoint scraped at the window's start and end")
    .option("--metrics-map <key=metric>", "map a counter onto the report's columns, e.g. polls=myapp_requests_total (repeatable)", collect, [])
    .option("--prometheus <url>", "read the processes from a Prometheus server instead of this machine's /proc (process-exporter, OpenTelemetry collector or cAdvisor series)")
    .option("--match <matchers>", 'with --prometheus: label matchers for the process series, e.g. \'groupname=~"worker.*",instance="host1:9256"\'')
    .option("--by <labels>", "with --prometheus: comma-separated labels naming one process (default: the group label and instance)")
    .option("--source <name>", "with --prometheus: process-exporter, otel, cadvisor or auto (default auto)")
    .option("--from <time>", "with --prometheus: window start (ISO time, unix seconds, or now-<n>s|m|h)")
    .option("--to <time>", "with --prometheus: window end (ISO time, unix seconds, now, or now-<n>s|m|h)")
    .option("--wakeups <on|off>", "count who wakes whom over the window (bpftrace; on by default where permitted)", onOff, "on")
    .option("-q, --quiet", "no live progress on stderr")
    .option("--json", "print the result as one JSON document on stdout; everything else goes to stderr")
    .action(async (opts) => {
      const { attachCommand } = await import("../attach/attach-command.js");
      process.exitCode = await attachCommand(opts);
    });

  program
    .command("list")
    .description("list the built-in scenarios")
    .action(async () => {
      const { listBuiltinScenarios } = await import("../scenario/load.js");
      const all = listBuiltinScenarios();
      const width = Math.max(...all.map((s) => s.name.length));
      for (const s of all) process.stdout.write(`${s.name.padEnd(width)}  ${s.description}\n`);
    });

  return program;
}

/** `harness run [options] -- <command> [args...]`: the program and its arguments, kept from commander. */
let commandAfterDashes: string[] | undefined;

export async function main(rawArgv: string[]): Promise<number> {
  const { argv, command } = splitRunCommand(rawArgv);
  commandAfterDashes = command;
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      // help shown because a command was missing (bare `harness`, `harness baseline`): bad usage
      if (err.code === "commander.help") return err.exitCode === 0 ? 0 : 2;
      return 2; // commander already printed the message
    }
    process.stderr.write(formatError(err));
    if (process.env.HARNESS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof UsageError ? 2 : exitCodeOf(err);
  }
}

const code = await main(process.argv);
process.exit(code);
