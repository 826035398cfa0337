/**
 * One kernel tracer (bpftrace, perf stat) as our own child: what the wake-up counter, the syscall
 * counter and --profile cpu's off-CPU tracer share.
 *
 * - It runs detached (its own process group: signals go to the group, the tracer's workload included)
 *   with the bounded workload (util/bound-workload.ts) on a stdin pipe that is never ended, so it ends
 *   with the harness (SIGKILL included) or at the bound.
 * - Its stdout and stderr are kept as text.
 * - ready() waits for the tracer's readiness marker (a test on that text), with a timeout.
 * - stop() interrupts it (SIGINT, the Ctrl-C tracers print their results on) and kills it (SIGKILL)
 *   after a grace; a process 'exit' hook kills it if the harness exits first.
 * - startProblem and problemLine() give the one-line reason it failed.
 * The measured processes are never signalled.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { boundWorkloadArgv } from "../util/bound-workload.js";

export interface TracerSpec {
  /** the program: "bpftrace", "perf" */
  command: string;
  args: string[];
  /** how long it may run at most (seconds), and how its workload is given: bpftrace's `-c <line>`, or perf's `-- <argv>` after the args */
  bound: { seconds: number; as: "-c" | "--" };
  /** added to the harness's environment */
  env?: Record<string, string>;
  /** stdout: "ignore" for a tracer that prints on stderr only (perf stat) */
  stdout?: "pipe" | "ignore";
  /** the whole reason when the program is not on the PATH (ENOENT); otherwise "<command> could not be started: <error>" */
  whenMissing?: string;
}

/** How ready() ended. */
export type ReadyOutcome = "ready" | "timeout" | "closed" | "error";

/** Lines of the tracer's bounded workload on stderr (never the reason a tracer failed). */
const WORKLOAD_LINE = /^(timeout|cat|sleep): /;

/** bpftrace's stderr lines that are not why it failed (the RLIMIT_MEMLOCK warning is not a failure on kernels ≥ 5.11). */
export const BPFTRACE_NOISE = [/RLIMIT_MEMLOCK/, /^Attaching \d+ probes/];

export class TracerChild {
  stdout = "";
  stderr = "";
  /** why it could not be started (spawn threw, or emitted 'error'); undefined while it could */
  startProblem?: string;
  private readonly child?: ChildProcess;
  private readonly closed: Promise<void>;
  private interrupted = false;
  private readonly onExit = (): void => this.killNow();

  constructor(private readonly spec: TracerSpec) {
    const workload = boundWorkloadArgv(spec.bound.seconds);
    // bpftrace wants absolute paths for its workload (a /bin → /usr/bin link makes `timeout` ambiguous)
    const args = spec.bound.as === "-c" ? ["-c", workload.join(" "), ...spec.args] : [...spec.args, "--", ...workload];
    let child: ChildProcess;
    try {
      child = spawn(spec.command, args, {
        detached: true,
        // stdin stays open (never ended): its close is the workload's cue that the harness is gone
        stdio: ["pipe", spec.stdout ?? "pipe", "pipe"],
        env: { ...process.env, ...spec.env },
      });
    } catch (err) {
      this.startProblem = `${spec.command} could not be started: ${(err as Error).message}`;
      this.closed = Promise.resolve();
      return;
    }
    this.child = child;
    process.once("exit", this.onExit);
    this.closed = new Promise((resolve) =>
      child.once("close", () => {
        process.removeListener("exit", this.onExit);
        resolve();
      }),
    );
    child.once("error", (err: NodeJS.ErrnoException) => {
      this.startProblem = err.code === "ENOENT" && spec.whenMissing ? spec.whenMissing : `${spec.command} could not be started: ${err.message}`;
    });
    child.stdout?.on("data", (c: Buffer) => (this.stdout += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (this.stderr += c.toString()));
  }

  /** The tracer's process id (also its group's) once spawned. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether it has been spawned and not yet exited. */
  get running(): boolean {
    const c = this.child;
    return c?.pid !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** Wait until isReady(stdout, stderr) holds, the tracer fails or ends, or timeoutMs passes. */
  ready(isReady: (stdout: string, stderr: string) => boolean, timeoutMs: number): Promise<ReadyOutcome> {
    const child = this.child;
    if (!child || this.startProblem) return Promise.resolve("error");
    if (isReady(this.stdout, this.stderr)) return Promise.resolve("ready");
    return new Promise((resolve) => {
      const done = (outcome: ReadyOutcome): void => {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        child.stderr?.off("data", check);
        resolve(outcome);
      };
      // after the collecting listeners (registered first), so the text is up to date
      const check = (): void => {
        if (isReady(this.stdout, this.stderr)) done("ready");
      };
      const timer = setTimeout(() => done("timeout"), timeoutMs);
      timer.unref();
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
      child.once("error", () => done("error"));
      this.closed.then(() => done(this.startProblem ? "error" : "closed"), () => undefined);
    });
  }

  /** Send a signal to the tracer alone (not its group), e.g. SIGUSR1 for bpftrace to print its maps; false when it is gone. */
  signal(sig: NodeJS.Signals): boolean {
    if (!this.running || this.child?.pid === undefined) return false;
    try {
      process.kill(this.child.pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** Interrupt the group once (SIGINT: the tracer prints its results and ends) without waiting; false when there was nothing to interrupt. */
  interrupt(): boolean {
    if (!this.running || this.interrupted) return false;
    this.interrupted = true;
    this.signalGroup("SIGINT");
    return true;
  }

  /**
   * Interrupt it if it runs, wait up to graceMs for it to end, else kill its group and wait for that.
   * Resolves true when it ended by itself within the grace (or was not running). Safe to call twice.
   */
  async stop(graceMs: number): Promise<boolean> {
    let ended = true;
    const within = (ms: number): Promise<boolean> => Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (this.running) {
      this.interrupt();
      ended = await within(graceMs);
      if (!ended) {
        this.signalGroup("SIGKILL");
        await this.closed;
      }
    } else if (this.child?.pid !== undefined && !(await within(Math.min(graceMs, 1000)))) {
      // it ended by itself, but its pipes are still open: something of its group (the workload) holds
      // them, and its last output may still be on the way; end the group so the text is whole
      this.signalGroup("SIGKILL");
      await this.closed;
    }
    process.removeListener("exit", this.onExit);
    return ended;
  }

  /** Synchronous last resort for an exiting harness: kill the group. */
  killNow(): void {
    if (this.running) this.signalGroup("SIGKILL");
  }

  /** The first stderr line that says what went wrong, passing over blank lines, the workload's and those matching `noise`. */
  problemLine(noise: RegExp[] = []): string | undefined {
    return this.stderr
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l && !WORKLOAD_LINE.test(l) && !noise.some((re) => re.test(l)));
  }

  private signalGroup(sig: NodeJS.Signals): void {
    if (this.child?.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }
}
