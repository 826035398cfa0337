/**
 * Accuracy of the window CPU figure for a process tree whose threads and children come and go,
 * measured through the real run path (`harness run` of a scenario file), against an independent
 * reference: the tree's own cgroup CPU accounting (the kernel's scheduler time, µs on v2, ns on v1),
 * which the harness reads at the same two readings. The figure under test is the /proc tree walk
 * (result.json `procTreeCpuPercent`; what `harness attach` and machines without cgroups use).
 *
 * Workers: "churn" forks children (some through a shell, so grandchildren too) and worker threads
 * that burn 30–400 ms and exit; "steady" is one thread burning about 25% of a core; "orphans" starts
 * children through a shell that exits at once, so they are reparented to init: no /proc tree walk can
 * follow them (shown, not a target: it is what the cgroup source is for).
 *
 * Run under the measuring lock: `flock /tmp/measure.lock npm run bench -- accuracy`.
 * BENCH_CHURN_RUNS (default 3) runs of BENCH_CHURN_S (default 20) seconds.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Benchmark, BenchOutput } from "./types.js";
import type { RunResult } from "../harness/analyze/result-types.js";
import { detectCgroups } from "../harness/sample/cgroup.js";
import { packageRoot } from "../harness/util/paths.js";

const RUNS = Number(process.env.BENCH_CHURN_RUNS ?? 3);
const WINDOW_S = Number(process.env.BENCH_CHURN_S ?? 20);
const TARGETED = ["churn", "steady"];

const burn = (ms: string): string => `const e = Date.now() + ${ms}; while (Date.now() < e);`;

const CHURN = `
const { spawn } = require("node:child_process");
const { Worker } = require("node:worker_threads");
const node = process.execPath;
const rnd = (a, b) => Math.round(a + Math.random() * (b - a));
// a child every 400 ms, burning 50-400 ms, reaped by this process
setInterval(() => spawn(node, ["-e", ${JSON.stringify(burn("Number(process.argv[1])"))}, String(rnd(50, 400))], { stdio: "ignore" }), 400);
// a shell every 1.1 s whose own child burns 100-300 ms (a grandchild, reaped by the shell)
setInterval(() => spawn("/bin/sh", ["-c", node + " -e '" + ${JSON.stringify(burn("Number(process.argv[1])"))} + "' " + rnd(100, 300) + "; true"], { stdio: "ignore" }), 1100);
// a worker thread every 300 ms, burning 30-200 ms
setInterval(() => new Worker(${JSON.stringify(burn("require('node:worker_threads').workerData"))}, { eval: true, workerData: rnd(30, 200) }), 300);
`;

const STEADY = `
(async () => {
  for (;;) {
    ${burn("25")}
    await new Promise((r) => setTimeout(r, 75));
  }
})();
`;

const ORPHANS = `
const { spawn } = require("node:child_process");
const child = ${JSON.stringify(`${process.execPath} -e '${burn("200")}'`)};
setInterval(() => spawn("/bin/sh", ["-c", child + " & exit 0"], { stdio: "ignore" }), 1000);
`;

interface Row {
  run: number;
  worker: string;
  cpuSource: string | null;
  /** the reference: the tree's cgroup over the window, % of one core */
  cgroupPercent: number;
  /** the /proc tree walk over the same readings */
  procTreePercent: number | null;
  diffPp: number | null;
  members: number;
  targeted: boolean;
  withinTarget: boolean | null;
}

