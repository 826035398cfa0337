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

/** Whether a pid is running (signal 0: no signal is sent). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
