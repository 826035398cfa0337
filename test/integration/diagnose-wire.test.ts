/**
 * Verdicts from wire evidence on programs the harness knows nothing about, measured by `harness
 * attach`: a Python http.server with a no-sleep client, a 200 ms poller and a 1 ms timer with no
 * traffic; redis-server with a no-sleep pop loop beside a blocking-pop client; and seed 000's shape
 * with the reference server's metrics switched off. Each verdict names the culprit and does not
 * accuse the quiet ones. Needs the wire sampler (harness/sample/wire.ts); until it is in the tree
 * these tests say so and skip.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, Verdict } from "../../harness/analyze/result-types.js";
import { ROOT, runHarness, tempDir } from "../helpers/cli.js";
import { trackChildren, waitFor } from "../helpers/children.js";

const WIRE = existsSync(join(ROOT, "harness", "sample", "wire.ts"));
if (!WIRE) console.warn("diagnose-wire: skipped: the wire sampler (harness/sample/wire.ts) is not in this tree yet");

const start = trackChildren();


async function attach(named: Record<string, ChildProcess>, roles: Record<string, "server"> = {}, seconds = 5): Promise<{ result: RunResult; verdicts: Verdict[] }> {
  const out = tempDir();
  const args = ["attach", "--duration", String(seconds), "--warmup", "1", "--out", out];
  for (const [name, c] of Object.entries(named)) {
    args.push("--pid", String(c.pid), "--name", `${c.pid}=${name}`);
    if (roles[name]) args.push("--role", `${c.pid}=${roles[name]}`);
  }
  const r = await runHarness(args);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
  // what the wire saw, printed when an assertion below fails
  for (const p of result.processes) if (p.wire?.notes.length || p.syscallsByType?.notes.length) console.warn(`${p.name}: ${[...(p.wire?.notes ?? []), ...(p.syscallsByType?.notes ?? [])].join("; ")}`);
  return { result, verdicts: result.verdicts ?? [] };
}

const ACCUSE = ["tight-poll-loop", "polls-too-often", "timer-wakeups", "unexplained-cpu", "burning-while-idle", "wakeups-unexplained"];
const of = (vs: Verdict[], who: string): Verdict[] => vs.filter((v) => v.subject === who);
const show = (vs: Verdict[]): string => JSON.stringify(vs.map((v) => v.text), null, 1);

const CLIENT = `
import sys, time, urllib.request
url, sleep = sys.argv[1], float(sys.argv[2])
while True:
    urllib.request.urlopen(url).read()
    if sleep: time.sleep(sleep)
`;

describe.skipIf(!WIRE)("verdicts from the wire", () => {
  it("Python http.server: the no-sleep client is named, the 200 ms poller polls every ~200 ms, the 1 ms timer has no traffic", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "job"), "{}");
    writeFileSync(join(dir, "client.py"), CLIENT);
    const server = start("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], { cwd: dir, read: true });
    const port = (await waitFor(server, /port (\d+)/))[1] as string;
    const url = `http://127.0.0.1:${port}/job`;
    const tight = start("python3", [join(dir, "client.py"), url, "0"]);
    const slow = start("python3", [join(dir, "client.py"), url, "0.2"]);
    const timer = start(process.execPath, ["-e", "setInterval(()=>{},1)"]);
    await new Promise((r) => setTimeout(r, 500));
    const { verdicts } = await attach({ httpd: server, tight, slowclient: slow, timerproc: timer }, { httpd: "server" });
    expect(of(verdicts, "tight").map((v) => v.pattern), show(verdicts)).toEqual([expect.stringMatching(/^(tight-poll-loop|polls-too-often)$/)]);
    const s = of(verdicts, "slowclient");
    expect(s.map((v) => v.pattern), show(verdicts)).toEqual(["periodic-poll"]);
    // 200 ms sleep plus the request: 3 to 5.5 exchanges a second, on the wire or, where perf could not
    // count the short-lived connections (a thread per request makes it fail now and then), from the scheduler
    const rate = Number(s[0]?.evidence.roundTripsPerS ?? s[0]?.evidence.wakeExchangesPerS);
    console.log(`slowclient: ${rate}/s (${s[0]?.evidence.roundTripsPerS !== undefined ? "wire" : "wake-ups"})`);
    expect(rate).toBeGreaterThan(3);
    // the scheduler also sees each new connection's handshake and close: 6.2/s measured with HARNESS_PERF=off
    expect(rate).toBeLessThan(s[0]?.evidence.roundTripsPerS !== undefined ? 5.5 : 9);
    expect(of(verdicts, "timerproc").map((v) => v.pattern), show(verdicts)).toEqual(["timer-wakeups"]);
    const served = of(verdicts, "httpd");
    if (served.length) expect(served[0]).toMatchObject({ pattern: "serving-clients", evidence: { topClient: "tight" } });
  });

  it("redis: the no-sleep pop loop is named, redis serves it, the blocking-pop client is not accused", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const redis = start("redis-server", ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { read: true });
    await waitFor(redis, /Ready to accept connections/);
    const naive = start("redis-cli", ["-p", port, "-r", "-1", "RPOP", "jobs"]);
    const blocker = start("redis-cli", ["-p", port, "-r", "-1", "BLPOP", "other", "2"]);
    await new Promise((r) => setTimeout(r, 500));
    const { verdicts } = await attach({ redis, naive, blocker }, { redis: "server" });
    const n = of(verdicts, "naive");
    expect(n.map((v) => v.pattern), show(verdicts)).toEqual([expect.stringMatching(/^(tight-poll-loop|polls-too-often)$/)]);
    expect(n[0]?.text).toMatch(/round trips\/s to redis \(127\.0\.0\.1:\d+\) on one connection/);
    expect(of(verdicts, "redis")[0]).toMatchObject({ pattern: "serving-clients", evidence: { topClient: "naive" } });
    expect(of(verdicts, "blocker").filter((v) => ACCUSE.includes(v.pattern)), show(verdicts)).toEqual([]);
  });

  it("seed 000 with the reference server's metrics off: the wire alone names the task loop's connection", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "tight-loop", "-d", "5", "-w", "2", "-q", "-o", out, "--set", "server.reference.metrics=false"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
    expect(result.server.scraped).toBe(false);
    const w = of(result.verdicts ?? [], "worker");
    expect(w.map((v) => v.pattern), show(result.verdicts ?? [])).toEqual([expect.stringMatching(/^(tight-poll-loop|polls-too-often)$/)]);
    expect(w[0]?.text).toMatch(/round trips\/s to server \(127\.0\.0\.1:\d+\) on one connection/);
    expect(w[0]?.missing.join(" ")).toMatch(/poll counters/);
  });
});
