/**
 * --profile cpu: V8's own CPU profiler in every started Node process (the default Node profiler on
 * every supported Node line). A preload (preload/cpu-profile.ts, `node --import`) starts the
 * profiler through node:inspector as the program loads and writes `<pid>.cpuprofile` when the
 * program ends, SIGTERM included; the summary is cut to exactly the measured window by the
 * profile's timestamps (V8's clock is process.hrtime's). The samples are wall-clock for the
 * JavaScript thread: (idle) while the event loop waits. With the scheduler's off-CPU times
 * (off-cpu.ts) the report also gets the wall-clock table of all threads, waiting included.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { ProcessSpec } from "../scenario/plan.js";
import { packageRoot } from "../util/paths.js";
import { cpuProfileSamples, isCpuProfile } from "./cpu-profile-read.js";
import { isNodeSpec } from "./node-process.js";
import { sourceLocator } from "./source-location.js";
import { summarise } from "./summary.js";
import type { ProfileArtifact, ProfileContext, Profiler } from "./types.js";
import { wallTable } from "./wall-clock.js";

export const CPU_PROFILE_COUNTS = "wall-clock samples of the JavaScript thread (V8 CPU profile, waiting included as (idle))";

/**
 * V8's sampling interval in microseconds (its default): about 1000 samples/s on the JavaScript
 * thread. HARNESS_CPU_PROF_INTERVAL_US sets another (a coarser one costs the program less CPU).
 */
export const CPU_PROFILE_INTERVAL_US = 1000;

function intervalUs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.HARNESS_CPU_PROF_INTERVAL_US);
  return Number.isInteger(v) && v >= 50 && v <= 1_000_000 ? v : CPU_PROFILE_INTERVAL_US;
}

function preload(): string {
  return join(packageRoot(), "dist", "harness", "profile", "preload", "cpu-profile.js");
}

/** The newest .cpuprofile written by this pid, or else the largest one in the folder. */
function pickProfile(dir: string, pid: number | undefined): string | null {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")) : [];
  if (pid !== undefined && files.includes(`${pid}.cpuprofile`)) return `${pid}.cpuprofile`;
  return files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0] ?? null;
}

export const cpuProfiler: Profiler = {
  name: "cpu",
  label: "V8 CPU profile (node:inspector) with the scheduler's waits",
  applies: (spec) => isNodeSpec(spec),
  // the profile is serialised in the exit handler: well under a second for a minute of samples
  stopGraceMs: 20_000,
  minWarmupS: 1,
  wrap(spec: ProcessSpec, dir: string): ProcessSpec {
    const [nodeBin, ...rest] = spec.argv;
    return {
      ...spec,
      argv: [nodeBin ?? process.execPath, `--import=${pathToFileURL(preload()).href}`, ...rest],
      env: { ...spec.env, HARNESS_CPU_PROF_DIR: dir, HARNESS_CPU_PROF_INTERVAL_US: String(intervalUs()) },
    };
  },
  async collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact> {
    const problems: string[] = [];
    const pid = ctx.pids?.get(spec.name);
    const threads = ctx.threads?.get(spec.name) ?? null;
    const file = pickProfile(dir, pid);
    const wallOf = (v8: Parameters<typeof wallTable>[0]["v8"]) =>
      wallTable({ process: spec.name, v8, threads, mainTid: pid ?? null, schedulerMethod: ctx.schedulerMethod ?? null });
    if (!file) {
      problems.push(`${spec.name}: no .cpuprofile in ${relative(ctx.outDir, dir)} (the program ended before it could write one? see logs/${spec.name}.log)`);
      return { process: spec.name, html: null, summary: null, problems, wall: wallOf(null) };
    }
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), "utf8"));
    if (!isCpuProfile(parsed)) {
      problems.push(`${spec.name}: ${file} is not a V8 CPU profile`);
      return { process: spec.name, html: null, summary: null, problems, wall: wallOf(null) };
    }
    const from = ctx.windowFromS !== undefined ? ctx.windowFromS * 1e6 : undefined;
    const to = ctx.windowToS !== undefined ? ctx.windowToS * 1e6 : undefined;
    // without the window's own times (an interrupted run): the last windowS seconds of the profile
    const cut = from !== undefined && to !== undefined ? { from, to } : { from: parsed.startTime + Math.max(0, (parsed.endTime ?? 0) - parsed.startTime - ctx.windowS * 1e6), to: undefined };
    const { samples, coveredS } = cpuProfileSamples(parsed, cut.from, cut.to);
    const source = relative(ctx.outDir, join(dir, file));
    const summary = summarise(samples, {
      process: spec.name,
      profiler: "cpu",
      counts: CPU_PROFILE_COUNTS,
      flamegraph: null,
      source,
      coveredS,
      locate: sourceLocator(packageRoot()),
    });
    return { process: spec.name, html: null, summary, problems, wall: wallOf(samples) };
  },
};
