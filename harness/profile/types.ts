/** What every profiler provides: which processes it wraps, how, and what it reads back afterwards. */
import type { SyscallProfile } from "../analyze/result-types.js";
import type { ProcessSpec } from "../scenario/plan.js";
import type { ProfileSummary } from "./summary.js";
import type { ThreadTime, WallTable } from "./wall-clock.js";

export const PROFILER_NAMES = ["cpu", "flame", "doctor", "perf", "syscalls"] as const;
export type ProfilerName = (typeof PROFILER_NAMES)[number];

export interface ProfileContext {
  /** the run folder */
  outDir: string;
  /** seconds in the measured window: the profile summary covers the same span */
  windowS: number;
  /** monotonic seconds (the clock of process.hrtime and of V8's profiles) of the window's first and last readings */
  windowFromS?: number;
  windowToS?: number;
  /** the started process's pid, by process name */
  pids?: Map<string, number>;
  /** every thread's scheduler times over the window (--profile cpu), by process name; null when not measured */
  threads?: Map<string, ThreadTime[]> | null;
  /** how the threads' times were measured, or why they were not */
  schedulerMethod?: string | null;
}

/** What one profiled process left behind. */
export interface ProfileArtifact {
  process: string;
  /** HTML report relative to the run folder, when one was written */
  html: string | null;
  summary: ProfileSummary | null;
  problems: string[];
  /** the wall-clock table, all threads, waiting included (--profile cpu) */
  wall?: WallTable | null;
  /** --profile syscalls: the process's syscalls by type (copied to result.processes[].syscallProfile) */
  syscallProfile?: SyscallProfile;
}

/** What a profiler may need to know about the run when it wraps a process. */
export interface WrapContext {
  /** the warm-up the run will have (after any raise to minWarmupS), seconds */
  warmupS: number;
}

export interface Profiler {
  name: ProfilerName;
  /** what it is, for the report ("0x flamegraph (V8 --prof)") */
  label: string;
  /** whether this profiler applies to a process (0x and Clinic: Node processes; perf: the others) */
  applies(spec: ProcessSpec): boolean;
  /** the process spec that runs the original one under the profiler, writing into `dir` */
  wrap(spec: ProcessSpec, dir: string, ctx?: WrapContext): ProcessSpec;
  /** how long the supervisor lets a stopped process write its profile before SIGKILL */
  stopGraceMs: number;
  /** the shortest warm-up that lets a wrapped program start before the window */
  minWarmupS: number;
  /** after every process stopped: find and read what the profiler wrote */
  collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact>;
  /** the report section, when the profiler's figures are not profile summaries (default: renderProfileSection) */
  renderSection?(artifacts: ProfileArtifact[], notes: string[]): string;
}
