/** Shared pieces of the fault matrix tests: one named test per row, the harness as a user runs it, checks. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { BIN, ROOT, tempDir, type CliResult } from "../helpers/cli.js";
import { leftoverProcesses } from "../global-setup.js";
import { MATRIX, rowsOf, type FaultCase, type MatrixFile } from "./matrix.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");

/** Row id → the test body; a file must implement exactly its rows of the table. */
export function matrixTests(file: MatrixFile, impls: Record<string, (row: FaultCase) => Promise<void> | void>): void {
  const rows = rowsOf(file);
  describe(`fault matrix: ${file}`, () => {
    it("implements every row of the table for this file, and no other", () => {
      expect(Object.keys(impls).sort()).toEqual(rows.map((r) => r.id).sort());
      expect(new Set(MATRIX.map((r) => r.id)).size).toBe(MATRIX.length);
    });
    for (const row of rows) {
      const impl = impls[row.id];
      it(`${row.id} [${row.injected}] → exit ${row.exit}, sees ${row.expect}`, async () => {
        if (!impl) throw new Error(`no test for row "${row.id}"`);
        await impl(row);
      });
    }
  });
}

/** A harness process the test can signal on a condition it polls (stderr text, a file appearing). */
export interface Running {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  done: Promise<CliResult>;
}

export function startHarness(args: string[], env: Record<string, string> = {}, timeoutMs = 100_000): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: "true", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<CliResult>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // let the pipes drain
      setTimeout(() => resolve({ code, signal, stdout: out, stderr: err }), 20);
    }),
  );
  return { child, stderr: () => err, stdout: () => out, done };
}

export async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function harness(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startHarness(args, env).done;
}

/** A scratch folder with its own run-record state (never the user's). */
export function scratch(prefix: string): { dir: string; env: Record<string, string>; scenario: (name: string, lines: string[]) => string } {
  const dir = tempDir(`fault-${prefix}-`);
  const env = { HARNESS_STATE_DIR: join(dir, "state") };
  const scenario = (name: string, lines: string[]): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, [`name: ${name}`, ...lines, ""].join("\n"));
    return file;
  };
  return { dir, env, scenario };
}

export const loadResult = (out: string): RunResult => JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
export const report = (out: string): string => readFileSync(join(out, "report.md"), "utf8");

/** The row's line is where the row says, the exit status is the row's, and no stack trace is printed. */
export function expectRow(row: FaultCase, r: CliResult, out?: string): void {
  if (row.exit === "killed") expect(r.signal).toBe("SIGKILL");
  else expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(row.exit);
  const text = row.in === "stderr" ? r.stderr : row.in === "stdout" ? r.stdout : report(out as string);
  expect(text).toMatch(row.expect);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(r.stderr).not.toMatch(/node:internal|Unhandled 'error' event/);
}

/** What is left behind: the row's promise, checked on the output folder and on the machine. */
export async function expectLeaves(row: FaultCase, out: string, ownPids: (number | undefined)[] = []): Promise<void> {
  const files = existsSync(out) ? readdirSync(out) : [];
  expect(files.filter((f) => f.endsWith(".tmp")), "no temporary file").toEqual([]);
  switch (row.leaves) {
    case "nothing":
      expect(files.filter((f) => f !== "logs")).toEqual([]);
      break;
    case "logs only":
      expect(files.filter((f) => f !== "logs")).toEqual([]);
      break;
    case "result marked failed":
      expect(loadResult(out).status).toBe("failed");
      expect(report(out)).toContain("RUN FAILED");
      break;
    case "result marked interrupted":
      expect(loadResult(out).status).toBe("interrupted");
      expect(report(out)).toContain("INTERRUPTED");
      break;
    case "result with a note":
      expect(loadResult(out).problems.join("\n")).toMatch(row.expect);
      break;
    case "no result, an in-progress report":
      expect(existsSync(join(out, "result.json"))).toBe(false);
      expect(report(out)).toContain("RUN IN PROGRESS");
      break;
  }
  // nothing of the run's is left running (after `harness clean` for a killed harness)
  // (the test's own processes, e.g. what an attach measured, are the test's to stop)
  const left = (): string[] => leftoverProcesses().filter((l) => !ownPids.includes(Number(l.split(":")[0])));
  for (let i = 0; i < 60 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(left()).toEqual([]);
}

/** A figure never measured is never shown as a number: every process without samples shows "–". */
export function expectNoUnmeasuredZeros(out: string): void {
  const res = loadResult(out);
  const text = report(out);
  for (const p of res.processes.filter((x) => x.samples.length === 0)) {
    expect(text).toContain(`${p.name} (not measured`);
  }
  if (res.processes.every((p) => p.samples.length === 0)) {
    expect(res.verdicts?.map((v) => v.pattern) ?? []).not.toContain("idle-quiet");
    expect(text).not.toMatch(/idle and quiet/);
  }
}
