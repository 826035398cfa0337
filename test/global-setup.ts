/**
 * Build once if needed (integration tests start the compiled programs), and after the whole suite
 * check that no process started by it is left running.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

export function leftoverProcesses(): string[] {
  const out: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (cmd.includes(join(root, "dist", "src")) || cmd.includes("harness-test-marker")) out.push(`${entry}: ${cmd.trim()}`);
  }
  return out;
}

export function setup(): void {
  if (!existsSync(join(root, "dist", "harness", "cli", "main.js")) || !existsSync(join(root, "dist", "src", "server", "main.js"))) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  }
}

export async function teardown(): Promise<void> {
  // give just-stopped processes a moment to be reaped
  for (let i = 0; i < 20 && leftoverProcesses().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  const left = leftoverProcesses();
  if (left.length > 0) {
    throw new Error(`the test suite left ${left.length} process(es) running:\n${left.join("\n")}`);
  }
}
