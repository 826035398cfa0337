/** The reference server's request log (--log): one line per finished response, written by mode. */
import { EventEmitter } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/server/request-log.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function request(): { req: IncomingMessage; res: ServerResponse & EventEmitter } {
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse & EventEmitter;
  return { req: { method: "POST", url: "/poll" } as IncomingMessage, res };
}

function tempFd(): { fd: number; read: () => string } {
  const dir = mkdtempSync(join(tmpdir(), "reqlog-"));
  dirs.push(dir);
  const file = join(dir, "out.log");
  const fd = openSync(file, "w");
  return { fd, read: () => readFileSync(file, "utf8") };
}

describe("request log", () => {
  it("stdout-sync writes each line when its response finishes", () => {
    const out = tempFd();
    const log = createRequestLog("stdout-sync", out.fd);
    const { req, res } = request();
    log.track(req, res);
    expect(out.read()).toBe("");
    res.emit("finish");
    expect(out.read()).toMatch(/^\S+ INFO request method=POST path=\/poll status=200 duration_ms=\d+\.\d{3}\n$/);
    closeSync(out.fd);
  });

  it("buffered keeps lines until close (or 64 KiB, or 250 ms), then writes them at once", () => {
    const out = tempFd();
    const log = createRequestLog("buffered", out.fd);
    for (let i = 0; i < 3; i++) {
      const { req, res } = request();
      log.track(req, res);
      res.emit("finish");
    }
    expect(out.read()).toBe("");
    log.close();
    expect(out.read().trim().split("\n")).toHaveLength(3);
    closeSync(out.fd);
  });

  it("none logs nothing", () => {
    const out = tempFd();
    const log = createRequestLog("none", out.fd);
    const { req, res } = request();
    log.track(req, res);
    res.emit("finish");
    log.close();
    expect(out.read()).toBe("");
    expect(res.listenerCount("finish")).toBe(0);
    closeSync(out.fd);
  });
});
