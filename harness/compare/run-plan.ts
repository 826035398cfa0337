/**
 * Expand `harness run a b --sweep key=v1,v2 --repeat N` into the list of single runs, each with its
 * own --set list, output folder and a command line that reproduces it alone. Pure.
 */
import { basename, extname, join } from "node:path";
import { UsageError } from "../util/errors.js";
import { shellQuote } from "../report/escape.js";

export interface Sweep {
  key: string;
  values: string[];
}

export interface PlannedRun {
  ref: string;
  set: string[];
  /** folder of this run, inside the comparison folder */
  out: string;
  /** a `harness run` command line for this run alone */
  commandLine: string;
}

/**
 * `key=v1,v2,v3`. Values are separated by commas, or by semicolons when the list holds one
 * (for values that contain commas: `taskStrategy=fixed:100;exponential:100,1.5,1000`).
 */
export function parseSweep(text: string): Sweep {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--sweep expects key=v1,v2,..., got "${text}"`);
  const key = text.slice(0, eq).trim();
  const list = text.slice(eq + 1);
  const values = list.split(list.includes(";") ? ";" : ",").map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === "")) throw new UsageError(`--sweep ${key}: expected a list of non-empty values, got "${list}"`);
  if (new Set(values).size !== values.length) throw new UsageError(`--sweep ${key}: a value is listed twice in "${list}"`);
  return { key, values };
}

export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 60) || "run";
}

function scenarioBase(ref: string): string {
  return safeName(ref.includes("/") || extname(ref) ? basename(ref, extname(ref)) : ref);
}

export interface PlanRunsOptions {
  set: string[];
  sweep?: Sweep;
  repeat: number;
  /** the comparison folder the runs go into */
  parent: string;
  duration?: number;
  warmup?: number;
  sample?: number;
}

/** Repeats are interleaved (a1 b1 a2 b2 ...), so a drift in the machine's load hits every condition alike. */
export function planRuns(scenarios: string[], o: PlanRunsOptions): PlannedRun[] {
  const conditions: { ref: string; set: string[]; name: string }[] = [];
  const used = new Set<string>();
  const values: (string | null)[] = o.sweep ? o.sweep.values : [null];
  for (const ref of scenarios) {
    for (const v of values) {
      let name = o.sweep && v !== null ? `${scenarioBase(ref)}-${safeName(o.sweep.key)}-${safeName(v)}` : scenarios.length > 1 ? safeName(ref) : scenarioBase(ref);
      const stem = name;
      for (let k = 2; used.has(name); k++) name = `${stem}~${k}`;
      used.add(name);
      conditions.push({ ref, set: o.sweep && v !== null ? [...o.set, `${o.sweep.key}=${v}`] : [...o.set], name });
    }
  }
  const out: PlannedRun[] = [];
  for (let r = 1; r <= o.repeat; r++) {
    for (const c of conditions) {
      const argv = ["run", c.ref];
      if (o.duration !== undefined) argv.push("--duration", String(o.duration));
      if (o.warmup !== undefined) argv.push("--warmup", String(o.warmup));
      if (o.sample !== undefined) argv.push("--sample", String(o.sample));
      for (const s of c.set) argv.push("--set", s);
      out.push({ ref: c.ref, set: c.set, out: join(o.parent, o.repeat > 1 ? `${c.name}-r${r}` : c.name), commandLine: `harness ${shellQuote(argv)}` });
    }
  }
  return out;
}
