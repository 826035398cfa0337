/**
 * From weighted samples (any profiler) to the figures of a profile summary: time by category, the
 * top functions by self time and the application's functions by total time. Pure.
 */
import { CATEGORY_ORDER, NOT_PROGRAM_WORK, categorize, firstKnown, jsOwner, splitJsName, type Category, type Frame } from "./categories.js";

export interface ProfileSample {
  /** milliseconds of wall time this sample stands for */
  weightMs: number;
  /** V8 VM state, or null when the profiler has none (perf) */
  vmState: number | null;
  /** leaf first */
  stack: Frame[];
}

export interface CategoryFigure {
  category: Category;
  ms: number;
  share: number;
  samples: number;
  /** the function with the most self time in this category */
  topFunction: string | null;
}

export interface FunctionFigure {
  name: string;
  file: string | null;
  line: number | null;
  category: Category;
  ms: number;
  share: number;
  samples: number;
}

export interface ProfileSummary {
  process: string;
  profiler: string;
  /** what the samples count: "on-CPU samples" or "wall-clock (...)"; absent in older summaries (read by the profiler's name) */
  counts?: string;
  /** relative path (from the run folder) of the flamegraph HTML, when one was written */
  flamegraph: string | null;
  /** relative path of the raw profile data the summary was computed from */
  source: string;
  samples: number;
  totalMs: number;
  /** seconds of profile covered (the measured window, or the whole profile when shorter) */
  coveredS: number;
  categories: CategoryFigure[];
  /** top functions by self time, idle waits and the profiler's own log writing left out */
  topSelf: FunctionFigure[];
  /** the application's own functions by total (inclusive) time (idle and the profiler's writing left out) */
  topApplication: FunctionFigure[];
}

export interface SummaryOptions {
  process: string;
  profiler: string;
  flamegraph: string | null;
  source: string;
  coveredS: number;
  /** what the samples count (see ProfileSummary.counts) */
  counts?: string;
  /** maps a file and line to a nicer place (e.g. through a source map, or relative to the package) */
  locate?: (file: string, line: number, column: number) => { file: string; line: number };
  top?: number;
}

interface Acc {
  name: string;
  file: string | null;
  line: number | null;
  category: Category;
  ms: number;
  samples: number;
}

function describe(frame: Frame, locate: SummaryOptions["locate"]): { key: string; name: string; file: string | null; line: number | null } {
  if (frame.type !== "JS") {
    const name = frame.name.replace(/@@[\w.]+$/, "").replace(/\+0x[0-9a-f]+$/i, "") || "(unknown)";
    return { key: `${frame.type}:${name}`, name, file: null, line: null };
  }
  const s = splitJsName(frame.name);
  if (!s.file || s.line === null) return { key: `JS:${s.fn}`, name: s.fn, file: null, line: null };
  const at = locate ? locate(s.file, s.line, s.column ?? 1) : { file: s.file, line: s.line };
  return { key: `JS:${s.fn}@${at.file}:${at.line}`, name: s.fn, file: at.file, line: at.line };
}

export function summarise(samples: ProfileSample[], opts: SummaryOptions): ProfileSummary {
  const top = opts.top ?? 10;
  const byCat = new Map<Category, { ms: number; samples: number; fns: Map<string, number> }>();
  const self = new Map<string, Acc>();
  const total = new Map<string, Acc>();
  let totalMs = 0;
  for (const s of samples) {
    const category = categorize(s.vmState, s.stack);
    totalMs += s.weightMs;
    const c = byCat.get(category) ?? { ms: 0, samples: 0, fns: new Map<string, number>() };
    c.ms += s.weightMs;
    c.samples++;
    byCat.set(category, c);
    const known = firstKnown(s.stack);
    const leaf = known.frame;
    if (leaf) {
      const d = describe(leaf, opts.locate);
      if (known.skipped > 0) {
        // self time in unnamed native code (e.g. a C++ builtin) is shown under its nearest named caller
        d.name += " › native";
        d.key += " (native)";
      }
      c.fns.set(d.name, (c.fns.get(d.name) ?? 0) + s.weightMs);
      if (!NOT_PROGRAM_WORK.includes(category)) {
        const a = self.get(d.key) ?? { name: d.name, file: d.file, line: d.line, category, ms: 0, samples: 0 };
        a.ms += s.weightMs;
        a.samples++;
        self.set(d.key, a);
      }
    }
    if (NOT_PROGRAM_WORK.includes(category)) continue;
    const seen = new Set<string>();
    for (const f of s.stack) {
      if (f.type !== "JS" || jsOwner(f.name) !== "application") continue;
      const d = describe(f, opts.locate);
      if (seen.has(d.key)) continue;
      seen.add(d.key);
      const a = total.get(d.key) ?? { name: d.name, file: d.file, line: d.line, category: "application", ms: 0, samples: 0 };
      a.ms += s.weightMs;
      a.samples++;
      total.set(d.key, a);
    }
  }
  const shareOf = (ms: number): number => (totalMs > 0 ? ms / totalMs : 0);
  const categories: CategoryFigure[] = CATEGORY_ORDER.map((category) => {
    const c = byCat.get(category);
    const topFn = c ? [...c.fns.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null : null;
    return { category, ms: c?.ms ?? 0, share: shareOf(c?.ms ?? 0), samples: c?.samples ?? 0, topFunction: topFn };
  });
  const rank = (m: Map<string, Acc>): FunctionFigure[] =>
    [...m.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((a) => ({ ...a, share: shareOf(a.ms) }));
  return {
    process: opts.process,
    profiler: opts.profiler,
    ...(opts.counts ? { counts: opts.counts } : {}),
    flamegraph: opts.flamegraph,
    source: opts.source,
    samples: samples.length,
    totalMs,
    coveredS: opts.coveredS,
    categories,
    topSelf: rank(self),
    topApplication: rank(total),
  };
}
