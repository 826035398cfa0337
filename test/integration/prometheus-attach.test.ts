/**
 * `harness attach --prometheus`: a real Prometheus scraping a real process-exporter every second on
 * loopback, a worker burning ~30% of a core and an idle one. The burner's CPU read through
 * Prometheus matches the kernel's own ticks for it over the same window; the verdicts match a local
 * attach of the same workers. Short windows (8 s); wide margins: the machine is shared.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { clockTicksPerSecond } from "../../harness/sample/proc.js";
import { runHarness, tempDir } from "../helpers/cli.js";
import { trackChildren } from "../helpers/children.js";
import { freePort, missingPrometheusTools, startPrometheusStack, type PrometheusStack } from "../helpers/prometheus-stack.js";

const TAG = "harnesstestgroup";
const missing = missingPrometheusTools();
if (missing.length) console.warn(`prometheus-attach tests skipped: ${missing.join(" and ")} not installed (apt-get install prometheus prometheus-process-exporter)`);

/** busy until the process's own CPU time advanced duty x 100 ms, then sleep the rest of the slice */
const BURNER = `const duty=0.3,p=100;function s(){const a=process.cpuUsage();for(;;){const u=process.cpuUsage(a);if(u.user+u.system>=duty*p*1000)break}setTimeout(s,p*(1-duty))}s()`;
const IDLE = "setInterval(()=>{},1000)";

const start = trackChildren();
// the tag in the command line is what process-exporter groups on
const startWorker = (group: string, code: string): ChildProcess => start(process.execPath, ["-e", `/* ${TAG}=${group} */ ${code}`]);

/** utime + stime of one process, read from /proc/<pid>/stat here, not through the harness */
function ticks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields 14 and 15 of stat; f[0] is field 3 (state)
  return Number(f[11]) + Number(f[12]);
}

