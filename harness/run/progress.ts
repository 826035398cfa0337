/** The live terminal view of a run, and nothing else: phase, time left, live CPU per role. */
import type { TickView } from "./execute-run.js";

export class Progress {
  private lastPrinted = 0;
  private lastPhase = "";
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = Boolean(stream.isTTY) && process.env.CI !== "true";
  }

  tick(v: TickView): void {
    if (this.quiet) return;
    const cpu = Object.entries(v.cpuByRole)
      .map(([role, x]) => `${role} ${x.toFixed(1).padStart(5)}%`)
      .join("  ");
    const line = `[${v.phase.padEnd(8)}] ${Math.ceil(v.secondsLeft).toString().padStart(4)} s left  ${cpu}`;
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${line}`);
      if (v.phase === "stopping") this.stream.write("\r\x1b[2K");
      return;
    }
    const now = Date.now();
    if (v.phase !== this.lastPhase || now - this.lastPrinted >= 10_000) {
      if (v.phase !== "stopping") this.stream.write(`${line}\n`);
      this.lastPrinted = now;
      this.lastPhase = v.phase;
    }
  }

  event(message: string): void {
    if (this.quiet) return;
    this.stream.write(`${this.tty ? "\r\x1b[2K" : ""}harness: ${message}\n`);
  }
}
