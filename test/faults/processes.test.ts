/** Fault matrix, the processes under test: crashing, never starting, never ready, stopped, flooding, a port taken. */
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { expectLeaves, expectNoUnmeasuredZeros, expectRow, harness, loadResult, matrixTests, report, scratch } from "./helpers.js";

const { dir, env, scenario } = scratch("processes");
const SERVER = "server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }";
const W = (d: number, w = 0): string[] => ["--duration", String(d), "--warmup", String(w)];

let taken: Server;
let port = 0;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

matrixTests("processes", {
  "run: worker crashes mid-window": async (row) => {
    const file = scenario("crash", [SERVER, "workers:", "  - { name: steady, command: [sleep, '60'] }", "  - { name: crasher, command: [/bin/sh, -c, 'sleep 3; exit 3'] }"]);
    const out = join(dir, "crash");
    // no wake-up counter: bpftrace compiles between the workers' start and the warm-up, and on a loaded
    // CI machine that took longer than the crasher's sleep, so it died before the window (seen once in CI)
    const r = await harness(["run", file, ...W(5, 1), "--wakeups", "off", "--out", out], env);
    expectRow(row, r);
    const res = loadResult(out);
    expect(res.window.measuredS).toBeGreaterThan(4.5); // the run went on to the end of its window
    const crasher = res.processes.find((p) => p.name === "crasher")!;
    expect(crasher.exit?.code).toBe(3);
    expect(res.processes.find((p) => p.name === "steady")!.exit).toBeUndefined();
    expect(report(out)).toMatch(/crasher \(exited at -?[\d.]+ s: mean until then\)/);
    await expectLeaves(row, out);
  },
  "run: worker crashes mid-window, crashes expected": async (row) => {
    const file = scenario("crash-expected", [SERVER, "workers:", "  - { name: steady, command: [sleep, '60'] }", "  - { name: crasher, command: [/bin/sh, -c, 'sleep 1.5; exit 3'] }", "expectCrashes: true"]);
    const out = join(dir, "crash-expected");
    const r = await harness(["run", file, ...W(2.5, 0.5), "--out", out], env);
    expectRow(row, r, out);
    expect(loadResult(out).status).toBe("ok");
    await expectLeaves(row, out);
  },
  "run: server crashes mid-window": async (row) => {
    const file = scenario("server-crash", ["server: { name: srv, command: [/bin/sh, -c, 'sleep 2; kill -SEGV $$'], ready: { delayMs: 50 } }", "workers: [{ name: w, command: [sleep, '60'] }]"]);
    const out = join(dir, "server-crash");
    const r = await harness(["run", file, ...W(3), "--out", out], env);
    expectRow(row, r);
    expect(loadResult(out).processes.find((p) => p.name === "srv")!.exit?.signal).toBe("SIGSEGV");
    await expectLeaves(row, out);
  },
  "run: worker never starts": async (row) => {
    const notProgram = join(dir, "not-a-program");
    writeFileSync(notProgram, Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x7f]));
    chmodSync(notProgram, 0o755);
    expect(statSync(notProgram).mode & 0o111).not.toBe(0);
    const file = scenario("never-starts", [SERVER, `workers: [{ name: w, command: ['${notProgram}'] }]`]);
    const out = join(dir, "never-starts");
    const r = await harness(["run", file, ...W(1), "--out", out], env);
    expectRow(row, r);
    expectNoUnmeasuredZeros(out);
    await expectLeaves(row, out);
  },
  "run: server exits before ready": async (row) => {
    const file = scenario("early-exit", ["server: { name: srv, command: [/bin/sh, -c, 'echo booting; echo cannot open database >&2; exit 4'], ready: { stdout: '^LISTENING' } }", "workers: [{ command: [sleep, '60'] }]"]);
    const out = join(dir, "early-exit");
    const r = await harness(["run", file, ...W(1), "--out", out], env);
    expectRow(row, r);
    expect(r.stderr).toContain("! cannot open database");
    expect(loadResult(out).processes.map((p) => p.name)).toEqual(["srv"]); // no worker started for a server that never came up
    expectNoUnmeasuredZeros(out);
    await expectLeaves(row, out);
  },
  "run: server never ready": async (row) => {
    const file = scenario("never-ready", ["server: { name: srv, command: [sleep, '60'], ready: { stdout: '^LISTENING' }, readyTimeoutS: 1 }", "workers: [{ command: [sleep, '60'] }]"]);
    const out = join(dir, "never-ready");
    const r = await harness(["run", file, ...W(1), "--out", out], env);
    expectRow(row, r);
    // no figure and no verdict from a window never measured
    expect(r.stdout).not.toMatch(/\d\.\d\d%/);
    expect(r.stdout).not.toMatch(/idle and quiet/);
    expect(r.stdout).toMatch(/srv \(not measured\)/);
    expectNoUnmeasuredZeros(out);
    await expectLeaves(row, out);
  },
  "run: worker never ready": async (row) => {
    const file = scenario("worker-never-ready", [SERVER, "workers: [{ name: w, command: [sleep, '60'], ready: { stdout: '^READY' }, readyTimeoutS: 1 }]"]);
    const out = join(dir, "worker-never-ready");
    const r = await harness(["run", file, ...W(1), "--out", out], env);
    expectRow(row, r);
    expectNoUnmeasuredZeros(out);
    await expectLeaves(row, out);
  },
  "run: worker SIGSTOPped for the whole window": async (row) => {
    const file = scenario("stopped", [SERVER, "workers: [{ name: w, command: [/bin/sh, -c, 'kill -STOP $$; sleep 60'] }]"]);
    const out = join(dir, "stopped");
    const r = await harness(["run", file, ...W(1, 0.5), "--out", out], env);
    expectRow(row, r, out);
    await expectLeaves(row, out);
  },
  "run: worker floods stdout and stderr": async (row) => {
    const file = scenario("flood", [SERVER, "workers: [{ name: noisy, command: [/bin/sh, -c, 'yes out & yes err >&2'] }]"]);
    const out = join(dir, "flood");
    const r = await harness(["run", file, ...W(1), "--out", out], { ...env, HARNESS_LOG_CAP_MB: "1" });
    expectRow(row, r, out);
    expect(statSync(join(out, "logs", "noisy.log")).size).toBe(1024 * 1024);
    expect(readFileSync(join(out, "logs", "noisy.log"), "utf8")).toMatch(/^(out|err)$/m);
    await expectLeaves(row, out);
  },
  "run: port already in use": async (row) => {
    const file = scenario("port-taken", [
      `server: { name: srv, command: ['${process.execPath}', '{root}/dist/src/server/main.js', '--port', '${port}'], ready: { stdout: '^LISTENING (http://\\S+)' }, readyTimeoutS: 20 }`,
      "workers: [{ command: [sleep, '60'] }]",
    ]);
    const out = join(dir, "port-taken");
    const r = await harness(["run", file, ...W(1), "--out", out], env);
    expectRow(row, r);
    await expectLeaves(row, out);
  },
});
