/**
 * Programs a test starts as plain children (not in a group of their own): each is SIGKILLed and
 * awaited after every test, so none outlives the test that started it. See groups.ts for programs
 * that start trees of their own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach } from "vitest";

export interface StartOptions {
  cwd?: string;
  /** pipe stdout for waitFor; otherwise it is not piped at all (a pipe nobody reads fills up and blocks a chatty program such as redis-cli) */
  read?: boolean;
}

/** Registers the after-each clean-up where it is called (top level or inside a describe) and returns the starter. */
export function trackChildren(): (cmd: string, args: string[], opts?: StartOptions) => ChildProcess {
  const started: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of started.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once("exit", r));
        c.kill("SIGKILL");
        await gone;
      }
    }
  });
  return (cmd, args, opts = {}) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ["ignore", opts.read ? "pipe" : "ignore", "ignore"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    started.push(child);
    return child;
  };
}

/** Resolves with the first match of `re` in the child's stdout (started with read: true); rejects if it ends first (on 'close', after its last output: 'exit' can come before it). */
export function waitFor(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (c: Buffer) => {
      text += c.toString();
      const m = re.exec(text);
      if (m) resolve(m);
    });
    child.once("close", () => reject(new Error(`exited before ${re}: ${text}`)));
  });
}
