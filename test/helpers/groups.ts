/** Processes a test starts in their own process group, all killed after each test. */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach } from "vitest";

export function trackGroups(): (cmd: string, args: string[]) => ChildProcess {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        if (c.pid) process.kill(-c.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  return (cmd, args) => {
    const c = spawn(cmd, args, { detached: true, stdio: "ignore" });
    children.push(c);
    return c;
  };
}
