/** Run the compiled `harness` CLI as a user would, optionally sending it a signal mid-run. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "harness.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = "harness-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function runHarness(args: string[], opts: { signal?: NodeJS.Signals; signalWhen?: RegExp; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: "true", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (opts.signal && opts.signalWhen && !sent && opts.signalWhen.test(stderr)) {
        sent = true;
        child.kill(opts.signal);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 110_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
