/**
 * Chooses the profiler for `harness run --profile <name>`, wraps the processes it applies to
 * (the plan is rewritten; the supervisor starts the wrapped commands like any others), and after
 * the run reads back what each profiler wrote and renders the report section.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import type { Plan, ProcessSpec } from "../scenario/plan.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { cpuProfiler } from "./cpu-profile.js";
import { OffCpuTracer, offCpuUnavailableReason } from "./off-cpu.js";
import type { ThreadTime } from "./wall-clock.js";
import { wallTable } from "./wall-clock.js";
import { processTree } from "../sample/proc.js";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { doctorProfiler, doctorUnsupportedReason } from "./doctor.js";
import { flameProfiler } from "./flame.js";
import { perfProfiler, perfUnavailableReason } from "./perf.js";
import { renderProfileSection } from "./profile-markdown.js";
import { chooseSyscallTracer, syscallsProfiler } from "./syscalls.js";
import type { ProfileArtifact, Profiler, ProfilerName } from "./types.js";

export interface ProfilingSession {
  requested: ProfilerName;
  /** the profiler name to record in result.profiled, or false when the run ended up unprofiled */
  profiled: false | ProfilerName;
  plan: Plan;
  /** the supervisor's SIGTERM-to-SIGKILL grace for this run (profilers write their files on exit) */
  stopGraceMs?: number;
  /** messages for the terminal and the report (why a profiler could not be used, what was left out) */
  notes: string[];
  /** the window's edges (--profile cpu: the scheduler's off-CPU times are taken over the window) */
  window?: ProfileWindowHooks;
  /** after the run: read the profiles, add notes to result.problems, return the report sections */
  finish(result: RunResult): Promise<string[]>;
}

/**
 * Called by the run: prepare once every process started (before the warm-up; not awaited), start
 * at the window's first reading, end at its last, stop in its finally.
 */
export interface ProfileWindowHooks {
  prepare(started: { name: string; pid: number }[], windowStartS: number, windowS: number): void;
  start(): Promise<void>;
  end(): void;
  stop(): Promise<void>;
}

export { parseProfilerName } from "./names.js";

function profilerOf(name: ProfilerName): Profiler {
  return name === "cpu" ? cpuProfiler : name === "flame" ? flameProfiler : name === "doctor" ? doctorProfiler : perfProfiler;
}

function unprofiled(requested: ProfilerName, plan: Plan, note: string): ProfilingSession {
  return {
    requested,
    profiled: false,
    plan,
    notes: [note],
    finish: async (result) => {
      result.problems.push(note);
      return [];
    },
  };
}

export interface ProfilingOptions {
  env?: NodeJS.ProcessEnv;
}

export function startProfiling(requested: ProfilerName, plan: Plan, outDir: string, opts: ProfilingOptions = {}): ProfilingSession {
  const env = opts.env ?? process.env;
  if (requested === "doctor") {
    const why = doctorUnsupportedReason(env);
    if (why) return unprofiled(requested, plan, why);
  }
  if (requested === "perf") {
    const why = perfUnavailableReason();
    if (why) return unprofiled(requested, plan, why);
  }
  const notes: string[] = [];
  let profiler: Profiler;
  if (requested === "syscalls") {
    const c = chooseSyscallTracer(env);
    if (c.tracer === null) return unprofiled(requested, plan, c.reason);
    if (c.note) notes.push(c.note);
    profiler = syscallsProfiler(c.tracer);
  } else profiler = profilerOf(requested);
  const warmupS = Math.max(plan.scenario.window.warmupS, profiler.minWarmupS);
  const wrapped: { original: ProcessSpec; dir: string }[] = [];
  const skipped: string[] = [];
  const wrap = (spec: ProcessSpec): ProcessSpec => {
    if (!profiler.applies(spec)) {
      skipped.push(spec.name);
      return spec;
    }
    const dir = join(outDir, "profiles", spec.name);
    mkdirSync(dir, { recursive: true });
    wrapped.push({ original: spec, dir });
    return profiler.wrap(spec, dir, { warmupS });
  };
  const newPlan: Plan = { ...plan, server: wrap(plan.server), workers: plan.workers.map(wrap), load: plan.load ? wrap(plan.load) : undefined };
  const what = requested === "perf" ? "non-Node" : requested === "syscalls" ? "started" : "Node";
  if (wrapped.length === 0) return unprofiled(requested, plan, `--profile ${requested}: no ${what} process in this scenario to profile; the run is not profiled`);
  // HARNESS_OFF_CPU=off: the V8 profiles alone (to measure what the scheduler side costs)
  const offCpu = requested === "cpu" ? offCpuWindow(notes, env.HARNESS_OFF_CPU !== "off") : undefined;
  if (requested === "cpu" && env.HARNESS_OFF_CPU === "off") notes.push("--profile cpu: HARNESS_OFF_CPU=off: no scheduler times; the wall-clock tables cover the JavaScript thread only");
  // A wrapped Node program starts seconds later than a bare one (the profiler loads first): a short
  // warm-up would put its start-up inside the window and inside the profile summary.
  const w = plan.scenario.window;
  if (w.warmupS < profiler.minWarmupS) {
    newPlan.scenario = { ...plan.scenario, window: { ...w, warmupS: profiler.minWarmupS } };
    notes.push(`--profile ${requested}: warm-up raised from ${w.warmupS} s to ${profiler.minWarmupS} s, so the profiled programs have started before the window`);
  }
  if (skipped.length && requested === "cpu") notes.push(`--profile cpu has V8 stacks for Node processes only: ${skipped.join(", ")} get the scheduler's wall-clock table without stacks`);
  else if (skipped.length) notes.push(`--profile ${requested} profiles ${what} processes only: ${skipped.join(", ")} ran unprofiled`);
  return {
    requested,
    profiled: requested,
    plan: newPlan,
    stopGraceMs: profiler.stopGraceMs,
    notes,
    window: offCpu?.hooks,
    finish: async (result) => {
      const off = offCpu?.read();
      const ctx = {
        outDir,
        windowS: result.window.measuredS > 0 ? result.window.measuredS : result.window.durationS,
        windowFromS: offCpu?.fromS,
        windowToS: offCpu?.toS,
        pids: new Map(result.processes.map((p) => [p.name, p.pid])),
        threads: off?.threads,
        schedulerMethod: off?.method,
      };
      const artifacts: ProfileArtifact[] = [];
      for (const w of wrapped) {
        try {
          artifacts.push(await profiler.collect(w.original, w.dir, ctx));
        } catch (err) {
          artifacts.push({ process: w.original.name, html: null, summary: null, problems: [`${w.original.name}: could not read the profile: ${(err as Error).message}`] });
        }
      }
      // --profile cpu: processes without V8 stacks still get the scheduler's wall-clock table
      if (requested === "cpu" && off?.threads) {
        for (const name of skipped) {
          const pid = ctx.pids.get(name);
          const wall = wallTable({ process: name, v8: null, threads: off.threads.get(name) ?? null, mainTid: pid ?? null, schedulerMethod: off.method });
          if (wall) artifacts.push({ process: name, html: null, summary: null, problems: [], wall });
        }
      }
      if (off?.problem) notes.push(off.problem);
      for (const a of artifacts) result.problems.push(...a.problems);
      for (const a of artifacts) {
        const p = a.syscallProfile ? result.processes.find((x) => x.name === a.process) : undefined;
        if (p) p.syscallProfile = a.syscallProfile;
      }
      result.problems.push(...notes);
      // the source of the profile tables, next to the profiles (result.json keeps the run's figures)
      writeFileAtomic(join(outDir, "profiles", "summary.json"), JSON.stringify({ profiler: requested, label: profiler.label, notes, artifacts }, null, 2) + "\n");
      return [profiler.renderSection ? profiler.renderSection(artifacts, notes) : renderProfileSection(profiler.label, artifacts, notes)];
    },
  };
}

