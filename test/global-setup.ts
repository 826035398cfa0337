/**
 * Build once if needed (integration tests start the compiled programs), and after the whole suite
 * check that no process started by it is left running.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomUUID } from "node:crypto";

const root = join(import.meta.dirname, "..");

/**
 * Every process started by this test run inherits HARNESS_TEST_RUN (set in setup below), so the
 * check finds our leftovers and never another session's processes.
 */
export function leftoverProcesses(): string[] {
  const marker = process.env.HARNESS_TEST_RUN;
  const out: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    let environ = "";
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "utf8");
    } catch {
      continue;
    }
    if (/vitest/.test(cmd)) continue; // the test runner itself and its workers
    if (marker && environ.split("\0").includes(`HARNESS_TEST_RUN=${marker}`)) out.push(`${entry}: ${cmd.trim()}`);
  }
  return out;
}

export function setup(): void {
  process.env.HARNESS_TEST_RUN ??= randomUUID();
  // run records of this suite live apart from the user's (see harness/supervise/run-record.ts)
  process.env.HARNESS_STATE_DIR ??= join(tmpdir(), `harness-test-state-${process.env.HARNESS_TEST_RUN}`);
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
