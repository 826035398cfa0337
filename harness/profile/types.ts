/** What every profiler provides: which processes it wraps, how, and what it reads back afterwards. */
import type { ProcessSpec } from "../scenario/plan.js";
import type { ProfileSummary } from "./summary.js";

export const PROFILER_NAMES = ["flame", "doctor", "perf"] as const;
export type ProfilerName = (typeof PROFILER_NAMES)[number];

export interface ProfileContext {
  /** the run folder */
  outDir: string;
  /** seconds in the measured window: the profile summary covers the same span */
  windowS: number;
}

/** What one profiled process left behind. */
export interface ProfileArtifact {
  process: string;
  /** HTML report relative to the run folder, when one was written */
  html: string | null;
  summary: ProfileSummary | null;
  problems: string[];
}

export interface Profiler {
  name: ProfilerName;
  /** what it is, for the report ("0x flamegraph (V8 --prof)") */
  label: string;
  /** whether this profiler applies to a process (0x and Clinic: Node processes; perf: the others) */
  applies(spec: ProcessSpec): boolean;
  /** the process spec that runs the original one under the profiler, writing into `dir` */
  wrap(spec: ProcessSpec, dir: string): ProcessSpec;
  /** how long the supervisor lets a stopped process write its profile before SIGKILL */
  stopGraceMs: number;
  /** the shortest warm-up that lets a wrapped program start before the window */
  minWarmupS: number;
  /** after every process stopped: find and read what the profiler wrote */
  collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact>;
}
