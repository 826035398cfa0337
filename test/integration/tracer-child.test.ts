/**
 * harness/sample/tracer-child.ts with a stand-in tracer (bash): the readiness wait, the SIGINT stop
 * and its SIGKILL after the grace, the one-line reason, the bound, and that the tracer never
 * outlives the harness (its exit hook; its workload's pipe when the harness is SIGKILLed). The
 * harness side runs from dist/ (build first), as the other integration tests do.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BPFTRACE_NOISE, TracerChild, type TracerSpec } from "../../harness/sample/tracer-child.js";
import { ROOT } from "../helpers/cli.js";
import { trackChildren, waitFor } from "../helpers/children.js";

const started: TracerChild[] = [];
const pgids: number[] = [];
afterEach(async () => {
  for (const t of started.splice(0)) await t.stop(100);
  for (const g of pgids.splice(0)) {
    try {
      process.kill(-g, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
});

/** A stand-in tracer: bash running `script`; its bounded workload is "${@:2}" (after the "--"). */
function fake(script: string, boundS = 60): TracerSpec {
  return { command: "bash", args: ["-c", script, "fake-tracer"], bound: { seconds: boundS, as: "--" } };
}

function tracer(spec: TracerSpec): TracerChild {
  const t = new TracerChild(spec);
  started.push(t);
  return t;
}

/** Whether no process of group `pgid` is left, waiting up to withinMs. */
async function groupGone(pgid: number, withinMs: number): Promise<boolean> {
  const any = (): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const end = Date.now() + withinMs; Date.now() < end; ) {
    if (!any()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !any();
}

const startChild = trackChildren();

/** A node process that starts a stand-in tracer through dist/, prints its pid once ready, then `then`s. */
function harnessWith(script: string, then: "exit" | "wait"): ReturnType<typeof startChild> {
  const mod = join(ROOT, "dist", "harness", "sample", "tracer-child.js");
  const code = [
    `import { TracerChild } from ${JSON.stringify(mod)};`,
    `const t = new TracerChild({ command: "bash", args: ["-c", ${JSON.stringify(script)}, "fake-tracer"], bound: { seconds: 60, as: "--" } });`,
    `if ((await t.ready((o) => o.includes("ready\\n"), 20000)) !== "ready") process.exit(3);`,
    `console.log("tracer " + t.pid);`,
    then === "exit" ? "process.exit(0);" : "setInterval(() => {}, 1000);",
  ].join("\n");
  return startChild(process.execPath, ["--input-type=module", "-e", code], { read: true });
}

describe("a tracer child", () => {
  it("is ready on its marker, prints its results on SIGINT and ends within the grace", async () => {
    const t = tracer(fake("trap 'echo printed >&2; exit 0' INT; echo ready; while :; do sleep 0.05; done"));
    expect(await t.ready((out) => out.includes("ready\n"), 20_000)).toBe("ready");
    expect(t.running).toBe(true);
    expect(await t.stop(10_000)).toBe(true);
    expect(t.running).toBe(false);
    expect(t.stderr).toContain("printed");
  });

  it("is killed with its group after the grace when it ignores SIGINT", async () => {
    const t = tracer(fake("trap '' INT; echo ready; while :; do sleep 0.05; done"));
    expect(await t.ready((out) => out.includes("ready\n"), 20_000)).toBe("ready");
    const pid = t.pid as number;
    expect(await t.stop(300)).toBe(false);
    // the whole group: the tracer, its loop's sleeps and its workload
    expect(await groupGone(pid, 5000)).toBe(true);
  });

  it("ends the group of a tracer that ended by itself while something of its group still holds its pipes", async () => {
    const t = tracer(fake("sleep 30 & echo ready; exit 0"));
    expect(await t.ready((out) => out.includes("ready\n"), 20_000)).toBe("ready");
    const pid = t.pid as number;
    while (t.running) await new Promise((r) => setTimeout(r, 20));
    expect(await groupGone(pid, 300)).toBe(false); // the sleep holds stdout open
    expect(await t.stop(5000)).toBe(true); // it had ended by itself
    expect(await groupGone(pid, 5000)).toBe(true);
  });

  it("says in one line why it failed, passing over the workload's and the noise lines", async () => {
    const t = tracer(fake("printf 'timeout: x\\nAttaching 3 probes...\\nERROR: no such probe\\nmore\\n' >&2; exit 1"));
    expect(await t.ready(() => false, 20_000)).toBe("closed");
    expect(t.problemLine(BPFTRACE_NOISE)).toBe("ERROR: no such probe");
    expect(t.startProblem).toBeUndefined();
  });

  it("gives the whole reason when the program is not installed", async () => {
    const t = tracer({ ...fake(""), command: "no-such-tracer-w21", whenMissing: "no-such-tracer not installed: nothing was counted" });
    expect(await t.ready((out) => out.includes("ready\n"), 20_000)).toBe("error");
    expect(t.startProblem).toBe("no-such-tracer not installed: nothing was counted");
    expect(await t.stop(100)).toBe(true);
  });

  it("ends at its bound: the workload is `timeout N cat`", async () => {
    const t = tracer(fake('exec "${@:2}"', 1));
    expect(await t.ready(() => false, 30_000)).toBe("closed");
  });

  it("is killed by its exit hook when the harness exits first", async () => {
    const h = harnessWith("trap '' INT; echo ready; while :; do sleep 0.05; done", "exit");
    const pid = Number((await waitFor(h, /tracer (\d+)/))[1]);
    pgids.push(pid);
    expect(await groupGone(pid, 10_000)).toBe(true);
  });

  it("ends with a SIGKILLed harness: its workload's pipe closes", async () => {
    const h = harnessWith('echo ready; "${@:2}"', "wait");
    const pid = Number((await waitFor(h, /tracer (\d+)/))[1]);
    pgids.push(pid);
    h.kill("SIGKILL");
    expect(await groupGone(pid, 10_000)).toBe(true);
  });
});
