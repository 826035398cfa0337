/**
 * The compiled programs as the harness runs them (dist/src/..., built by the global setup or
 * `npm run build`): the LISTENING line, --check, exit codes, SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { metric, scrape, waitFor } from "./helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const prog = (name: "server" | "worker" | "load"): string => join(ROOT, "dist", "src", name, "main.js");

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function start(name: "server" | "worker" | "load", args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [prog(name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.resume();
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, out: () => out, exited };
}

const run = (name: "server" | "worker" | "load", args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [prog(name), ...args], { encoding: "utf8", timeout: 10_000 });

const jobDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith("jobs-"));

describe("reference programs", () => {
  it("server announces its URL, serves, and exits 0 on SIGTERM removing its temp db", async () => {
    const before = new Set(jobDirs());
    const s = start("server", ["--notify", "targeted"]);
    await waitFor(() => /^LISTENING http:\/\/127\.0\.0\.1:\d+\n$/.test(s.out()));
    const url = s.out().trim().split(" ")[1]!;
    const mine = jobDirs().filter((d) => !before.has(d));
    expect(mine).toHaveLength(1);
    const w = start("worker", ["--server", url, "--name", "cli", "--loop", "task=fixed:50"]);
    await waitFor(() => w.out().includes("worker cli loops: task=fixed:50"));
    await waitFor(async () => metric(await scrape(url), "jobs_polls_total", { worker: "cli", loop: "task" }) >= 2);
    const t0 = Date.now();
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(existsSync(join(tmpdir(), mine[0]!))).toBe(false);
  });

  it("--check validates without connecting: 0 when good, 2 with one line when bad", () => {
    const good = run("worker", ["--server", "http://127.0.0.1:1", "--loop", "task=tight", "--loop", "workflow=exponential:100,1.5,120000", "--instances", "3", "--queues", "a,b", "--check"]);
    expect(good.status).toBe(0);
    expect(good.stdout).toBe("");
    const bad = run("worker", ["--server", "http://127.0.0.1:1", "--loop", "task=sometimes", "--check"]);
    expect(bad.status).toBe(2);
    expect(String(bad.stderr).trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("fixed:<ms>");
    expect(run("load", ["--server", "http://127.0.0.1:1", "--mode", "burst", "--burst", "5", "--check"]).status).toBe(0);
    expect(run("load", ["--server", "http://127.0.0.1:1", "--mode", "sometimes", "--check"]).status).toBe(2);
    const srv = run("server", ["--notify", "loud"]);
    expect(srv.status).toBe(2);
    expect(srv.stderr).toContain("--notify");
    expect(run("server", ["--host", "0.0.0.0"]).status).toBe(2);
  });
});
