/**
 * The reference server's request log: one line per request handled, the way services log access
 * (seed 001: per-request stdout logging was the largest optimisation target). Modes:
 *   none         no log
 *   stdout       console.log per request (Node's usual: formatting, then a write to stdout)
 *   stdout-sync  one write(2) per request straight to fd 1 (fs.writeSync: no stream machinery)
 *   buffered     lines kept in memory and written together, at 64 KiB or every 250 ms (and at close)
 */
import { writeSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

export const REQUEST_LOG_MODES = ["none", "stdout", "stdout-sync", "buffered"] as const;
export type RequestLogMode = (typeof REQUEST_LOG_MODES)[number];

export interface RequestLog {
  /** call when a request arrives: its line is logged when the response is finished */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** write what is buffered (buffered mode) and stop the flush timer */
  close(): void;
}

const BUFFER_BYTES = 64 * 1024;
const FLUSH_MS = 250;

function logLine(req: IncomingMessage, res: ServerResponse, startedMs: number): string {
  const ms = performance.now() - startedMs;
  return `${new Date().toISOString()} INFO request method=${req.method ?? "-"} path=${req.url ?? "-"} status=${res.statusCode} duration_ms=${ms.toFixed(3)}\n`;
}

export function createRequestLog(mode: RequestLogMode, fd = 1): RequestLog {
  if (mode === "none") return { track: () => {}, close: () => {} };
  let pending: string[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const logFlush = (): void => {
    if (!pending.length) return;
    const text = pending.join("");
    pending = [];
    pendingBytes = 0;
    try {
      writeSync(fd, text);
    } catch {
      // stdout closed: the log is lost, the server goes on
    }
  };
  const logRequest = (line: string): void => {
    if (mode === "stdout") {
      console.log(line.slice(0, -1));
    } else if (mode === "stdout-sync") {
      try {
        writeSync(fd, line);
      } catch {
        // stdout closed
      }
    } else {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= BUFFER_BYTES) logFlush();
      else timer ??= setTimeout(() => {
        timer = undefined;
        logFlush();
      }, FLUSH_MS).unref();
    }
  };
  return {
    track(req, res) {
      const started = performance.now();
      res.once("finish", () => logRequest(logLine(req, res, started)));
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      logFlush();
    },
  };
}
