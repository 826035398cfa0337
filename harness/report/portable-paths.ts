/**
 * Reports that can be committed and forwarded: the absolute paths of this machine inside a result
 * become paths relative to the report's folder (`.`), the project (`.` for the folder the harness
 * ran in), the harness's own package (`{root}`, the placeholder scenario files already use), the
 * home folder (`~`) or the temp folder (`$TMPDIR`); this Node binary becomes `node`.
 */
import { homedir, tmpdir } from "node:os";
import { relative, isAbsolute } from "node:path";
import { packageRoot } from "../util/paths.js";

export interface PathBases {
  /** the run folder the report is written into */
  outDir?: string;
  cwd: string;
  packageRoot: string;
  home: string;
  tmp: string;
  execPath: string;
}

export function currentBases(outDir?: string): PathBases {
  return { outDir, cwd: process.cwd(), packageRoot: packageRoot(), home: homedir(), tmp: tmpdir(), execPath: process.execPath };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** a base matches only as a whole path prefix: `/work/main` in `/work/main/x`, never in `/work/main2` */
const END = "(?=$|/|[\\s\"'`)\\]:,;|])";

interface Rule {
  re: RegExp;
  to: string;
}

function rules(b: PathBases): Rule[] {
  const pairs: [string | undefined, string][] = [
    [b.outDir, "."],
    [b.cwd, "."],
    [b.packageRoot, "{root}"],
    [b.home, "~"],
    [b.tmp, "$TMPDIR"],
  ];
  // the most specific base first; on a tie the earlier one (the run folder, then the project)
  const usable = pairs
    .map(([from, to], i) => ({ from, to, i }))
    .filter((p): p is { from: string; to: string; i: number } => typeof p.from === "string" && isAbsolute(p.from) && p.from !== "/")
    .sort((a, b2) => b2.from.length - a.from.length || a.i - b2.i);
  const out: Rule[] = [{ re: new RegExp(`(?<![\\w./-])${escapeRe(b.execPath)}${END}`, "g"), to: "node" }];
  for (const p of usable) out.push({ re: new RegExp(`(?<![\\w.-])${escapeRe(p.from.replace(/\/+$/, ""))}${END}`, "g"), to: p.to });
  return out;
}

export function portableString(s: string, b: PathBases): string {
  return portableValue(s, b);
}

/** A deep copy of a JSON value with every string made portable (keys are left as they are). */
export function portableValue<T>(value: T, b: PathBases): T {
  const compiled = rules(b);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      let out = v;
      for (const r of compiled) out = out.replace(r.re, r.to);
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(value) as T;
}

/** A path as printed to the user: relative to the current folder when inside it, else as given. */
export function displayPath(p: string, cwd = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}
