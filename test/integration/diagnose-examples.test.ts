/**
 * The verdicts on the example scenarios (programs written without the harness in mind: a shell curl
 * loop, Python workers, a Python server with its own counters). Each verdict names the culprit and
 * none accuses a quiet process. Short windows: patterns, not absolute CPU.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, Verdict } from "../../harness/analyze/result-types.js";
import { runHarness, tempDir } from "../helpers/cli.js";

async function run(file: string, set: string[] = []): Promise<{ result: RunResult; verdicts: Verdict[]; stdout: string }> {
  const out = tempDir();
  const r = await runHarness(["run", join("scenarios", "examples", file), "-d", "4", "-w", "1", "-q", "-o", out, ...set.flatMap((s) => ["--set", s])]);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
  expect(result.verdicts, "result.json carries the verdicts").toBeDefined();
  return { result, verdicts: result.verdicts ?? [], stdout: r.stdout };
}

const ACCUSE = ["tight-poll-loop", "polls-too-often", "timer-wakeups", "unexplained-cpu", "burning-while-idle"];

describe("verdicts on the example scenarios", () => {
  it("python-tight: names the Python worker's tight loop, and prints it in the terminal", async () => {
    const { verdicts, stdout } = await run("python-tight.yaml");
    expect(verdicts[0]).toMatchObject({ subject: "py", pattern: "tight-poll-loop" });
    expect(stdout).toMatch(/^verdict: py: tight poll loop: /m);
  });

  it("python-backoff and the curl loop: a periodic poll with its requests per day, nobody accused", async () => {
    for (const [file, who] of [
      ["python-backoff.yaml", "py"],
      ["curl-loop.yaml", "curl"],
    ] as const) {
      const { verdicts } = await run(file);
      const mine = verdicts.filter((v) => v.subject === who);
      expect(mine.map((v) => v.pattern), `${file}: ${JSON.stringify(verdicts.map((v) => v.text))}`).toEqual(["periodic-poll"]);
      expect(mine[0]?.text).toMatch(new RegExp(`^${who}: polls every \\d+ ms \\([\\d.]+ polls/s, [\\d,]+ requests/day, 100% empty\\)`));
      expect(verdicts.filter((v) => ACCUSE.includes(v.pattern)), file).toEqual([]);
    }
  });

  it("python-own-server: the user's counters name both Python workers' polls", async () => {
    const { verdicts } = await run("python-own-server.yaml");
    const subjects = verdicts.filter((v) => v.pattern === "periodic-poll").map((v) => v.subject).sort();
    expect(subjects, JSON.stringify(verdicts.map((v) => v.text))).toEqual(["py-1", "py-2"]);
  });
});
