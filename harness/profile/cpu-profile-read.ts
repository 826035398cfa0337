/**
 * A V8 CPU profile (.cpuprofile, the format of `node --cpu-prof` and the inspector's Profiler
 * domain) as weighted samples for the profile summary, cut to a span of its own clock. Pure.
 *
 * V8 samples the JavaScript thread every interval whatever it does, so the samples are wall-clock:
 * `(idle)` while the event loop waits (Node marks the isolate idle around its poll), `(garbage
 * collector)`, `(program)` for native code outside JavaScript, and JavaScript frames.
 */
import { VM_STATE, type Frame } from "./categories.js";
import type { ProfileSample } from "./summary.js";

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** microseconds, V8's monotonic clock (CLOCK_MONOTONIC on Linux, the clock of process.hrtime) */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function isCpuProfile(v: unknown): v is CpuProfile {
  const p = v as Partial<CpuProfile> | null;
  return !!p && Array.isArray(p.nodes) && Array.isArray(p.samples) && Array.isArray(p.timeDeltas) && typeof p.startTime === "number";
}

/** One frame as the summary's categories read it: JS frames as "name file:line:col" (1-based). */
function frameOf(node: CpuProfileNode): Frame {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || "(anonymous)";
  if (!url) return { type: name.startsWith("(") ? "CPP" : "JS", name };
  return { type: "JS", name: `${name} ${url}:${lineNumber + 1}:${columnNumber + 1}` };
}

const SPECIAL_STATE: Record<string, number> = {
  "(idle)": VM_STATE.IDLE,
  "(garbage collector)": VM_STATE.GC,
  "(program)": VM_STATE.OTHER,
};

export interface CpuProfileSamples {
  samples: ProfileSample[];
  /** seconds of profile inside the span */
  coveredS: number;
  /** the span actually covered, in the profile's microseconds */
  fromUs: number;
  toUs: number;
}

/**
 * The samples taken between fromUs and toUs (profile clock, microseconds; undefined: the whole
 * profile). Each sample weighs the time since the previous one: an (idle) sample stands for the
 * wait it ended.
 */
export function cpuProfileSamples(p: CpuProfile, fromUs?: number, toUs?: number): CpuProfileSamples {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, { stack: Frame[]; vmState: number }>();
  const stackOf = (id: number): { stack: Frame[]; vmState: number } => {
    const known = stacks.get(id);
    if (known) return known;
    const stack: Frame[] = [];
    let vmState: number = VM_STATE.JS;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (!node) break;
      const fn = node.callFrame.functionName;
      if (fn === "(root)" && !node.callFrame.url) break;
      if (at === id && fn in SPECIAL_STATE && !node.callFrame.url) vmState = SPECIAL_STATE[fn] as number;
      stack.push(frameOf(node));
    }
    const s = { stack, vmState };
    stacks.set(id, s);
    return s;
  };
  const from = fromUs ?? -Infinity;
  const to = toUs ?? Infinity;
  const samples: ProfileSample[] = [];
  let t = p.startTime;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    const prev = t;
    t += delta;
    if (t <= from || t > to) continue;
    // the first sample inside the span weighs only its part inside it
    const weightUs = Math.max(0, t - Math.max(prev, from));
    const { stack, vmState } = stackOf(p.samples[i] as number);
    samples.push({ weightMs: weightUs / 1000, vmState, stack });
    first = Math.min(first, Math.max(prev, from));
    last = Math.max(last, t);
  }
  const coveredS = samples.length ? (last - first) / 1e6 : 0;
  return { samples, coveredS, fromUs: samples.length ? first : Number.NaN, toUs: samples.length ? last : Number.NaN };
}
