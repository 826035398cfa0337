/**
 * Find, read, parameterise and validate a scenario. Every problem becomes one UsageError (exit 2)
 * naming the file and the field, before anything starts.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { UsageError } from "../util/errors.js";
import { readInputFile } from "../util/read-input.js";
import { packageRoot } from "../util/paths.js";
import { loadSchema, scenarioSchema, thresholdsSchema, windowSchema, type Scenario } from "./schema.js";
import { didYouMean } from "../util/did-you-mean.js";

export interface LoadedScenario {
  scenario: Scenario;
  /** the file it came from */
  file: string;
  /** the params after --set, as used */
  params: Record<string, string | number | boolean>;
}

const EXTENSIONS = [".json", ".yaml", ".yml"];

export function builtinScenarioDir(): string {
  return join(packageRoot(), "scenarios");
}

export function listBuiltinScenarios(): { name: string; description: string; file: string }[] {
  const dir = builtinScenarioDir();
  const out: { name: string; description: string; file: string }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!EXTENSIONS.includes(extname(f))) continue;
    const file = join(dir, f);
    try {
      const raw = parseFile(file) as { description?: unknown };
      out.push({ name: basename(f, extname(f)), description: typeof raw.description === "string" ? raw.description : "", file });
    } catch {
      out.push({ name: basename(f, extname(f)), description: "(unreadable scenario file)", file });
    }
  }
  return out;
}

/** A path to an existing file, or the name of a built-in scenario. */
export function resolveScenario(ref: string): string {
  if (ref.includes("/") || EXTENSIONS.includes(extname(ref))) {
    const p = resolve(ref);
    if (!existsSync(p)) throw new UsageError(`scenario file not found: ${ref}`);
    return p;
  }
  for (const ext of EXTENSIONS) {
    const p = join(builtinScenarioDir(), ref + ext);
    if (existsSync(p)) return p;
  }
  if (existsSync(resolve(ref))) return resolve(ref);
  const names = listBuiltinScenarios().map((s) => s.name);
  throw new UsageError(`unknown scenario "${ref}"${didYouMean(ref, names)}: not a file, and not one of the built-ins (${names.join(", ")}); see \`harness list\``);
}