function scenario(dir: string): string {
  const workers: [string, string][] = [
    ["churn", CHURN],
    ["steady", STEADY],
    ["orphans", ORPHANS],
  ];
  const lines = ["name: accuracy-churn", "description: threads and children that come and go", "server: { name: idle, command: [sleep, '3600'] }", "workers:"];
  for (const [name, code] of workers) {
    const file = join(dir, `${name}.cjs`);
    writeFileSync(file, code);
    lines.push(`  - { name: ${name}, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(file)}] }`);
  }
  const file = join(dir, "accuracy.yaml");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

function runHarness(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "harness", "cli", "main.js"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

export const accuracy: Benchmark = {
  name: "accuracy",
  description: `The window CPU figure of the /proc tree walk for trees whose threads and children come and go, through \`harness run\` (${RUNS} runs of ${WINDOW_S} s), against the trees' own cgroup accounting over the same readings (target: within 0.5 pp or 5%).`,
  async run(): Promise<BenchOutput> {
    const support = detectCgroups();
    if (!support.kind) {
      const why = `no cgroup the harness can create here (${support.reason}): there is no independent reference. Run as root, or in a delegated cgroup v2 subtree (e.g. \`systemd-run --user --scope -p Delegate=yes npm run bench -- accuracy\`).`;
      return { figures: { cgroup: null, reason: support.reason }, markdown: `**Not measured**: ${why}\n`, targetsMet: false };
    }
    const dir = mkdtempSync(join(tmpdir(), "bench-accuracy-"));
    const rows: Row[] = [];
    const loadBefore = load();
    const problems: string[] = [];
    try {
      const file = scenario(dir);
      for (let i = 1; i <= RUNS; i++) {
        process.stderr.write(`bench: accuracy: run ${i} of ${RUNS} (${WINDOW_S} s window)\n`);
        const out = join(dir, `run-${i}`);
        const r = await runHarness(["run", file, "--duration", String(WINDOW_S), "--warmup", "2", "--out", out, "--quiet"]);
        if (r.code !== 0) throw new Error(`harness run exited ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
        const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as RunResult;
        problems.push(...result.problems);
        for (const p of result.processes.filter((x) => x.role === "worker")) {
          const proc = p.procTreeCpuPercent ?? null;
          const diff = proc === null ? null : round(proc - p.cpuPercent);
          const targeted = TARGETED.includes(p.name);
          rows.push({
            run: i,
            worker: p.name,
            cpuSource: p.cpuSource ?? null,
            cgroupPercent: p.cpuPercent,
            procTreePercent: proc,
            diffPp: diff,
            members: p.members.length,
            targeted,
            withinTarget: targeted && diff !== null ? Math.abs(diff) <= Math.max(0.5, 0.05 * p.cpuPercent) : null,
          });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const loadAfter = load();
    const met = rows.filter((r) => r.targeted).every((r) => r.withinTarget === true && r.cpuSource !== "proc-tree");
    const table = [
      "| Run | Worker | Members seen | cgroup (reference) | /proc tree | Difference | Target |",
      "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
      ...rows.map((r) => `| ${r.run} | ${r.worker} | ${r.members} | ${r.cgroupPercent.toFixed(2)}% | ${r.procTreePercent === null ? "–" : `${r.procTreePercent.toFixed(2)}%`} | ${r.diffPp === null ? "–" : `${r.diffPp >= 0 ? "+" : ""}${r.diffPp.toFixed(2)} pp`} | ${r.targeted ? (r.withinTarget ? "met" : "NOT met") : "not a target (orphans leave the tree)"} |`),
    ].join("\n");
    const md = [
      `Reference: each worker tree's own cgroup (${support.kind === "v2" ? "cgroup v2 `cpu.stat` usage_usec" : "cgroup v1 `cpuacct.usage`"}), read by the harness at the window's start and end readings; under test: the /proc tree walk over the same readings (\`procTreeCpuPercent\` in result.json). Scenario: one \`sleep\` as the server, three command workers (see bench/accuracy.ts). Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter} (2 cores, shared).`,
      table,
      `Target: the /proc tree within 0.5 percentage points or 5% of the cgroup for \`churn\` and \`steady\` — **${met ? "met" : "NOT met"}**. \`orphans\` shows what only a cgroup sees: children reparented to init leave the /proc tree at once.`,
      ...(problems.length ? [`Problems reported by the runs: ${[...new Set(problems)].join("; ")}`] : []),
    ].join("\n\n");
    return { figures: { cgroup: support.kind, runs: RUNS, windowS: WINDOW_S, loadBefore, loadAfter, rows, targetMet: met }, markdown: md, targetsMet: met };
  },
};
