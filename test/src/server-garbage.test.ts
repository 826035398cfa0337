/**
 * The reference server as a process, fed garbage over raw sockets: random bytes, truncated requests,
 * huge headers, oversize and malformed bodies. Each gets a 4xx or a closed connection, never a crash
 * or a 5xx, and the server keeps answering /healthz after every one. It listens on loopback only.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const SERVER = join(ROOT, "dist", "src", "server", "main.js");
let proc: ChildProcess;
let base = "";
let port = 0;
let stderr = "";

beforeAll(async () => {
  proc = spawn(process.execPath, [SERVER, "--db", ":memory:"], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  base = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /LISTENING (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    proc.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  port = Number(new URL(base).port);
});

afterAll(async () => {
  proc.kill("SIGKILL");
  await new Promise((r) => proc.once("exit", r));
});

/** Send raw bytes, half-close or not, and collect whatever comes back until the server closes or a timeout. */
function raw(payload: Buffer | string, opts: { end?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = "";
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, opts.waitMs ?? 1500);
    s.on("data", (c: Buffer) => (got += c.toString("latin1")));
    s.on("close", done);
    s.on("error", done);
    s.on("connect", () => {
      s.write(payload);
      if (opts.end ?? true) s.end();
    });
  });
}

const statusOf = (reply: string): number | undefined => {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return m ? Number(m[1]) : undefined;
};

async function healthy(): Promise<void> {
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  expect(proc.exitCode).toBeNull();
}

const big = (n: number): string => "a".repeat(n);

const garbage: { name: string; payload: () => Buffer | string; end?: boolean; expect: "4xx" | "4xx-or-closed" | number }[] = [
  { name: "64 KB of random bytes", payload: () => randomBytes(64 * 1024), expect: "4xx-or-closed" },
  { name: "random bytes after a valid request line", payload: () => Buffer.concat([Buffer.from("POST /poll HTTP/1.1\r\n"), randomBytes(4096)]), expect: "4xx-or-closed" },
  { name: "truncated request line", payload: () => "GET /heal", expect: "4xx-or-closed" },
  { name: "truncated headers", payload: () => "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Ty", expect: "4xx-or-closed" },
  { name: "body shorter than its Content-Length", payload: () => 'POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"queue":"de', expect: "4xx-or-closed" },
  { name: "200 KB header", payload: () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${big(200 * 1024)}\r\n\r\n`, expect: 431 },
  { name: "5000 headers", payload: () => `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`, expect: "4xx-or-closed" },
  { name: "negative Content-Length", payload: () => "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", expect: 400 },
  { name: "non-numeric Content-Length", payload: () => "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", expect: 400 },
  { name: "broken chunked encoding", payload: () => "POST /jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnope\r\n", expect: 400 },
  { name: "both Content-Length and chunked (smuggling shape)", payload: () => "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: 400 },
  { name: "unknown method", payload: () => "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", expect: "4xx" },
  { name: "NUL bytes in the path", payload: () => "GET /he\0al\0thz HTTP/1.1\r\nHost: x\r\n\r\n", expect: "4xx-or-closed" },
  { name: "oversize JSON body (1 MB)", payload: () => `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 + 2}\r\nConnection: close\r\n\r\n"${big(1024 * 1024)}"`, expect: 413 },
  { name: "oversize chunked body with no length", payload: () => `POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${"10000\r\n" + big(0x10000) + "\r\n"}${"10000\r\n" + big(0x10000) + "\r\n"}0\r\n\r\n`, expect: 413 },
  { name: "malformed JSON", payload: () => 'POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"queue": de', expect: 400 },
  { name: "JSON nested 20,000 deep", payload: () => { const b = "[".repeat(20000) + "]".repeat(20000); return `POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n${b}`; }, expect: 400 },
  { name: "invalid UTF-8 body", payload: () => Buffer.concat([Buffer.from("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\n"), Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])]), expect: 400 },
  { name: "fields of the wrong type", payload: () => { const b = JSON.stringify({ worker: 5, queue: ["x"], waitMs: "forever" }); return `POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n${b}`; }, expect: 400 },
];

describe("reference server: garbage in, 4xx out, still serving", () => {
  it("listens on loopback only", () => {
    expect(new URL(base).hostname).toBe("127.0.0.1");
    const r = spawnSync(process.execPath, [SERVER, "--host", "0.0.0.0", "--check"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/loopback/);
  });

  it("cannot be reached on a non-loopback address", async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (!external) return; // no other interface on this machine
    const err = await new Promise<string>((resolve) => {
      const s = connect({ host: external, port });
      s.once("connect", () => {
        s.destroy();
        resolve("connected");
      });
      s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(err).toBe("ECONNREFUSED");
  });

  it.each(garbage)("$name", async (g) => {
    const reply = await raw(g.payload(), { end: g.end });
    const status = statusOf(reply);
    if (typeof g.expect === "number") expect(status, reply.slice(0, 200)).toBe(g.expect);
    else if (g.expect === "4xx") expect(status, reply.slice(0, 200)).toBeGreaterThanOrEqual(400);
    if (status !== undefined) expect(status, reply.slice(0, 200)).toBeLessThan(500);
    await healthy();
  });

  it("survives 50 garbage connections at once, then does real work", async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => raw(i % 2 ? randomBytes(2048) : "POST /poll HTTP/1.1\r\nContent-Length: 10\r\n\r\n{", { waitMs: 500 })));
    await healthy();
    const enq = await fetch(`${base}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ queue: "q" }) });
    expect(enq.status).toBeLessThan(300);
    await enq.arrayBuffer();
    const poll = await fetch(`${base}/poll`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ worker: "w", queue: "q" }) });
    expect(poll.status).toBe(200);
    expect(((await poll.json()) as { job: unknown }).job).not.toBeNull();
    expect(stderr).not.toMatch(/Error|at /);
  });
});
