/**
 * A real Prometheus and a real process-exporter on loopback, for tests and the fleet recipe: free
 * ports, a temp dir, a 1 s scrape interval. stop() ends both (SIGTERM, then SIGKILL) and removes
 * the dir; call it in afterAll/finally.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PROMETHEUS_BIN = "prometheus";
export const PROCESS_EXPORTER_BIN = "prometheus-process-exporter";

/** Which of the two binaries is missing from PATH (empty when both are there). */
export function missingPrometheusTools(): string[] {
  return [PROMETHEUS_BIN, PROCESS_EXPORTER_BIN].filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrometheusStack {
  url: string;
  exporterUrl: string;
  /** the instance label of process-exporter's series */
  exporterInstance: string;
  dir: string;
  stop(): Promise<void>;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once("exit", r));
  c.kill("SIGTERM");
  const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Start process-exporter watching processes whose command line holds `<tag>=<name>` (the group is
 * <name>), and Prometheus scraping it (and `extraTargets`) every second.
 */
export async function startPrometheusStack(opts: { tag: string; extraTargets?: string[]; scrapeS?: number }): Promise<PrometheusStack> {
  const dir = mkdtempSync(join(tmpdir(), "harness-prom-"));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const c of children.splice(0).reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [pePort, promPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "process-exporter.yml"), `process_names:\n  - name: "{{.Matches.name}}"\n    cmdline:\n      - '${opts.tag}=(?P<name>[A-Za-z0-9_-]+)'\n`);
    const scrape = `${opts.scrapeS ?? 1}s`;
    const targets = [`127.0.0.1:${pePort}`];
    const extra = (opts.extraTargets ?? []).map((t) => `'${t}'`).join(", ");
    writeFileSync(
      join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: ${scrape}\n  evaluation_interval: ${scrape}\nscrape_configs:\n  - job_name: process-exporter\n    static_configs:\n      - targets: ['${targets[0]}']\n` +
        (extra ? `  - job_name: app\n    static_configs:\n      - targets: [${extra}]\n` : ""),
    );
    const pe = spawn(PROCESS_EXPORTER_BIN, ["-config.path", join(dir, "process-exporter.yml"), "-web.listen-address", `127.0.0.1:${pePort}`, "-threads=false", "-gather-smaps=false"], { stdio: "ignore" });
    children.push(pe);
    const prom = spawn(
      PROMETHEUS_BIN,
      [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--storage.tsdb.retention.time=1h", "--log.level=warn"],
      { stdio: "ignore" },
    );
    children.push(prom);
    const url = `http://127.0.0.1:${promPort}`;
    await waitFor("process-exporter", async () => (await fetch(`http://127.0.0.1:${pePort}/metrics`)).ok, 15_000);
    await waitFor("prometheus", async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
    // two scrapes of process-exporter stored: the first rate exists
    await waitFor(
      "the first scrapes",
      async () => {
        const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent("count_over_time(namedprocess_scrape_errors[1m])")}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
        return Number(r.data?.result?.[0]?.value[1] ?? 0) >= 2;
      },
      30_000,
    );
    return { url, exporterUrl: `http://127.0.0.1:${pePort}/metrics`, exporterInstance: `127.0.0.1:${pePort}`, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
