/**
 * Wire evidence of programs the harness knows nothing about, measured by `harness attach`: round
 * trips/s from the kernel's TCP counters (and connect/accept counts for connections that live less
 * than the window) must agree within 10% with the server's own count of what it served.
 * Requires python3, redis-server/redis-cli, ss (iproute2) and perf (linux-perf), as CI installs them.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createServer, connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ProcessResult, RunResult } from "../../harness/analyze/result-types.js";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { alive } from "../helpers/groups.js";

const programs = join(ROOT, "test", "fixtures", "wire", "programs");
const started: ChildProcess[] = [];

/** Start a program in its own process group (killed as a group in afterAll); stdout is read only when asked (an unread pipe fills and blocks it). */
function start(cmd: string, args: string[], readStdout = false): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", readStdout ? "pipe" : "ignore", "ignore"] });
  started.push(child);
  return child;
}

afterAll(async () => {
  for (const c of started.splice(0)) {
    if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once("exit", r));
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      c.kill("SIGKILL");
    }
    await gone;
  }
});

const load = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
const proc = (r: RunResult, name: string): ProcessResult => r.processes.find((p) => p.name === name) as ProcessResult;

/** The window of a result in epoch seconds (startedAt is taken just before the warm-up starts). */
function windowOf(r: RunResult): [number, number] {
  // the window's own start reading: startedAt + warmupS is nominal (bpftrace compiling comes first)
  const from = Date.parse(r.window.startedAt ?? r.startedAt) / 1000 + (r.window.startedAt ? 0 : r.window.warmupS);
  return [from, from + r.window.measuredS];
}

/** The Python server: its port, and every request it answered with its epoch time. */
function startHttpServer(keepalive: boolean): Promise<{ child: ChildProcess; port: number; times: number[] }> {
  const child = start("python3", [join(programs, "http_server.py"), ...(keepalive ? ["--keepalive"] : [])], true);
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    let text = "";
    let port = 0;
    child.stdout!.on("data", (c: Buffer) => {
      text += c.toString();
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const l of lines) {
        const m = /^listening on (\d+)/.exec(l);
        if (m) {
          port = Number(m[1]);
          resolve({ child, port, times });
        } else {
          const t = Number(l.split(" ")[0]);
          if (t > 0) times.push(t);
        }
      }
    });
    child.once("exit", () => reject(new Error(`http_server.py exited before listening: ${text}`)));
    if (!port) setTimeout(() => reject(new Error("http_server.py did not listen in 10 s")), 10_000).unref();
  });
}

