/**
 * 0x: a flamegraph of each Node process (V8's --prof sampler). The process runs as
 * `0x --output-dir <dir>/flame -- node ...`; when the supervisor stops the process group with
 * SIGTERM, 0x's soft-exit handler makes the program exit normally, and 0x then turns the tick log
 * into flamegraph.html. The summary is computed from the same tick log (isolate-*-v8.log.json).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type { ProcessSpec } from "../scenario/plan.js";
import { packageRoot } from "../util/paths.js";
import { isNodeSpec } from "./node-process.js";
import { sourceLocator } from "./source-location.js";
import { summarise } from "./summary.js";
import type { ProfileArtifact, ProfileContext, Profiler } from "./types.js";
import { isV8Preprocessed, v8Samples } from "./v8-log.js";

export function zeroExBin(): string {
  return createRequire(import.meta.url).resolve("0x/cmd.js");
}

export const flameProfiler: Profiler = {
  name: "flame",
  label: "0x flamegraph (V8 --prof sampling)",
  applies: (spec) => isNodeSpec(spec),
  // 0x converts the tick log and bundles the HTML after the program exits: that takes seconds
  stopGraceMs: 120_000,
  minWarmupS: 3,
  wrap(spec: ProcessSpec, dir: string): ProcessSpec {
    const [nodeBin, ...rest] = spec.argv;
    return {
      ...spec,
      argv: [process.execPath, zeroExBin(), "--quiet", "--output-dir", join(dir, "flame"), "--working-dir", dir, "--name", "flamegraph", "--title", `${spec.name} (${spec.role})`, "--", nodeBin ?? "node", ...rest],
    };
  },
  async collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact> {
    const folder = join(dir, "flame");
    const html = join(folder, "flamegraph.html");
    const problems: string[] = [];
    const files = existsSync(folder) ? readdirSync(folder) : [];
    const logJson = files.find((f) => /^isolate-.*-v8\.log\.json$/.test(f));
    if (!existsSync(html)) problems.push(`${spec.name}: 0x wrote no flamegraph (see logs/${spec.name}.log)`);
    if (!logJson) {
      problems.push(`${spec.name}: 0x left no V8 tick log in ${relative(ctx.outDir, folder)}: no profile summary`);
      return { process: spec.name, html: existsSync(html) ? relative(ctx.outDir, html) : null, summary: null, problems };
    }
    const parsed: unknown = JSON.parse(readFileSync(join(folder, logJson), "utf8"));
    if (!isV8Preprocessed(parsed)) {
      problems.push(`${spec.name}: ${logJson} is not a preprocessed V8 log`);
      return { process: spec.name, html: existsSync(html) ? relative(ctx.outDir, html) : null, summary: null, problems };
    }
    const { samples, coveredS } = v8Samples(parsed, ctx.windowS);
    const summary = summarise(samples, {
      process: spec.name,
      profiler: "flame",
      flamegraph: existsSync(html) ? relative(ctx.outDir, html) : null,
      source: relative(ctx.outDir, join(folder, logJson)),
      coveredS,
      locate: sourceLocator(packageRoot()),
    });
    return { process: spec.name, html: summary.flamegraph, summary, problems };
  },
};
