/**
 * Checks of a plan before anything starts. A command that cannot start or a ready pattern that does
 * not compile is bad input (exit 2, one message naming the field), not a failed run found later.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { UsageError } from "../util/errors.js";
import { packageRoot } from "../util/paths.js";

function executableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws a UsageError naming the field when argv[0] is neither an executable file nor on PATH,
 * looked up the way execvp does (a path with a slash as is, else each folder of PATH).
 */
export function checkProgram(spec: { name: string; argv: string[]; shell: boolean; env: Record<string, string>; cwd?: string }, where: string): void {
  if (spec.shell) return; // `sh -c` runs it: the shell reports what it cannot find
  const raw = spec.argv[0];
  if (raw === undefined) throw new UsageError(`${where}: expected at least the program to run`);
  const program = raw.replace(/\{root\}/g, packageRoot()).replace(/\{name\}/g, spec.name);
  if (/\{[a-z.]+\}/.test(program)) return; // filled in only when the run starts
  const shown = JSON.stringify(raw);
  if (program.includes("/")) {
    const path = isAbsolute(program) ? program : resolve(spec.cwd ?? process.cwd(), program);
    if (!executableFile(path)) throw new UsageError(`${where}: program ${shown} is not an executable file (${path})`);
    return;
  }
  const pathVar = spec.env.PATH ?? process.env.PATH ?? "";
  const found = pathVar.split(delimiter).some((dir) => dir !== "" && executableFile(join(dir, program)));
  if (!found) throw new UsageError(`${where}: program ${shown} was not found on PATH`);
}

/** Throws a UsageError when a stdout/stderr ready pattern is not a valid regular expression. */
export function checkReadyPattern(ready: { stdout: string } | { stderr: string } | object | undefined, file: string, field: string): void {
  if (!ready) return;
  const key = "stdout" in ready ? "stdout" : "stderr" in ready ? "stderr" : undefined;
  if (!key) return;
  const pattern = (ready as Record<string, string>)[key] as string;
  try {
    new RegExp(pattern, "m");
  } catch (err) {
    throw new UsageError(`${file}: field "${field}.${key}": not a valid regular expression: ${(err as Error).message}`);
  }
}