const load = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing.length > 0)("harness attach --prometheus", () => {
  let stack: PrometheusStack;
  beforeAll(async () => {
    stack = await startPrometheusStack({ tag: TAG });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("reports a burner's CPU within max(2 pp, 10%) of the kernel's ticks, and an idle worker near 0", async () => {
    const burner = startWorker("burner", BURNER);
    const idle = startWorker("idle", IDLE);
    // both seen by at least two scrapes before the window
    await sleep(2500);
    const clk = clockTicksPerSecond();
    const a = { t: Date.now() / 1000, burner: ticks(burner.pid!), idle: ticks(idle.pid!) };
    await sleep(8000);
    const z = { t: Date.now() / 1000, burner: ticks(burner.pid!), idle: ticks(idle.pid!) };
    const kernelBurner = ((z.burner - a.burner) / clk / (z.t - a.t)) * 100;
    const kernelIdle = ((z.idle - a.idle) / clk / (z.t - a.t)) * 100;
    // the scrape at or just after the window's end is stored
    await sleep(1500);
    const out = tempDir();
    const r = await runHarness(["attach", "--prometheus", stack.url, "--match", `groupname=~"burner|idle"`, "--from", a.t.toFixed(3), "--to", z.t.toFixed(3), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = load(out);
    const b = result.processes.find((p) => p.group === "burner");
    const i = result.processes.find((p) => p.group === "idle");
    expect(b, JSON.stringify(result.processes.map((p) => p.name))).toBeDefined();
    expect(i).toBeDefined();
    expect(b!.name).toBe(`burner@${stack.exporterInstance}`);
    if (process.env.HARNESS_TEST_VERBOSE) console.info(`burner: prometheus ${b!.cpuPercent}%, kernel ${kernelBurner.toFixed(2)}%; idle: prometheus ${i!.cpuPercent}%, kernel ${kernelIdle.toFixed(2)}%`);
    expect(kernelBurner).toBeGreaterThan(10); // the burner did burn (sanity of the test itself)
    expect(Math.abs(b!.cpuPercent - kernelBurner), `prometheus ${b!.cpuPercent}% vs kernel ${kernelBurner.toFixed(2)}%`).toBeLessThanOrEqual(Math.max(2, 0.1 * kernelBurner));
    expect(i!.cpuPercent).toBeLessThan(Math.max(1, kernelIdle + 1));
    // what Prometheus cannot see is null, never 0; what it can see is there
    expect(b!.syscallsPerS).toBeNull();
    expect(b!.voluntaryWakeupsPerS).toBeGreaterThan(i!.voluntaryWakeupsPerS!);
    expect(b!.processCount).toBe(1);
    const p = result.prometheus!;
    expect(p.source).toBe("process-exporter");
    expect(p.resolutionS).toBeGreaterThan(0.5);
    expect(p.resolutionS).toBeLessThan(3);
    expect(p.queries).toBeGreaterThan(0);
    expect(p.fleet.processes).toBe(2);
    expect(p.hosts).toHaveLength(1);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("## Fleet (from Prometheus)");
    expect(report).toMatch(/Resolution: [\d.]+ s between samples/);
    expect(report).toContain("Not available from this source");
    // a result set of this reading, for `harness check --current`
    const set = JSON.parse(readFileSync(join(out, "current-set.json"), "utf8")) as { runs: { figures: { workerCpuPercent: number | null } }[] };
    expect(set.runs[0]!.figures.workerCpuPercent).toBeCloseTo(b!.cpuPercent, 3);
  }, 60_000);

  it("gives the same verdicts as a local attach of the same workers, over the same live window", async () => {
    const burner = startWorker("burner2", BURNER);
    const idle = startWorker("idle2", IDLE);
    await sleep(2500);
    const [outLocal, outProm] = [tempDir(), tempDir()];
    const [local, prom] = await Promise.all([
      runHarness(["attach", "--pid", String(burner.pid), "--name", `${burner.pid}=burner2`, "--pid", String(idle.pid), "--name", `${idle.pid}=idle2`, "--duration", "8", "--out", outLocal, "--quiet"]),
      runHarness(["attach", "--prometheus", stack.url, "--match", `groupname=~"burner2|idle2"`, "--duration", "8", "--out", outProm, "--quiet"]),
    ]);
    expect(local.code, local.stderr).toBe(0);
    expect(prom.code, prom.stderr).toBe(0);
    const verdicts = (r: RunResult): string[] => (r.verdicts ?? []).map((v) => `${v.pattern}:${(v.subject ?? "").replace(/@.*/, "")}`).sort();
    const l = load(outLocal);
    const p = load(outProm);
    if (process.env.HARNESS_TEST_VERBOSE) console.info(`verdicts: local ${verdicts(l).join(" ")}; prometheus ${verdicts(p).join(" ")}`);
    expect(verdicts(p)).toEqual(verdicts(l));
    const lb = l.processes.find((x) => x.name === "burner2")!.cpuPercent;
    const pb = p.processes.find((x) => x.group === "burner2")!.cpuPercent;
    if (process.env.HARNESS_TEST_VERBOSE) console.info(`burner2: prometheus ${pb}%, local attach ${lb}%`);
    expect(Math.abs(pb - lb), `prometheus ${pb}% vs local ${lb}%`).toBeLessThanOrEqual(Math.max(3, 0.15 * lb));
    expect(prom.stdout).toMatch(/prometheus: \d+ queries/);
  }, 60_000);

  it("says in one line when Prometheus cannot be reached or nothing matches", async () => {
    // a port nothing listens on
    const refused = await runHarness(["attach", "--prometheus", `http://127.0.0.1:${await freePort()}`, "--duration", "1", "--out", tempDir()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/could not reach Prometheus .*connection refused/);
    const none = await runHarness(["attach", "--prometheus", stack.url, "--match", `groupname="no-such-group"`, "--duration", "1", "--out", tempDir()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no per-process CPU series/);
    const bad = await runHarness(["attach", "--prometheus", stack.url, "--match", `groupname=~"("`, "--duration", "1", "--out", tempDir()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Prometheus rejected the query/);
  }, 60_000);
});
