/**
 * perf: samples non-Node processes with `perf record -e cpu-clock -g` (a software clock event:
 * hardware counters are not available on these machines). After the run, `perf script` gives the
 * stacks; 0x renders them as a flamegraph (its --visualize-only reads perf script output) and
 * perf-script.ts summarises them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { ProcessSpec } from "../scenario/plan.js";
import { zeroExBin } from "./flame.js";
import { isNodeSpec } from "./node-process.js";
import { foldStacks, parsePerfScript, perfSamples } from "./perf-script.js";
import { summarise } from "./summary.js";
import type { ProfileArtifact, ProfileContext, Profiler } from "./types.js";

export function perfBinary(): string {
  return process.env.HARNESS_PERF ?? "perf";
}

/** null when `perf record -e cpu-clock` works here, else why not. */
export function perfUnavailableReason(): string | null {
  const probe = join(tmpdir(), `harness-perf-probe-${process.pid}.data`);
  const r = spawnSync(perfBinary(), ["record", "-q", "-e", "cpu-clock", "-o", probe, "--", "true"], { encoding: "utf8", timeout: 15_000 });
  rmSync(probe, { force: true });
  if (r.error) return `--profile perf: cannot run perf (${r.error.message}); install it (Debian: linux-perf) or use --profile flame for Node processes. The run goes on unprofiled.`;
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").slice(0, 2).join(" ");
    return `--profile perf: perf record failed here (${why}); check /proc/sys/kernel/perf_event_paranoid. The run goes on unprofiled.`;
  }
  return null;
}

export const perfProfiler: Profiler = {
  name: "perf",
  label: "perf record -e cpu-clock -g",
  applies: (spec) => !isNodeSpec(spec),
  stopGraceMs: 15_000,
  minWarmupS: 1,
  wrap(spec: ProcessSpec, dir: string): ProcessSpec {
    const inner = spec.shell ? ["/bin/sh", "-c", spec.argv.join(" ")] : spec.argv;
    return { ...spec, shell: false, argv: [perfBinary(), "record", "-q", "-e", "cpu-clock", "-g", "-o", join(dir, "perf.data"), "--", ...inner] };
  },
  async collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact> {
    const data = join(dir, "perf.data");
    if (!existsSync(data)) return { process: spec.name, html: null, summary: null, problems: [`${spec.name}: perf wrote no perf.data (see logs/${spec.name}.log)`] };
    const script = spawnSync(perfBinary(), ["script", "-i", data], { encoding: "utf8", maxBuffer: 1 << 30, timeout: 120_000 });
    if (script.status !== 0) return { process: spec.name, html: null, summary: null, problems: [`${spec.name}: perf script failed: ${(script.stderr ?? "").trim().split("\n")[0]}`] };
    const parsed = parsePerfScript(script.stdout);
    const problems: string[] = [];
    writeFileSync(join(dir, "stacks.folded"), foldStacks(parsed));
    // 0x --visualize-only renders perf script output named stacks.<pid>.out
    const vis = join(dir, "flame");
    mkdirSync(vis, { recursive: true });
    writeFileSync(join(vis, `stacks.${parsed[0]?.pid ?? 0}.out`), script.stdout);
    const r = spawnSync(process.execPath, [zeroExBin(), "--quiet", "--visualize-only", vis, "--name", "flamegraph", "--title", `${spec.name} (perf)`], { encoding: "utf8", timeout: 120_000, cwd: dir });
    const html = readdirSync(vis).includes("flamegraph.html") ? relative(ctx.outDir, join(vis, "flamegraph.html")) : null;
    if (!html) problems.push(`${spec.name}: could not render the perf flamegraph: ${(r.stderr || r.stdout || "").trim().split("\n").slice(-1)[0] ?? ""}`);
    const { samples, coveredS } = perfSamples(parsed, ctx.windowS);
    const summary = summarise(samples, { process: spec.name, profiler: "perf", flamegraph: html, source: relative(ctx.outDir, data), coveredS });
    return { process: spec.name, html, summary, problems };
  },
};
