/**
 * Preflight for the reference server's native SQLite addon (better-sqlite3): an addon compiled for
 * one Node.js line does not load under another (each major line has its own ABI,
 * NODE_MODULE_VERSION). Installed under Node 20 and run under Node 24, the server would die at its
 * first query; this says so before anything starts, with the command that fixes it.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../util/paths.js";

/** Node.js major line of each NODE_MODULE_VERSION (nodejs/node doc/abi_version_registry.json) */
const ABI_LINE: Record<number, number> = { 108: 18, 111: 19, 115: 20, 120: 21, 127: 22, 131: 23, 137: 24, 141: 25 };

function described(abi: number): string {
  const line = ABI_LINE[abi];
  return line ? `${abi} (Node ${line})` : String(abi);
}

/** The one-line message for a loader error, or null when the error is not an ABI mismatch. */
export function abiMismatchMessage(errorText: string, nodeVersion = process.version, modules = process.versions.modules): string | null {
  const m = /NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(errorText);
  if (!m) return null;
  const built = Number(m[1]);
  const here = Number(m[2] ?? modules);
  return `better-sqlite3 was built for Node ABI ${described(built)}, this is Node ${nodeVersion} (ABI ${here}): run \`npm rebuild better-sqlite3\` with this Node on PATH (the reference server stores its jobs with it)`;
}

/**
 * null when the addon loads and opens an in-memory database under this Node (the one that runs the
 * reference server: process.execPath), else one line saying why and what to run.
 */
export function sqliteAddonProblem(root = packageRoot()): string | null {
  try {
    const req = createRequire(join(root, "package.json"));
    // loads the compiled addon (better-sqlite3 loads it on the first open) and closes at once
    const Database = req("better-sqlite3") as new (file: string) => { close(): void };
    new Database(":memory:").close();
    return null;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return abiMismatchMessage(text) ?? `better-sqlite3 cannot be loaded under Node ${process.version}: ${text.split("\n")[0]} (run \`npm ci\` or \`npm rebuild better-sqlite3\` with this Node on PATH)`;
  }
}
