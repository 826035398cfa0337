/**
 * Starts the processes of a run, each as the leader of its own process group, keeps their output in
 * log files, and stops every group it started: on success, on failure, and on Ctrl-C or SIGTERM.
 * It never signals a process it did not start.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { basename, dirname, join } from "node:path";
import { RunError } from "../util/errors.js";
import type { ProcessSpec } from "../scenario/plan.js";
import { fillPlaceholders } from "../scenario/plan.js";
import { identify, type MeasuredProcess } from "../sample/tree-snapshot.js";
import { readStat } from "../sample/proc.js";
import { waitReady } from "./readiness.js";
import { LogSink } from "./log-sink.js";

export interface Started {
  spec: ProcessSpec;
  argv: string[];
  child: ChildProcess;
  pid: number;
  target: MeasuredProcess;
  logFile: string;
  /** set when the process exits */
  exit?: { code: number | null; signal: string | null; atMs: number };
  /** captured group 1 of the ready pattern, if any */
  readyCapture?: string;
  tail(): string[];
}

const TAIL_LINES = 20;

export class Supervisor {
  readonly started: Started[] = [];
  private stopping = false;
  private readonly logs: LogSink[] = [];
  /** called when a started process exits while the run is not stopping */
  onUnexpectedExit: (p: Started) => void = () => {};
  /** called synchronously right after a process is spawned (the run record writes it down) */
  onStarted: (p: Started) => void = () => {};

  constructor(private readonly logDir: string) {}

  async start(spec: ProcessSpec, serverUrl: string | undefined): Promise<Started> {
    const values = { serverUrl, index: spec.index, name: spec.name };
    const argv = spec.argv.map((a) => fillPlaceholders(a, values));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.env)) env[k] = fillPlaceholders(v, values);
    const [cmd, ...args] = spec.shell ? ["/bin/sh", "-c", argv.join(" ")] : argv;
    // Names are validated by the scenario schema; this keeps a log file inside the log folder regardless.
    const logFile = join(this.logDir, `${spec.name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_")}.log`);
    const log = new LogSink(logFile, join(basename(dirname(logFile)), basename(logFile)));
    this.logs.push(log);
    const tail: string[] = [];
    const child = spawn(cmd as string, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...env, HARNESS_PROCESS_NAME: spec.name, HARNESS_INDEX: String(spec.index) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      uid: spec.uid,
      gid: spec.gid,
    });
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    if (child.pid === undefined) {
      const err = await spawnError;
      throw new RunError(`${spec.role} "${spec.name}": cannot start ${JSON.stringify(cmd)}: ${err.message}`);
    }
    const pid = child.pid;
    const p: Started = {
      spec,
      argv,
      child,
      pid,
      target: identify(pid) ?? { pid, startTicks: -1 },
      logFile,
      tail: () => [...tail],
    };
    const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      log.write(chunk);
      // only the end of a big chunk can hold the last lines (a flooding process sends 64 KB at a time)
      const end = chunk.length > 8192 ? chunk.subarray(chunk.length - 4096) : chunk;
      for (const line of end.toString("utf8").split("\n")) {
        if (line.length === 0) continue;
        tail.push(`${stream === "stderr" ? "! " : ""}${line}`);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout?.on("data", onData("stdout"));
    child.stderr?.on("data", onData("stderr"));
    child.on("exit", (code, signal) => {
      p.exit = { code, signal, atMs: Date.now() };
      if (!this.stopping) this.onUnexpectedExit(p);
    });
    this.started.push(p);
    this.onStarted(p);
    return p;
  }

  async startAndWait(spec: ProcessSpec, serverUrl: string | undefined, signal: AbortSignal): Promise<Started> {
    const p = await this.start(spec, serverUrl);
    if (spec.ready) {
      const ready = spec.ready;
      p.readyCapture = await waitReady(p, ready, spec.readyTimeoutS, signal, (s) => fillPlaceholders(s, { serverUrl, index: spec.index, name: spec.name }));
    }
    return p;
  }

  /** Stop every process group started: SIGTERM, then SIGKILL after the grace period. */
  async stopAll(graceMs = 3000): Promise<void> {
    this.stopping = true;
    const ours = this.started.filter(ourGroup);
    const groups = ours.map((p) => p.pid);
    for (const p of ours) signalGroup(p.pid, p.spec.stopSignal ?? "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && groups.some(groupAlive)) await sleep(50);
    for (const pgid of groups) if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
    const killDeadline = Date.now() + 2000;
    while (Date.now() < killDeadline && groups.some(groupAlive)) await sleep(20);
    await Promise.all(this.logs.map((l) => l.end()));
  }

  /** One sentence per log that misses output (capped, not writable, deleted), after stopAll. */
  logNotes(): string[] {
    return this.logs.map((l) => l.note()).filter((n): n is string => n !== undefined);
  }

  /** Synchronous last resort, for process exit paths that cannot wait. */
  killAllNow(): void {
    this.stopping = true;
    for (const p of this.started) if (ourGroup(p)) signalGroup(p.pid, "SIGKILL");
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}

/**
 * False when the leader's pid now belongs to another program (same pid, other start time): its old
 * group is then gone, since Linux never reuses a pid that is still a group id, and must not be signalled.
 */
function ourGroup(p: Started): boolean {
  const st = readStat(p.pid);
  return st === undefined || st.startTicks === p.target.startTicks;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // group already gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
