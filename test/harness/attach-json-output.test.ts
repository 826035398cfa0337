/**
 * --json owns stdout: `harness attach --prometheus ... --json` prints exactly one JSON document there
 * (the result.json written) and its summary on stderr, or nothing with -q; without --json the summary
 * is the output. In-process against a stand-in for the Prometheus HTTP API on loopback that answers
 * with process-exporter series: no Prometheus, no child process.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { attachCommand, type AttachCommandOptions } from "../../harness/attach/attach-command.js";
import { humanStream, printResult, type TextStream } from "../../harness/cli/result-output.js";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { tempDir } from "../helpers/cli.js";

const NOW = Math.floor(Date.now() / 1000);
const T0 = NOW - 60;

/** one process-exporter counter scraped every second from T0-150 to now, rising perS a second */
function series(labels: Record<string, string>, perS: number): { metric: Record<string, string>; values: [number, string][] } {
  const values: [number, string][] = [];
  for (let t = T0 - 150; t <= NOW; t++) values.push([t, String(1000 + perS * (t - T0 + 150))]);
  return { metric: labels, values };
}

const CPU = "namedprocess_namegroup_cpu_seconds_total";
const SWITCHES = "namedprocess_namegroup_context_switches_total";

/** Answers the instant queries an attach sends: the source detection, then range selectors (raw samples). */
function answer(query: string): unknown {
  const labels = (mode: Record<string, string>): Record<string, string> => ({ groupname: "worker", instance: "h1:9256", job: "pe", ...mode });
  if (!query.includes("[")) return { resultType: "vector", result: [{ metric: { __name__: CPU, ...labels({ mode: "user" }) }, value: [NOW, "1"] }] };
  if (query.startsWith(`${CPU}{`)) return { resultType: "matrix", result: [series({ __name__: CPU, ...labels({ mode: "user" }) }, 0.2), series({ __name__: CPU, ...labels({ mode: "system" }) }, 0.05)] };
  if (query.startsWith(`${SWITCHES}{ctxswitchtype="voluntary"`)) return { resultType: "matrix", result: [series({ __name__: SWITCHES, ...labels({ ctxswitchtype: "voluntary" }) }, 40)] };
  return { resultType: "matrix", result: [] };
}

let server: Server;
let url = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const query = new URLSearchParams(body).get("query") ?? "";
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ status: "success", data: answer(query) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** stdout and stderr of the command, captured */
function capture(): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  return { out: () => out, err: () => err };
}
afterEach(() => {
  vi.restoreAllMocks();
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function attach(extra: Partial<AttachCommandOptions>): Promise<{ code: number; stdout: string; stderr: string; out: string }> {
  const out = tempDir();
  dirs.push(out);
  const io = capture();
  try {
    const code = await attachCommand({ pid: [], name: [], role: [], metricsMap: [], prometheus: url, from: String(T0), to: String(T0 + 10), out, ...extra });
    return { code, stdout: io.out(), stderr: io.err(), out };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("attach --prometheus output", () => {
  it("--json: exactly one JSON document on stdout (the result.json written), the summary on stderr", async () => {
    const r = await attach({ json: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as RunResult;
    expect(doc).toEqual(JSON.parse(readFileSync(join(r.out, "result.json"), "utf8")));
    expect(doc.prometheus?.source).toBe("process-exporter");
    expect(doc.processes.map((p) => p.name)).toEqual(["worker@h1:9256"]);
    expect(doc.processes[0]!.cpuPercent).toBeCloseTo(25, 1);
    expect(r.stderr).toMatch(/prometheus: \d+ queries/);
    expect(r.stderr).toMatch(/^report: /m);
  });

  it("--json -q: the document and nothing else, on either stream", async () => {
    const r = await attach({ json: true, quiet: true });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as RunResult).scenario.name).toBe("attach");
    expect(r.stderr).toBe("");
  });

  it("without --json the summary is the output, on stdout", async () => {
    const r = await attach({ quiet: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/worker@h1:9256/);
    expect(r.stdout).toMatch(/prometheus: \d+ queries/);
    expect(() => JSON.parse(r.stdout) as unknown).toThrow();
  });
});

describe("printResult", () => {
  const streams = (): { stdout: TextStream & { text: string }; stderr: TextStream & { text: string } } => {
    const mk = (): TextStream & { text: string } => ({ text: "", write(t: string) { this.text += t; return true; } });
    return { stdout: mk(), stderr: mk() };
  };
  it("routes the document and the human text by --json and -q", () => {
    for (const [mode, out, err] of [
      [{}, "summary\n", ""],
      [{ quiet: true }, "summary\n", ""],
      [{ json: true }, '{"a":1}\n', "summary\n"],
      [{ json: true, quiet: true }, '{"a":1}\n', ""],
    ] as const) {
      const s = streams();
      printResult(mode, { a: 1 }, () => "summary\n", s);
      expect([s.stdout.text, s.stderr.text], JSON.stringify(mode)).toEqual([out, err]);
      expect(humanStream(mode, s)).toBe(mode.json ? (mode.quiet ? null : s.stderr) : s.stdout);
    }
  });
});
