/**
 * One started process's log file. Output is kept up to a cap (a process flooding stdout must not
 * fill the disk or the harness's memory); past the cap, and after a failed write (a full disk, a
 * deleted folder), the output is still read from the pipe, so the process never blocks on it, but
 * dropped and counted. `note()` says in one sentence what the log is missing, for the report.
 */
import { createWriteStream, existsSync, type WriteStream } from "node:fs";

/** Default cap per log file: HARNESS_LOG_CAP_MB, else 20 MB. */
export function logCapBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.HARNESS_LOG_CAP_MB);
  return Number.isFinite(mb) && mb > 0 ? Math.round(mb * 1024 * 1024) : 20 * 1024 * 1024;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

export class LogSink {
  private readonly stream: WriteStream;
  private kept = 0;
  private dropped = 0;
  private failure: string | undefined;

  constructor(
    readonly file: string,
    /** the name the report shows (the path relative to the run folder) */
    private readonly shown: string,
    private readonly cap = logCapBytes(),
  ) {
    this.stream = createWriteStream(file);
    this.stream.on("error", (err: NodeJS.ErrnoException) => {
      // an unhandled 'error' event would end the harness with a stack trace; the run goes on without this log
      this.failure ??= `${err.code ?? "error"}: ${err.message.replace(/^[A-Z]+: /, "")}`;
    });
  }

  write(chunk: Buffer): void {
    if (this.failure !== undefined || this.kept >= this.cap) {
      this.dropped += chunk.length;
      return;
    }
    const room = this.cap - this.kept;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.kept += part.length;
    this.dropped += chunk.length - part.length;
    this.stream.write(part);
  }

  /** Flush and close; never rejects. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.end(() => resolve());
      this.stream.once("error", () => resolve());
    });
  }

  /** What the log is missing, or undefined when it holds everything the process wrote. */
  note(): string | undefined {
    if (this.failure !== undefined) return `log ${this.shown} could not be written (${this.failure}): ${this.dropped > 0 ? `${mb(this.dropped)} of output after that was dropped` : "output after that was dropped"}`;
    if (!existsSync(this.file)) return `log ${this.shown} was deleted during the run: its output is lost`;
    if (this.dropped > 0) return `log ${this.shown} capped at ${mb(this.cap)} (HARNESS_LOG_CAP_MB): the process wrote ${mb(this.dropped)} more, dropped`;
    return undefined;
  }
}
