/** Readiness checks: a line on stdout/stderr, an HTTP URL answering 2xx, a TCP port, or a delay. */
import { connect } from "node:net";
import { RunError } from "../util/errors.js";
import type { Ready } from "../scenario/schema.js";
import type { Started } from "./supervisor.js";

function lastLines(p: Started): string {
  const t = p.tail();
  return t.length ? `; last lines of ${p.logFile}:\n    ${t.slice(-10).join("\n    ")}` : `; its log ${p.logFile} is empty`;
}

function describe(ready: Ready): string {
  if ("stdout" in ready) return `a stdout line matching /${ready.stdout}/`;
  if ("stderr" in ready) return `a stderr line matching /${ready.stderr}/`;
  if ("http" in ready) return `${ready.http} to answer 2xx`;
  if ("tcp" in ready) return `127.0.0.1:${ready.tcp} to accept connections`;
  return `${ready.delayMs} ms`;
}

async function probeHttp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function probeTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Resolves with the pattern's first capture group (if any) once ready; throws RunError otherwise. */
export async function waitReady(p: Started, ready: Ready, timeoutS: number, signal: AbortSignal, fill: (s: string) => string): Promise<string | undefined> {
  const who = `${p.spec.role} "${p.spec.name}"`;
  const deadline = Date.now() + timeoutS * 1000;
  const started = Date.now();
  const pattern = "stdout" in ready ? new RegExp(ready.stdout, "m") : "stderr" in ready ? new RegExp(ready.stderr, "m") : undefined;
  const stream = "stderr" in ready ? p.child.stderr : p.child.stdout;
  let captured: string | undefined;
  let matched = false;
  let buffer = "";
  const onData = (chunk: Buffer): void => {
    if (!pattern || matched) return;
    buffer += chunk.toString("utf8");
    const m = pattern.exec(buffer);
    if (m) {
      matched = true;
      captured = m[1];
    }
    if (buffer.length > 1_000_000) buffer = buffer.slice(-100_000);
  };
  stream?.on("data", onData);
  try {
    while (true) {
      if (signal.aborted) throw new RunError(`interrupted while waiting for ${who} to become ready`);
      if (pattern && matched) return captured;
      if ("delayMs" in ready && Date.now() - started >= ready.delayMs) return undefined;
      if ("http" in ready && (await probeHttp(fill(ready.http)))) return undefined;
      if ("tcp" in ready && (await probeTcp(ready.tcp))) return undefined;
      if (p.exit) {
        throw new RunError(`${who} exited (${p.exit.signal ?? `code ${p.exit.code}`}) before it was ready${lastLines(p)}`);
      }
      if (Date.now() > deadline) {
        throw new RunError(`${who} was not ready after ${timeoutS} s (waited for ${describe(ready)})${lastLines(p)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    stream?.off("data", onData);
  }
}
