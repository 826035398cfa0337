/**
 * Fault matrix, signals to the harness at each phase of a run: SIGINT, SIGTERM and SIGHUP stop it
 * cleanly with a result marked interrupted; SIGKILL leaves a record that `harness clean` uses.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { CliResult } from "../helpers/cli.js";
import { rowsOf, type FaultCase } from "./matrix.js";
import { expectLeaves, expectNoUnmeasuredZeros, expectRow, harness, loadResult, matrixTests, scratch, startHarness, until } from "./helpers.js";

const { dir, env, scenario } = scratch("signals");
const SERVER = "server: { name: srv, command: [sleep, '60'], ready: { delayMs: 50 } }";
let n = 0;

type Phase = "starting" | "warm-up" | "window" | "stopping";

/** Start a run that will be in `phase` when the returned condition holds. */
function runIn(phase: Phase): { args: string[]; out: string; ready: (stderr: string) => boolean } {
  const out = join(dir, `run-${++n}`);
  const mark = join(dir, `term-${n}`);
  switch (phase) {
    case "starting": {
      const file = scenario(`starting-${n}`, ["server: { name: srv, command: [sleep, '60'], ready: { stdout: '^NEVER' }, readyTimeoutS: 30 }", "workers: [{ name: w, command: [sleep, '60'] }]"]);
      return { args: ["run", file, "-d", "1", "-w", "0", "--out", out], out, ready: (e) => /\[starting/.test(e) && existsSync(join(out, "logs", "srv.log")) };
    }
    case "warm-up": {
      const file = scenario(`warmup-${n}`, [SERVER, "workers: [{ name: w, command: [sleep, '60'] }]"]);
      return { args: ["run", file, "-d", "1", "-w", "20", "--out", out], out, ready: (e) => /\[warmup/.test(e) };
    }
    case "window": {
      const file = scenario(`window-${n}`, [SERVER, "workers: [{ name: w, command: [sleep, '60'] }]"]);
      return { args: ["run", file, "-d", "20", "-w", "0", "--out", out], out, ready: (e) => /\[window/.test(e) };
    }
    case "stopping": {
      // a worker that outlives SIGTERM: stopping waits the 3 s grace, and the test signals the harness then
      const file = scenario(`stopping-${n}`, [SERVER, `workers: [{ name: w, command: [/bin/sh, -c, 'trap "touch ${mark}" TERM; while :; do sleep 0.2; done'] }]`]);
      return { args: ["run", file, "-d", "1", "-w", "0", "--out", out], out, ready: () => existsSync(mark) };
    }
  }
}

function phaseOf(row: FaultCase): Phase {
  return (["starting", "warm-up", "window", "stopping"] as const).find((p) => row.id.includes(`while ${p}`)) as Phase;
}

async function interrupt(row: FaultCase, sig: NodeJS.Signals): Promise<void> {
  const phase = phaseOf(row);
  const { args, out, ready } = runIn(phase);
  const h = startHarness(args, env);
  await until(() => ready(h.stderr()), `the ${phase} phase`);
  h.child.kill(sig);
  const r = await h.done;
  expectRow(row, r);
  const res = loadResult(out);
  expect(res.problems.join("\n")).toMatch(phase === "stopping" ? /interrupted after its window ended/ : /interrupted (before its window ended|while waiting)/);
  if (phase === "starting" || phase === "warm-up") expectNoUnmeasuredZeros(out);
  await expectLeaves(row, out);
}

async function killThenClean(row: FaultCase): Promise<void> {
  const phase = phaseOf(row);
  const { args, out, ready } = runIn(phase);
  const h = startHarness(args, env);
  await until(() => ready(h.stderr()), `the ${phase} phase`);
  h.child.kill("SIGKILL");
  const killed = await h.done;
  expect(killed.signal).toBe("SIGKILL");
  const state = join(env.HARNESS_STATE_DIR as string, "active");
  expect(readdirSync(state)).toHaveLength(1);
  const cleaned: CliResult = await harness(["clean"], env);
  expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
  expectRow(row, { ...cleaned, signal: "SIGKILL" });
  // perf (syscall counts) stops by itself when the harness dies, but can take a moment to go
  await expectLeaves(row, out);
  expect(readdirSync(state)).toEqual([]);
}

const impls: Record<string, (row: FaultCase) => Promise<void>> = {};
for (const row of rowsOf("signals")) {
  const sig = /^run: (SIG[A-Z]+) /.exec(row.id)?.[1] as NodeJS.Signals;
  impls[row.id] = sig === "SIGKILL" ? killThenClean : (r) => interrupt(r, sig);
}
matrixTests("signals", impls);