/**
 * The scheduler side of --profile cpu: bpftrace over the window on every started process tree.
 * The window's monotonic edges are kept too: the V8 profiles are cut to them.
 */
function offCpuWindow(
  notes: string[],
  enabled: boolean,
): {
  hooks: ProfileWindowHooks;
  fromS?: number;
  toS?: number;
  read(): { threads: Map<string, ThreadTime[]> | null; method: string; problem: string | null };
} {
  const unavailable = offCpuUnavailableReason();
  if (unavailable && enabled) notes.push(`--profile cpu: ${unavailable}; threads' waits are sampled from /proc instead (coarser)`);
  const tracer = new OffCpuTracer();
  const owner = new Map<number, string>();
  let result: Awaited<ReturnType<OffCpuTracer["collect"]>> | undefined;
  let starting: Promise<void> | undefined;
  let windowSpan = Infinity;
  const state: ReturnType<typeof offCpuWindow> = {
    hooks: {
      prepare: (started, windowStartS, windowS) => {
        windowSpan = windowS;
        state.fromS = windowStartS;
        if (!enabled) return;
        // the window's nominal start: the scheduler's times and the V8 profiles are both cut there
        state.fromS = windowStartS;
        for (const p of started) for (const pid of processTree(p.pid)) owner.set(pid, p.name);
        starting = tracer.start([...owner.keys()], Math.max(0, windowStartS - nowSeconds()) + windowS + 30, windowStartS, windowStartS + windowS);
      },
      start: async () => {
        await starting;
      },
      end: () => {
        // the nominal end, as for the scheduler's times (the end reading comes a little later)
        state.toS = Math.min(nowSeconds(), (state.fromS ?? 0) + windowSpan);
        tracer.interrupt();
      },
      stop: async () => {
        // an interrupted run: the window ends here, for the scheduler's times and the V8 profiles alike
        if (state.fromS !== undefined && state.toS === undefined) {
          state.toS = nowSeconds();
          tracer.interrupt();
        }
        await starting;
        result ??= await tracer.collect();
      },
    },
    read: () => {
      if (!enabled) return { threads: null, method: "not measured (HARNESS_OFF_CPU=off)", problem: null };
      if (!result?.reading) return { threads: null, method: "unknown", problem: result?.problem ? `--profile cpu: ${result.problem}` : null };
      const r = result.reading;
      const threads = new Map<string, ThreadTime[]>();
      for (const [tgid, list] of r.byProcess) {
        const name = owner.get(tgid);
        if (name) threads.set(name, [...(threads.get(name) ?? []), ...list]);
      }
      const spanS = (r.endNs - r.beginNs) / 1e9;
      const self = result.selfCpuMs !== null ? `; ${unavailable ? "the harness process (its /proc sampling included)" : "bpftrace itself"} used ${Math.round(result.selfCpuMs)} ms of CPU, start-up during the warm-up included` : "";
      return { threads, method: `${result.method} over ${spanS.toFixed(1)} s of the window${self}`, problem: null };
    },
  };
  return state;
}