function parseFile(file: string): unknown {
  const text = readInputFile(file);
  try {
    return extname(file) === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid ${extname(file) === ".json" ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Parse a --set value: JSON when it parses (numbers, booleans, arrays), else the plain string. */
export function parseSetValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function parseSetArgs(sets: string[]): [string, unknown][] {
  return sets.map((s) => {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set expects key=value, got "${s}"`);
    return [s.slice(0, eq), parseSetValue(s.slice(eq + 1))];
  });
}

/** The fields of the scenario's plain objects, for "did you mean" on a mistyped `--set a.b=...`. */
const KNOWN_FIELDS: Record<string, string[]> = {
  "": Object.keys(scenarioSchema.shape),
  window: Object.keys(windowSchema.shape),
  load: Object.keys(loadSchema.shape),
  thresholds: Object.keys(thresholdsSchema.shape),
};

function setPath(obj: Record<string, unknown>, path: string, value: unknown, file: string): void {
  const parts = path.split(".");
  // Only the scenario's own fields: `__proto__.x` or `constructor.x` must never reach Object.prototype.
  const bad = parts.find((k) => k === "__proto__" || k === "constructor" || k === "prototype" || k === "");
  if (bad !== undefined) throw new UsageError(`${file}: --set ${path}: "${bad}" is not a field name`);
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, key)) {
      const near = cur !== null && typeof cur === "object" ? didYouMean(key, Object.keys(cur)) : "";
      throw new UsageError(`${file}: --set ${path}: no field "${parts.slice(0, i + 1).join(".")}" in the scenario${near} (and "${path}" is not one of its params)`);
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === null || typeof cur !== "object") throw new UsageError(`${file}: --set ${path}: "${parts.slice(0, -1).join(".")}" is not an object`);
  const last = parts.at(-1) as string;
  const known = KNOWN_FIELDS[parts.slice(0, -1).join(".")];
  if (known && !known.includes(last)) throw new UsageError(`${file}: --set ${path}: no field "${last}" in "${parts.slice(0, -1).join(".")}"${didYouMean(last, known)} (fields: ${known.join(", ")})`);
  (cur as Record<string, unknown>)[parts.at(-1) as string] = value;
}

type ParamValue = string | number | boolean;

function substitute(value: unknown, params: Record<string, ParamValue>, file: string, path: string): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(value);
    if (whole) {
      const key = whole[1] as string;
      if (!Object.prototype.hasOwnProperty.call(params, key)) throw new UsageError(`${file}: field "${path}": unknown param \${${key}} (params: ${Object.keys(params).join(", ") || "none"})`);
      return params[key];
    }
    return value.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, key: string) => {
      if (!Object.prototype.hasOwnProperty.call(params, key)) throw new UsageError(`${file}: field "${path}": unknown param \${${key}} (params: ${Object.keys(params).join(", ") || "none"})`);
      return String(params[key]);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, params, file, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, params, file, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? String(p) : `.${String(p)}`;
  return s || "(top level)";
}

type Issue = z.ZodError["issues"][number];

/** How far a union branch is from the input: one per issue, one per unknown key. */
function branchScore(issues: Issue[]): number {
  return issues.reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 1), 0);
}

/**
 * Replace a union's "matches no form" by the issues of the form the input is closest to (a worker
 * with `command` but a wrong `count` gets "workers[0].count: expected number"), so the message names
 * the field. When two forms are equally close, the union's own message stays, with the unknown
 * fields every form rejects.
 */
function expandIssue(i: Issue, prefix: PropertyKey[] = []): Issue[] {
  const path = [...prefix, ...i.path];
  if (i.code !== "invalid_union" || i.errors.length === 0) return [{ ...i, path } as Issue];
  const scored = i.errors.map((branch) => ({ branch, score: branchScore(branch) })).sort((a, b) => a.score - b.score);
  const best = scored[0];
  if (best && (scored.length === 1 || (scored[1]?.score ?? Infinity) > best.score)) return best.branch.flatMap((b) => expandIssue(b, path));
  const unknownEverywhere = (i.errors[0] ?? [])
    .filter((u) => u.code === "unrecognized_keys" && u.path.length === 0)
    .flatMap((u) => (u.code === "unrecognized_keys" ? u.keys : []))
    .filter((k) => i.errors.every((branch) => branch.some((u) => u.code === "unrecognized_keys" && u.path.length === 0 && u.keys.includes(k))));
  const out: Issue[] = [];
  if (unknownEverywhere.length) out.push({ code: "unrecognized_keys", keys: unknownEverywhere, path, message: "", input: undefined } as Issue);
  out.push({ ...i, path } as Issue);
  return out;
}

export function formatZodError(file: string, error: z.ZodError): string {
  const all = error.issues.flatMap((i) => expandIssue(i));
  const issues = all.slice(0, 5).map((i) => {
    if (i.code === "unrecognized_keys") {
      const where = formatIssuePath(i.path);
      return `unknown field ${i.keys.map((k) => `"${where === "(top level)" ? k : `${where}.${k}`}"`).join(", ")}`;
    }
    if (i.code === "invalid_union") {
      return `field "${formatIssuePath(i.path)}": does not match any accepted form (${describeUnion(i.path)})`;
    }
    const missing = /^Invalid input: expected (\w+), received undefined$/.exec(i.message);
    return `field "${formatIssuePath(i.path)}": ${missing ? `missing (expected ${missing[1] === "array" ? "an array" : `a ${missing[1]}`})` : i.message}`;
  });
  const more = all.length > 5 ? ` (and ${all.length - 5} more)` : "";
  return `${file}: ${issues.join("; ")}${more}`;
}

function describeUnion(path: readonly PropertyKey[]): string {
  const last = path.at(-1);
  if (last === "server") return 'either {reference: {notify}} or {command: [...], ready, url, metrics}';
  if (typeof last === "number" && path[0] === "workers") return "either {name, count, reference: {loops, queue, ...}} or {name, count, command: [...]}";
  if (last === "ready") return '{stdout: "regex"}, {stderr: "regex"}, {http: "url"}, {tcp: port} or {delayMs: n}';
  return "see the scenario format in the README";
}

/**
 * Load a scenario. `sets` are --set key=value overrides (a param name, or a dotted field path);
 * `window` overrides window fields (from --duration, --warmup, --sample).
 */
export function loadScenario(ref: string, sets: string[] = [], window: Record<string, number> = {}): LoadedScenario {
  const file = resolveScenario(ref);
  const raw = parseFile(file);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new UsageError(`${file}: expected an object at the top level`);
  const obj = raw as Record<string, unknown>;
  const rawParams = obj.params ?? {};
  if (rawParams === null || typeof rawParams !== "object" || Array.isArray(rawParams)) throw new UsageError(`${file}: field "params": expected an object`);
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(rawParams)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new UsageError(`${file}: field "params.${k}": expected a string, number or boolean`);
    params[k] = v;
  }
  for (const [key, value] of parseSetArgs(sets)) {
    if (Object.prototype.hasOwnProperty.call(params, key)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new UsageError(`--set ${key}: expected a string, number or boolean`);
      params[key] = value;
    } else {
      if (!key.includes(".") && !Object.prototype.hasOwnProperty.call(obj, key) && !Object.prototype.hasOwnProperty.call(scenarioSchema.shape, key)) {
        const names = Object.keys(params);
        throw new UsageError(`${file}: --set ${key}: not a param of this scenario nor a scenario field${didYouMean(key, [...names, ...Object.keys(scenarioSchema.shape)])} (params: ${names.join(", ") || "none"})`);
      }
      setPath(obj, key, value, file);
    }
  }
  const { params: _ignored, ...rest } = obj;
  const substituted = substitute(rest, params, file, "") as Record<string, unknown>;
  if (Object.keys(window).length) {
    const current = substituted.window;
    substituted.window = { ...(current !== null && typeof current === "object" ? current : {}), ...window };
  }
  const parsed = scenarioSchema.safeParse({ ...substituted, params });
  if (!parsed.success) throw new UsageError(formatZodError(file, parsed.error));
  return { scenario: parsed.data, file, params };
}
