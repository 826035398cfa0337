/**
 * Chooses the profiler for `harness run --profile <name>`, wraps the processes it applies to
 * (the plan is rewritten; the supervisor starts the wrapped commands like any others), and after
 * the run reads back what each profiler wrote and renders the report section.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../analyze/result-types.js";
import type { Plan, ProcessSpec } from "../scenario/plan.js";
import { UsageError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { doctorProfiler, doctorUnsupportedReason } from "./doctor.js";
import { flameProfiler } from "./flame.js";
import { perfProfiler, perfUnavailableReason } from "./perf.js";
import { renderProfileSection } from "./profile-markdown.js";
import { chooseSyscallTracer, syscallsProfiler } from "./syscalls.js";
import { PROFILER_NAMES, type ProfileArtifact, type Profiler, type ProfilerName } from "./types.js";

export interface ProfilingSession {
  requested: ProfilerName;
  /** the profiler name to record in result.profiled, or false when the run ended up unprofiled */
  profiled: false | ProfilerName;
  plan: Plan;
  /** the supervisor's SIGTERM-to-SIGKILL grace for this run (profilers write their files on exit) */
  stopGraceMs?: number;
  /** messages for the terminal and the report (why a profiler could not be used, what was left out) */
  notes: string[];
  /** after the run: read the profiles, add notes to result.problems, return the report sections */
  finish(result: RunResult): Promise<string[]>;
}

export function parseProfilerName(value: string): ProfilerName {
  const v = value.trim().toLowerCase();
  if ((PROFILER_NAMES as readonly string[]).includes(v)) return v as ProfilerName;
  throw new UsageError(`--profile: expected one of ${PROFILER_NAMES.join(", ")}, got "${value}"`);
}

function profilerOf(name: ProfilerName): Profiler {
  return name === "flame" ? flameProfiler : name === "doctor" ? doctorProfiler : perfProfiler;
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
  // A wrapped Node program starts seconds later than a bare one (the profiler loads first): a short
  // warm-up would put its start-up inside the window and inside the profile summary.
  const w = plan.scenario.window;
  if (w.warmupS < profiler.minWarmupS) {
    newPlan.scenario = { ...plan.scenario, window: { ...w, warmupS: profiler.minWarmupS } };
    notes.push(`--profile ${requested}: warm-up raised from ${w.warmupS} s to ${profiler.minWarmupS} s, so the profiled programs have started before the window`);
  }
  if (skipped.length) notes.push(`--profile ${requested} profiles ${what} processes only: ${skipped.join(", ")} ran unprofiled`);
  return {
    requested,
    profiled: requested,
    plan: newPlan,
    stopGraceMs: profiler.stopGraceMs,
    notes,
    finish: async (result) => {
      const ctx = { outDir, windowS: result.window.measuredS > 0 ? result.window.measuredS : result.window.durationS };
      const artifacts: ProfileArtifact[] = [];
      for (const w of wrapped) {
        try {
          artifacts.push(await profiler.collect(w.original, w.dir, ctx));
        } catch (err) {
          artifacts.push({ process: w.original.name, html: null, summary: null, problems: [`${w.original.name}: could not read the profile: ${(err as Error).message}`] });
        }
      }
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
