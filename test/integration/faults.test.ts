/**
 * Faults of the processes under test and of the environment: a worker that crashes mid-window, a
 * server that exits before it is ready, a port already taken, an output folder that cannot be
 * written. Each ends with the documented exit code and a message that says what happened, nothing
 * is left running, and a run that started writes a report that marks what went wrong.
 */
import { createServer, type Server } from "node:net";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { leftoverProcesses } from "../global-setup.js";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";

const dir = tempDir("faults-");
const env = { HARNESS_STATE_DIR: join(dir, "state") };

function scenario(name: string, yaml: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, ...yaml, ""].join("\n"));
  return file;
}

const load = (out: string): RunResult => JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);

describe("a worker that crashes mid-window", () => {
  const crashing = (expect: boolean): string =>
    scenario(`crash-${expect}`, [
      "server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }",
      "workers:",
      "  - { name: steady, command: [sleep, '60'] }",
      "  - { name: crasher, command: [/bin/sh, -c, 'sleep 2.5; exit 3'] }",
      `expectCrashes: ${expect}`,
    ]);

  it("finishes the run, marks the gap and the exit code in the report, and exits 1", async () => {
    const out = join(dir, "crash");
    const r = await runHarness(["run", crashing(false), "--duration", "4", "--warmup", "1", "--out", out], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('worker "crasher" exited (code 3) during the run');
    noStack(r.stderr);
    const res = load(out);
    expect(res.status).toBe("failed");
    expect(res.window.measuredS).toBeGreaterThan(3.5); // the run went on to the end of its window
    const crasher = res.processes.find((p) => p.name === "crasher")!;
    expect(crasher.exit?.code).toBe(3);
    expect(crasher.exit!.atS).toBeLessThan(4);
    const steady = res.processes.find((p) => p.name === "steady")!;
    expect(steady.exit).toBeUndefined();
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("RUN FAILED");
    expect(report).toMatch(/\| Time \| Server CPU \| Worker CPU \| Notes \|/);
    expect(report).toMatch(/\*\*crasher exited \(code 3\) at -?[\d.]+ s\*\*/);
    expect(report).toMatch(/crasher \(exited at -?[\d.]+ s: mean until then\)/);
    expect(leftoverProcesses()).toEqual([]);
  });

  it("exits 0 when the scenario expects crashes, and still marks the gap", async () => {
    const out = join(dir, "crash-expected");
    const r = await runHarness(["run", crashing(true), "--duration", "4", "--warmup", "1", "--out", out], { env });
    expect(r.code, r.stderr).toBe(0);
    const res = load(out);
    expect(res.status).toBe("ok");
    expect(res.problems.join(" ")).toContain("expected by the scenario");
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/crasher exited \(code 3\)/);
  });
});

describe("a server that exits before it is ready", () => {
  it("fails the run with exit 1, naming the exit code and the server's last lines", async () => {
    const file = scenario("early-exit", [
      "server: { name: srv, command: [/bin/sh, -c, 'echo booting; echo cannot open database >&2; exit 4'], ready: { stdout: '^LISTENING' } }",
      "workers: [{ command: [sleep, '60'] }]",
    ]);
    const out = join(dir, "early-exit");
    const r = await runHarness(["run", file, "--duration", "2", "--warmup", "0", "--out", out], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/server "srv" exited \(code 4\) before it was ready/);
    expect(r.stderr).toContain("cannot open database");
    noStack(r.stderr);
    expect(load(out).status).toBe("failed");
    // no worker was started for a server that never came up
    expect(load(out).processes.map((p) => p.name)).toEqual(["srv"]);
    expect(leftoverProcesses()).toEqual([]);
  });
});

describe("a port already in use", () => {
  let taken: Server;
  let port = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("fails with exit 1 and the server's own EADDRINUSE message", async () => {
    const file = scenario("port-taken", [
      `server: { name: srv, command: ['${process.execPath}', '{root}/dist/src/server/main.js', '--port', '${port}'], ready: { stdout: '^LISTENING (http://\\S+)' }, readyTimeoutS: 20 }`,
      "workers: [{ command: [sleep, '60'] }]",
    ]);
    const out = join(dir, "port-taken");
    const r = await runHarness(["run", file, "--duration", "2", "--warmup", "0", "--out", out], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/server "srv" exited \(code \d+\) before it was ready/);
    expect(r.stderr).toMatch(/EADDRINUSE|address already in use/i);
    expect(leftoverProcesses()).toEqual([]);
  });
});

describe("an output folder that cannot be written", () => {
  it("exits 2 in the first second with one line, starting nothing", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a folder");
    const started = Date.now();
    const r = await runHarness(["run", "tight-loop", "--duration", "2", "--out", join(file, "out")], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/output folder .* cannot be written/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(existsSync(join(ROOT, "runs", "out"))).toBe(false);
    expect(leftoverProcesses()).toEqual([]);
  });
});