function servedPerS(times: number[], [from, to]: [number, number]): number {
  return times.filter((t) => t >= from && t < to).length / (to - from);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ratio(a: number, b: number): number {
  return a / b;
}

describe("wire evidence (harness attach)", () => {
  it("finds the components it needs", () => {
    for (const [cmd, arg] of [["python3", "--version"], ["redis-server", "--version"], ["ss", "-V"], ["perf", "--version"]] as const) {
      expect(() => execFileSync(cmd, [arg], { stdio: "ignore" }), `${cmd} is required (apt-get install python3 redis-server iproute2 linux-perf)`).not.toThrow();
    }
  });

  it("counts an HTTP/1.0 client's new connection per request as round trips, agreeing with the server's own count", async () => {
    const { child: server, port, times } = await startHttpServer(false);
    const client = start("python3", [join(programs, "http_client.py"), String(port)]);
    await new Promise((r) => setTimeout(r, 500));
    const out = tempDir();
    const r = await runHarness(["attach", "--pid", String(server.pid), "--role", `${server.pid}=server`, "--name", `${server.pid}=web`, "--pid", String(client.pid), "--name", `${client.pid}=fetcher`, "--duration", "4", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(alive(server.pid!) && alive(client.pid!)).toBe(true);
    const result = load(out);
    const served = servedPerS(times, windowOf(result));
    expect(served).toBeGreaterThan(50);
    const web = proc(result, "web").wire!;
    console.log(`http/1.0: server answered ${served.toFixed(1)}/s; wire: server ${web.roundTripsPerS}/s, client ${proc(result, "fetcher").wire?.roundTripsPerS}/s`);
    const fetcher = proc(result, "fetcher").wire!;
    expect(web.source, web.notes.join(" ")).not.toBeNull();
    expect(web.acceptsPerS, web.notes.join(" ")).not.toBeNull();
    // each connection lives one request: the start/end readings see at most one of them
    expect(ratio(web.roundTripsPerS!, served)).toBeGreaterThan(0.9);
    expect(ratio(web.roundTripsPerS!, served)).toBeLessThan(1.1);
    expect(ratio(fetcher.roundTripsPerS!, served)).toBeGreaterThan(0.9);
    expect(ratio(fetcher.roundTripsPerS!, served)).toBeLessThan(1.1);
    expect(ratio(fetcher.connectsPerS!, served)).toBeGreaterThan(0.9);
    expect(web.roundTripsAtLeast).toBe(true);
    expect(web.listening).toEqual([`127.0.0.1:${port}`]);
    expect(proc(result, "fetcher").syscallsByType?.perS.connect).toBeGreaterThan(0);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("## Connections");
    expect(report).toMatch(/\| fetcher \| short-lived connections \|/);
  });

  it("counts an HTTP/2 client's requests on its one multiplexed connection, agreeing with the server's own count", async () => {
    const server = start(process.execPath, [join(programs, "h2_server.mjs")], true);
    const counts: [number, number][] = [];
    const port = await new Promise<number>((resolve, reject) => {
      let text = "";
      server.stdout!.on("data", (c: Buffer) => {
        text += c.toString();
        const lines = text.split("\n");
        text = lines.pop() ?? "";
        for (const l of lines) {
          const m = /^listening on (\d+)/.exec(l);
          if (m) resolve(Number(m[1]));
          const [t, n] = l.split(" ").map(Number);
          if (t && n !== undefined && !m) counts.push([t, n]);
        }
      });
      server.once("exit", () => reject(new Error(`h2_server.mjs exited: ${text}`)));
    });
    const client = start(process.execPath, [join(programs, "h2_client.mjs"), String(port)]);
    await new Promise((r) => setTimeout(r, 700));
    const out = tempDir();
    const r = await runHarness(["attach", "--pid", String(server.pid), "--role", `${server.pid}=server`, "--name", `${server.pid}=h2server`, "--pid", String(client.pid), "--name", `${client.pid}=h2client`, "--duration", "4", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const [from, to] = windowOf(result);
    const inside = counts.filter(([t]) => t >= from && t <= to);
    const first = inside[0];
    const last = inside.at(-1);
    expect(first && last && last[0] > first[0]).toBe(true);
    const served = (last![1] - first![1]) / (last![0] - first![0]);
    expect(served).toBeGreaterThan(50);
    const c = proc(result, "h2client").wire!;
    console.log(`http/2: server answered ${served.toFixed(1)}/s; wire: client ${c.roundTripsPerS}/s`);
    expect(c.connections).toHaveLength(1);
    expect(c.connections[0]).toMatchObject({ peer: "h2server", side: "client" });
    expect(ratio(c.roundTripsPerS!, served)).toBeGreaterThan(0.9);
    // A segment is not a message: a request whose HEADERS and DATA frames leave in two writes is two
    // data segments each way. Unloaded, the three Node lines agree within 5% (Node 20 +0.4%, 22 +4.2%,
    // 24 -0.3% over 3 s, ss on the server's socket); inside a loaded suite Node 22 split more writes
    // and read +11% and +21% (2026-12-01). The README says the figure is then an upper estimate.
    expect(ratio(c.roundTripsPerS!, served)).toBeLessThan(1.3);
  });

  it("follows a keep-alive Node client's one connection to a Python HTTP/1.1 server, naming both ends", async () => {
    const { child: server, port, times } = await startHttpServer(true);
    const client = start(process.execPath, [join(programs, "keepalive_client.mjs"), String(port)]);
    await new Promise((r) => setTimeout(r, 700));
    const out = tempDir();
    const r = await runHarness(["attach", "--pid", String(server.pid), "--role", `${server.pid}=server`, "--name", `${server.pid}=web`, "--pid", String(client.pid), "--name", `${client.pid}=poller`, "--duration", "4", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const served = servedPerS(times, windowOf(result));
    expect(served).toBeGreaterThan(50);
    const poller = proc(result, "poller").wire!;
    expect(poller.connections).toHaveLength(1);
    const c = poller.connections[0]!;
    console.log(`keep-alive: server answered ${served.toFixed(1)}/s; wire: ${c.roundTripsPerS}/s on the client's connection`);
    expect(c).toMatchObject({ peer: "web", side: "client", remote: `127.0.0.1:${port}`, seenAtStart: true, seenAtEnd: true });
    expect(ratio(c.roundTripsPerS, served)).toBeGreaterThan(0.9);
    expect(ratio(c.roundTripsPerS, served)).toBeLessThan(1.1);
    // "no job\n" with its headers: a small answer, a GET of a few dozen bytes
    expect(c.bytesInPerExchange!).toBeGreaterThan(50);
    expect(c.bytesOutPerExchange!).toBeLessThan(200);
    const webSide = proc(result, "web").wire!.connections.find((x) => x.peer === "poller")!;
    expect(webSide.side).toBe("server");
    expect(ratio(webSide.roundTripsPerS, served)).toBeGreaterThan(0.9);
    expect(ratio(webSide.roundTripsPerS, served)).toBeLessThan(1.1);
    expect(poller.shortLivedPerS).toBe(0);
  });

  it("measures a redis-cli pop loop's round trips within 10% of redis's own command count, and a blocking pop as quiet", async () => {
    const port = await freePort();
    const redis = start("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    // redis's own count, read on one connection of ours every 200 ms: [epoch s, total_commands_processed, INFO calls so far]
    const info: [number, number, number][] = [];
    let sock: Socket | undefined;
    for (let i = 0; i < 50 && !sock; i++) {
      sock = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(port, "127.0.0.1", () => resolve(s)).once("error", () => setTimeout(() => resolve(undefined), 100));
      });
    }
    expect(sock, "redis-server did not accept connections").toBeDefined();
    let calls = 0;
    let buf = "";
    sock!.on("data", (c: Buffer) => {
      buf += c.toString();
      const m = /total_commands_processed:(\d+)/.exec(buf);
      if (m && buf.endsWith("\r\n\r\n")) {
        info.push([Date.now() / 1000, Number(m[1]), calls]);
        buf = "";
      }
    });
    const ask = setInterval(() => {
      calls++;
      sock!.write("INFO stats\r\n");
    }, 200);
    const naive = start("redis-cli", ["-p", String(port), "-r", "-1", "RPOP", "q"]);
    const blocking = start("redis-cli", ["-p", String(port), "BLPOP", "other", "0"]);
    await new Promise((r) => setTimeout(r, 500));
    const out = tempDir();
    const r = await runHarness([
      "attach", "--pid", String(redis.pid), "--role", `${redis.pid}=server`, "--name", `${redis.pid}=redis`,
      "--pid", String(naive.pid), "--name", `${naive.pid}=naive`, "--pid", String(blocking.pid), "--name", `${blocking.pid}=blocker`,
      "--duration", "4", "--warmup", "1", "--out", out,
    ]);
    await new Promise((res) => setTimeout(res, 300));
    clearInterval(ask);
    sock!.destroy();
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const [from, to] = windowOf(result);
    // redis's commands at a moment, interpolated between the INFO readings around it, less our INFO calls
    const at = (t: number): number => {
      const i = info.findIndex(([ts]) => ts >= t);
      expect(i, "INFO readings cover the window").toBeGreaterThan(0);
      const [t0, n0, c0] = info[i - 1]!;
      const [t1, n1, c1] = info[i]!;
      const f = (t - t0) / (t1 - t0);
      return n0 + f * (n1 - n0) - (c0 + f * (c1 - c0));
    };
    const commandsPerS = (at(to) - at(from)) / (to - from);
    expect(commandsPerS).toBeGreaterThan(500);
    const rd = proc(result, "redis").wire!;
    const loop = rd.connections.find((c) => c.peer === "naive")!;
    console.log(`redis: ${commandsPerS.toFixed(1)} commands/s by INFO; wire: ${loop?.roundTripsPerS}/s on naive's connection`);
    expect(loop.side).toBe("server");
    expect(ratio(loop.roundTripsPerS, commandsPerS)).toBeGreaterThan(0.9);
    expect(ratio(loop.roundTripsPerS, commandsPerS)).toBeLessThan(1.1);
    expect(loop.bytesInPerExchange).toBe(21); // "*2\r\n$4\r\nRPOP\r\n$1\r\nq\r\n"
    const naiveConn = proc(result, "naive").wire!.connections[0]!;
    expect(naiveConn.peer).toBe("redis");
    expect(ratio(naiveConn.roundTripsPerS, commandsPerS)).toBeGreaterThan(0.9);
    expect(ratio(naiveConn.roundTripsPerS, commandsPerS)).toBeLessThan(1.1);
    const blocker = proc(result, "blocker").wire!;
    expect(blocker.connections[0]?.peer).toBe("redis");
    expect(blocker.roundTripsPerS!).toBeLessThan(1);
    expect(proc(result, "redis").syscallsByType?.source, proc(result, "redis").syscallsByType?.notes.join(" ")).not.toBeNull();
  });
});
