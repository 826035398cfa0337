/**
 * `harness run [options] -- <command> [args...]`: one program as an in-memory scenario and plan, so
 * it goes through the same supervisor, samplers, analysis, diagnosis and report as a scenario file.
 * The program (with every process it starts) is the plan's first process, started without a shell
 * and measured from its start; there is no reference server, no load and no scraped metrics.
 */
import { basename } from "node:path";
import { UsageError } from "../util/errors.js";
import { checkProgram } from "./preflight.js";
import type { Plan, ProcessSpec, Role } from "./plan.js";
import { windowSchema, type Scenario } from "./schema.js";

export interface CommandRunOptions {
  /** the name of the scenario and of the process (default: the program's file name) */
  name?: string;
  /** server or worker (default worker, as `harness attach`) */
  role?: Role;
  window: Record<string, number>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `node` for `node -e ...`, `my-worker.js` for `node ./my-worker.js`: a name the report can use. */
export function nameOfCommand(argv: string[]): string {
  const interpreters = new Set(["node", "python", "python3", "ruby", "perl", "bash", "sh", "deno", "bun", "npx", "tsx"]);
  const program = basename(argv[0] ?? "command");
  const script = interpreters.has(program) ? argv.slice(1).find((a) => !a.startsWith("-") && /[./]/.test(a)) : undefined;
  const raw = basename(script ?? program);
  const cleaned = raw.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64);
  return cleaned || "command";
}

export function commandPlan(argv: string[], opts: CommandRunOptions): { plan: Plan; scenario: Scenario; label: string } {
  if (argv.length === 0 || argv[0] === "") throw new UsageError("run -- <command>: expected the program to run after --");
  const name = opts.name ?? nameOfCommand(argv);
  if (!NAME.test(name)) throw new UsageError(`--name "${name}": expected letters, digits, '.', '_' or '-' (starting with a letter or digit, at most 64)`);
  const role = opts.role ?? "worker";
  if (role !== "server" && role !== "worker") throw new UsageError(`--role ${String(role)}: expected server or worker`);
  const window = windowSchema.safeParse(opts.window);
  if (!window.success) throw new UsageError(`window: ${window.error.issues[0]?.message ?? "invalid"}`);
  const label = `-- ${argv.join(" ")}`;
  const scenario: Scenario = {
    name,
    description: `one program: ${argv.join(" ")}`.slice(0, 300),
    params: {},
    window: window.data,
    server: { name, command: argv, shell: false, env: {}, readyTimeoutS: 15 },
    workers: [],
    expectCrashes: false,
    timeScale: 1,
  };
  const spec: ProcessSpec = { role, name, group: name, index: 0, argv, shell: false, env: {}, readyTimeoutS: 15 };
  checkProgram(spec, "run -- <command>");
  // the plan's first slot is "the process started and waited for first"; its role says what it is
  return { plan: { scenario, server: spec, workers: [] }, scenario, label };
}
