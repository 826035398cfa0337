/**
 * The workload a tracer (bpftrace -c, perf -- ...) runs so that it never outlives the harness:
 * `timeout --foreground N cat` reading a pipe from the harness. When the harness ends, even by
 * SIGKILL, the kernel closes the pipe, cat ends, and the tracer with it; `timeout` bounds it anyway.
 * The tracer must be spawned with stdin: "pipe", never ended: sample/tracer-child.ts does both.
 */
import { existsSync, realpathSync } from "node:fs";

/** The first `name` on the PATH, resolved to its real file (bpftrace wants absolute paths, and a /bin → /usr/bin link makes a bare name ambiguous). */
export function onPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? "").split(":")) {
    if (!d || !existsSync(`${d}/${name}`)) continue;
    try {
      return realpathSync(`${d}/${name}`);
    } catch {
      return `${d}/${name}`;
    }
  }
  return undefined;
}

/** The workload's argv (perf runs it after `--`; bpftrace's -c takes it as one line). */
export function boundWorkloadArgv(seconds: number): string[] {
  return [onPath("timeout") ?? "timeout", "--foreground", String(Math.ceil(seconds)), onPath("cat") ?? "cat"];
}
