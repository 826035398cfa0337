/**
 * Users' own programs, in other languages: the examples in scenarios/examples/ run as written,
 * readiness and placeholders work with non-Node programs, and a server that never becomes ready
 * fails the run in its timeout with its log quoted and nothing left running.
 * Ratios with wide margins, never absolute CPU: the machine is shared and noisy.
 */
import { readdirSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { clockTicksPerSecond } from "../../harness/sample/proc.js";
import { runHarness, tempDir } from "../helpers/cli.js";

function load(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
}

/** Every result.json directly under `dir`'s sub-folders, by scenario name. */
function resultsUnder(dir: string): Map<string, RunResult> {
  const out = new Map<string, RunResult>();
  for (const d of readdirSync(dir)) {
    if (existsSync(join(dir, d, "result.json"))) {
      const r = load(join(dir, d));
      out.set(r.scenario.name, r);
    }
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function processesWith(marker: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0").join(" ");
      if (cmd.includes(marker)) out.push(`${e}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

describe("user commands: the examples in scenarios/examples", () => {
  it("python-tight burns at least 5x the CPU of python-backoff, with the reference server's polls in the same table", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "scenarios/examples/python-tight.yaml", "scenarios/examples/python-backoff.yaml", "--duration", "4", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const results = resultsUnder(out);
    const tight = results.get("python-tight")!;
    const backoff = results.get("python-backoff")!;
    const worker = (x: RunResult) => x.processes.find((p) => p.role === "worker")!;
    expect(worker(tight).command[0]).toBe("python3");
    expect(worker(tight).members.map((m) => m.comm)).toContain("python3");
    const tick = 1 / clockTicksPerSecond();
    expect(worker(tight).cpuSeconds).toBeGreaterThanOrEqual(5 * Math.max(worker(backoff).cpuSeconds, tick));
    expect(tight.server.pollsPerS!).toBeGreaterThan(5 * backoff.server.pollsPerS!);
    expect(backoff.server.pollsPerS!).toBeGreaterThan(0);
    expect(tight.server.perLoop.map((l) => l.worker)).toEqual(["py"]);
    // the comparison's strategy matrix holds CPU and the server's poll counts side by side
    const cmp = readFileSync(join(out, "comparison.md"), "utf8");
    expect(cmp).toMatch(/\| Condition \| Server CPU \| Worker CPU \|.*\| Polls\/s \|/);
    expect(cmp).toMatch(/\| python-tight \|/);
    expect(cmp).toMatch(/\| python-backoff \|/);
  });

  it("python-own-server maps its own counters onto the poll columns and shows every counter as a rate", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "scenarios/examples/python-own-server.yaml", "--duration", "3", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const res = load(out);
    expect(res.server.scraped).toBe(true);
    expect(res.server.pollsPerS!).toBeGreaterThan(0);
    expect(res.server.emptyPollRatio).toBe(1);
    expect(res.server.perLoop.map((l) => l.worker)).toEqual(["py-1", "py-2"]);
    expect(res.server.counterRates.myapp_requests_total).toBeGreaterThan(0);
    const api = res.processes.find((p) => p.role === "server")!;
    expect(api.name).toBe("api");
    expect(api.command).toEqual(["python3", "-m", "python_server", "--port", "0"]);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("### Counters");
    expect(report).toContain("`myapp_requests_total`");
    expect(report).toMatch(/\| py-1 \| task \|/);
  });

  it("curl-loop: a sh -c worker is measured with its whole tree", async () => {
    const out = tempDir();
    const r = await runHarness(["run", "scenarios/examples/curl-loop.yaml", "--duration", "3", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const res = load(out);
    const w = res.processes.find((p) => p.role === "worker")!;
    expect(w.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const comms = new Set(w.members.map((m) => m.comm));
    expect(comms.has("sh")).toBe(true);
    expect(w.members.length).toBeGreaterThan(1); // curl and sleep children seen at the samples
    expect(res.server.pollsPerS!).toBeGreaterThan(0);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/\| worker \| curl \| \d+ \| `\/bin\/sh -c /);
  });
});

