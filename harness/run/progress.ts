/** The live terminal view of a run, and nothing else: phase, time left, live CPU per role. */
import type { TickView } from "./execute-run.js";
import { useColour } from "../util/colour.js";

export class Progress {
  private lastPrinted = 0;
  private lastPhase = "";
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    // redrawn in place only where escape sequences are welcome (a terminal, not NO_COLOR, not TERM=dumb)
    this.tty = useColour(stream) && Boolean(stream.isTTY) && process.env.CI !== "true";
  }

  /**
   * One reading's view. On a terminal the line is redrawn in place (one write per reading); in a log
   * (not a TTY, or CI) a line is written when the phase changes or every 10 s, and nothing is
   * formatted in between: the harness's own CPU is what it measures against.
   */
  tick(v: TickView): void {
    if (this.quiet) return;
    if (this.tty) {
      this.stream.write(v.phase === "stopping" ? "\r\x1b[2K" : `\r\x1b[2K${this.line(v)}`);
      return;
    }
    const now = Date.now();
    if (v.phase !== this.lastPhase || now - this.lastPrinted >= 10_000) {
      if (v.phase !== "stopping") this.stream.write(`${this.line(v)}\n`);
      this.lastPrinted = now;
      this.lastPhase = v.phase;
    }
  }

  private line(v: TickView): string {
    const cpu = Object.entries(v.cpuByRole)
      .map(([role, x]) => `${role} ${x.toFixed(1).padStart(5)}%`)
      .join("  ");
    return `[${v.phase.padEnd(8)}] ${Math.ceil(v.secondsLeft).toString().padStart(4)} s left  ${cpu}`;
  }

  event(message: string): void {
    if (this.quiet) return;
    this.stream.write(`${this.tty ? "\r\x1b[2K" : ""}harness: ${message}\n`);
  }
}
