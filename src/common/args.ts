/** Tiny shared argument reader for the reference programs (flags, with environment fallbacks). */
import { parseArgs } from "node:util";

export class ArgError extends Error {}

export type FlagSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean; env?: string }>;

export function readArgs(argv: string[], spec: FlagSpec, env: NodeJS.ProcessEnv = process.env): Record<string, string | string[] | boolean | undefined> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [k, v] of Object.entries(spec)) options[k] = v.multiple ? { type: v.type, multiple: true } : { type: v.type };
  let values: Record<string, string | string[] | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ArgError((err as Error).message.split("\n")[0] ?? "bad arguments"); // one line, as promised
  }
  const out: Record<string, string | string[] | boolean | undefined> = {};
  for (const [k, v] of Object.entries(spec)) {
    const given = values[k] as string | string[] | boolean | undefined;
    if (given !== undefined) out[k] = given;
    else if (v.env && env[v.env] !== undefined) {
      const e = env[v.env] as string;
      out[k] = v.multiple ? e.split(",").filter(Boolean) : v.type === "boolean" ? e === "1" || e === "true" : e;
    }
  }
  return out;
}

export function intArg(value: string | undefined, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ArgError(`--${name}: expected a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A --server value: an http:// URL. */
export function parseServerUrl(value: string | undefined): string {
  if (!value) throw new ArgError("--server <url> is required");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ArgError(`--server: not a URL: "${value}"`);
  }
  if (url.protocol !== "http:") throw new ArgError(`--server: expected an http:// URL, got "${value}"`);
  return value;
}

/** Run a program's main: ArgError → one line on stderr and exit 2. */
export function runMain(prog: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ArgError) {
      process.stderr.write(`${prog}: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${prog}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

export function onStopSignal(stop: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(0);
    stopping = true;
    Promise.resolve(stop())
      .catch(() => undefined)
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