describe("user commands: readiness, placeholders and failures", () => {
  it("tcp and http readiness, {server.url}, {server.port}, {index} and {name} with non-Node programs", async () => {
    const port = await freePort();
    const dir = tempDir();
    const file = join(dir, "own.yaml");
    writeFileSync(
      file,
      [
        "name: own-http",
        "server:",
        "  name: web",
        '  command: ["python3", "-m", "http.server", "{server.port}", "--bind", "127.0.0.1"]',
        '  ready: { http: "{server.url}/" }',
        `  url: "http://127.0.0.1:${port}"`,
        "workers:",
        "  - name: w",
        "    count: 2",
        "    shell: true",
        '    command: ["echo url={server.url} port={server.port} index={index} name=$WNAME; exec sleep 30"]',
        '    env: { WNAME: "{name}" }',
        `    ready: { tcp: ${port} }`,
      ].join("\n"),
    );
    const out = join(dir, "out");
    const r = await runHarness(["run", file, "--duration", "2", "--warmup", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "logs", "w-2.log"), "utf8")).toContain(`url=http://127.0.0.1:${port} port=${port} index=1 name=w-2`);
    const res = load(out);
    expect(res.processes.map((p) => p.name)).toEqual(["web", "w-1", "w-2"]);
  });

  it("a server that never becomes ready fails in its timeout, quoting its log, exit 1, nothing left running", async () => {
    const dir = tempDir();
    const file = join(dir, "never.yaml");
    const marker = `${Math.floor(Math.random() * 1000) + 1000}.5`; // a unique `sleep` argument
    writeFileSync(
      file,
      [
        "name: never-ready",
        "server:",
        `  command: ["sh", "-c", "echo booting; echo loading config >&2; echo waiting for the database; exec sleep ${marker}"]`,
        '  ready: { stdout: "LISTENING (http://\\\\S+)" }',
        "  readyTimeoutS: 2",
        "workers:",
        '  - command: ["sleep", "30"]',
      ].join("\n"),
    );
    const t0 = Date.now();
    const r = await runHarness(["run", file, "--out", join(dir, "out")]);
    const elapsedS = (Date.now() - t0) / 1000;
    expect(r.code).toBe(1);
    expect(elapsedS).toBeLessThan(2 + 15); // the timeout, plus start-up and a stop with a generous margin
    expect(r.stderr).toContain("was not ready after 2 s");
    expect(r.stderr).toContain("booting");
    expect(r.stderr).toContain("waiting for the database");
    expect(r.stderr).toContain("! loading config");
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
    expect(load(join(dir, "out")).status).toBe("failed");
  });

  it("rejects unknown fields, wrong types and missing commands with exit 2 naming the field", async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['server: { reference: {} }\nworkers: [{ name: w, comand: ["x"] }]', '"workers[0].comand"'],
      ['server: { reference: {} }\nworkers: [{ name: w, count: "two", command: ["x"] }]', '"workers[0].count"'],
      ['server: { name: api, ready: { stdout: "x" } }\nworkers: [{ command: ["x"] }]', '"server.command"'],
      ['server: { reference: {} }\nworkers: [{ command: [] }]', '"workers[0].command"'],
      ['server: { command: ["x"], ready: { tcp: "80" } }\nworkers: [{ command: ["x"] }]', '"server.ready.tcp"'],
      ['server: { command: ["x"], metrics: "{server.url}/metrics", metricsMap: { pols: "a_total" } }\nworkers: [{ command: ["x"] }]', '"server.metricsMap.pols"'],
      ['server: { command: ["x"], metricsMap: { polls: "a_total" } }\nworkers: [{ command: ["x"] }]', '"server.metricsMap"'],
    ];
    for (const [i, [body, field]] of cases.entries()) {
      const file = join(dir, `bad-${i}.yaml`);
      writeFileSync(file, `name: bad\n${body}\n`);
      const r = await runHarness(["run", file, "--out", join(dir, `out-${i}`)]);
      expect(r.code, body).toBe(2);
      expect(r.stderr, body).toContain(field);
      expect(existsSync(join(dir, `out-${i}`)), body).toBe(false);
    }
  });
});
