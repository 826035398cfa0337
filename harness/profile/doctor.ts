/**
 * Clinic.js doctor: event-loop delay, CPU, memory and handles of each Node process, as one HTML
 * per process. It is unmaintained upstream and breaks on Node >= 21.7, so the harness checks the
 * version first and runs unprofiled with a clear message instead. NO_INSIGHT=1 stops its telemetry
 * question. The stop sequence (SIGTERM to the process group) is adapted by preload/clinic-stop.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ProcessSpec } from "../scenario/plan.js";
import { packageRoot } from "../util/paths.js";
import { isNodeSpec } from "./node-process.js";
import { atLeast, profiledNodeVersion } from "./node-version.js";
import type { ProfileArtifact, ProfileContext, Profiler } from "./types.js";

export function clinicBin(): string {
  return createRequire(import.meta.url).resolve("clinic/bin.js");
}

function stopPreload(): string {
  return join(packageRoot(), "dist", "harness", "profile", "preload", "clinic-stop.js");
}

/** The one line said when clinic is not installed: it is out of the default install (700 packages). */
export const CLINIC_MISSING =
  "--profile doctor: Clinic.js is not installed (it is not part of the default install); add it to your project with `npm i -D clinic@13` (Node < 21.7 only), or use --profile flame; the run goes on unprofiled.";

function clinicInstalled(): boolean {
  try {
    clinicBin();
    return true;
  } catch {
    return false;
  }
}

/** null when doctor can run here, else the message to print (wrong Node line, or clinic not installed). */
export function doctorUnsupportedReason(env: NodeJS.ProcessEnv = process.env, installed: () => boolean = clinicInstalled): string | null {
  const v = profiledNodeVersion(env);
  if (!atLeast(v, 21, 7)) return installed() ? null : CLINIC_MISSING;
  return `--profile doctor: Clinic.js doctor does not work on Node ${v} (it is unmaintained upstream and breaks on Node >= 21.7); the run goes on without a profiler, its figures are unprofiled. Use --profile flame for a flamegraph.`;
}

export const doctorProfiler: Profiler = {
  name: "doctor",
  label: "Clinic.js doctor",
  applies: (spec) => isNodeSpec(spec),
  // doctor analyses the samples and bundles its HTML after the program exits
  stopGraceMs: 120_000,
  minWarmupS: 3,
  wrap(spec: ProcessSpec, dir: string): ProcessSpec {
    const [nodeBin, ...rest] = spec.argv;
    const preload = `--import=${pathToFileURL(stopPreload()).href}`;
    return {
      ...spec,
      argv: [process.execPath, clinicBin(), "doctor", "--open=false", "--dest", dir, "--name", spec.name, "--", nodeBin ?? "node", `--trace-event-file-pattern=${join(dir, "node_trace.${rotation}.log")}`, ...rest],
      // clinic looks for the trace-event log in its working folder: one folder per process
      cwd: dir,
      env: {
        ...spec.env,
        NO_INSIGHT: "1",
        HARNESS_PROFILE_CWD: resolve(spec.cwd ?? process.cwd()),
        // loaded by clinic and, through clinic's NODE_OPTIONS, by the program
        NODE_OPTIONS: [preload, process.env.NODE_OPTIONS].filter(Boolean).join(" "),
      },
    };
  },
  async collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact> {
    const files = existsSync(dir) ? readdirSync(dir) : [];
    const html = files.find((f) => f.endsWith(".clinic-doctor.html"));
    const problems = html ? [] : [`${spec.name}: Clinic.js doctor wrote no HTML report (see logs/${spec.name}.log)`];
    return { process: spec.name, html: html ? relative(ctx.outDir, join(dir, html)) : null, summary: null, problems };
  },
};
