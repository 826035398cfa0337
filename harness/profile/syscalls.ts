/**
 * --profile syscalls: every started process (Node or not) runs under a syscall tracer that counts
 * its whole tree's syscalls by type: `perf trace -s` where perf can trace here, else `strace -c -f`.
 *
 * The stop: the supervisor sends SIGTERM to the process group. perf trace has no SIGTERM handler (it
 * would die without printing its summary), so it runs with SIGTERM ignored (`env --ignore-signal`)
 * and the program under it with SIGTERM back to the default (`env --default-signal`); the program
 * stops, perf sees its child exit and prints the summary. strace -c -o FILE blocks fatal signals
 * itself and does the same.
 *
 * The span: perf trace starts counting `--delay` ms after the program starts (the warm-up), so
 * start-up (loading modules, mapping libraries) is left out; a small shell prefix writes the start
 * time, the summary file's modification time is the end. strace has no delay: its counts cover the
 * whole life and say so.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { SyscallProfile } from "../analyze/result-types.js";
import type { ProcessSpec } from "../scenario/plan.js";
import { perfBinary } from "./perf.js";
import { renderSyscallSection } from "./syscalls-markdown.js";
import { parsePerfTraceSummary, parseStraceSummary, syscallProfileOf } from "./syscalls-parse.js";
import type { ProfileArtifact, ProfileContext, Profiler, WrapContext } from "./types.js";

export type SyscallTracer = "perf-trace" | "strace";

export const TRACER_SOURCE: Record<SyscallTracer, string> = { "perf-trace": "perf trace -s", strace: "strace -c -f" };

const STAMP = "started.txt";
const OUT: Record<SyscallTracer, string> = { "perf-trace": "perf-trace.txt", strace: "strace.txt" };

function firstLine(r: ReturnType<typeof spawnSync>): string {
  return String(r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").slice(0, 2).join(" ");
}

/**
 * Which tracer works here: HARNESS_SYSCALL_TRACER=strace forces strace (tests, or a machine where
 * perf trace misbehaves). Returns the tracer, or the one-line reason neither can run.
 */
export function chooseSyscallTracer(env: NodeJS.ProcessEnv = process.env): { tracer: SyscallTracer; note: string | null } | { tracer: null; reason: string } {
  const why: string[] = [];
  // perf trace dies on SIGTERM without its summary: it needs coreutils' env --ignore-signal (8.31+)
  const envSignals = spawnSync("env", ["--ignore-signal=TERM", "--default-signal=TERM", "true"], { timeout: 5_000 }).status === 0;
  if (!envSignals) why.push("env cannot set signal dispositions (coreutils < 8.31), which perf trace needs to outlive the program's SIGTERM");
  if (env.HARNESS_SYSCALL_TRACER !== "strace" && envSignals) {
    const probe = join(tmpdir(), `harness-perf-trace-probe-${process.pid}.txt`);
    const r = spawnSync(perfBinary(), ["trace", "-s", "-o", probe, "--", "true"], { encoding: "utf8", timeout: 15_000 });
    const ok = r.status === 0 && existsSync(probe) && parsePerfTraceSummary(readFileSync(probe, "utf8")).threads > 0;
    rmSync(probe, { force: true });
    if (ok) return { tracer: "perf-trace", note: null };
    why.push(r.error ? `perf: ${r.error.message}` : `perf trace: ${firstLine(r)}`);
  }
  const s = spawnSync("strace", ["-c", "-f", "-o", "/dev/null", "--", "true"], { encoding: "utf8", timeout: 15_000 });
  if (s.status === 0) {
    const note = why.length ? `--profile syscalls: perf trace cannot run here (${why.join("; ")}): strace -c -f counts instead` : null;
    return { tracer: "strace", note };
  }
  why.push(s.error ? `strace: ${s.error.message}` : `strace: ${firstLine(s)}`);
  return { tracer: null, reason: `--profile syscalls: neither perf trace nor strace can run here (${why.join("; ")}); install linux-perf or strace. The run goes on unprofiled.` };
}

/** The argv that runs `inner` under the tracer, writing into dir. */
export function tracedArgv(tracer: SyscallTracer, inner: string[], dir: string, delayMs: number): string[] {
  // the shell writes the start time and execs the tracer: the same process, the same group
  const stamp = ["/bin/sh", "-c", 'date +%s.%N > "$0" && exec "$@"', join(dir, STAMP)];
  if (tracer === "strace") return [...stamp, "strace", "-c", "-f", "-o", join(dir, OUT.strace), "--", ...inner];
  const delay = delayMs > 0 ? ["--delay", String(Math.round(delayMs))] : [];
  return [...stamp, "env", "--ignore-signal=TERM", perfBinary(), "trace", "-s", ...delay, "-o", join(dir, OUT["perf-trace"]), "--", "env", "--default-signal=TERM", ...inner];
}

/** Seconds the counts cover: from the start stamp (plus perf's delay) to the summary's last write. */
export function tracedSeconds(dir: string, file: string, delayS: number): number | null {
  try {
    const started = Number(readFileSync(join(dir, STAMP), "utf8").trim());
    const ended = statSync(join(dir, file)).mtimeMs / 1000;
    const s = ended - started - delayS;
    return Number.isFinite(s) && s > 0 ? s : null;
  } catch {
    return null;
  }
}

export function syscallsProfiler(tracer: SyscallTracer): Profiler {
  const delays = new Map<string, number>();
  return {
    name: "syscalls",
    label: `syscalls by type (${TRACER_SOURCE[tracer]})`,
    applies: () => true,
    // the tracer prints its summary once the program exited
    stopGraceMs: 30_000,
    minWarmupS: 1,
    wrap(spec: ProcessSpec, dir: string, ctx?: WrapContext): ProcessSpec {
      const inner = spec.shell ? ["/bin/sh", "-c", spec.argv.join(" ")] : spec.argv;
      const delayMs = tracer === "perf-trace" ? (ctx?.warmupS ?? 0) * 1000 : 0;
      delays.set(dir, delayMs / 1000);
      return { ...spec, shell: false, argv: tracedArgv(tracer, inner, dir, delayMs) };
    },
    async collect(spec: ProcessSpec, dir: string, ctx: ProfileContext): Promise<ProfileArtifact> {
      const file = OUT[tracer];
      const path = join(dir, file);
      if (!existsSync(path)) return { process: spec.name, html: null, summary: null, problems: [`${spec.name}: ${TRACER_SOURCE[tracer]} wrote no summary (see logs/${spec.name}.log)`] };
      const text = readFileSync(path, "utf8");
      const counts = tracer === "perf-trace" ? parsePerfTraceSummary(text) : parseStraceSummary(text);
      const problems: string[] = [];
      if (counts.threads === 0) problems.push(`${spec.name}: ${relative(ctx.outDir, path)} holds no syscall summary (the tracer was stopped before it could print one?)`);
      const delayS = delays.get(dir) ?? 0;
      const tracedS = tracedSeconds(dir, file, delayS);
      const notes: string[] = [];
      if (tracedS === null) notes.push("the traced span could not be told (no start stamp or summary time): counts only, no rates");
      const span =
        tracer === "perf-trace"
          ? `from ${delayS} s after the program started (start-up and most of the warm-up left out) to its stop`
          : "the program's whole life: start-up, warm-up, the window and the stop (strace has no delay)";
      const profile: SyscallProfile = syscallProfileOf(counts, TRACER_SOURCE[tracer], tracedS, span, notes);
      return { process: spec.name, html: null, summary: null, problems, syscallProfile: profile };
    },
    renderSection(artifacts, notes) {
      return renderSyscallSection(`syscalls by type (${TRACER_SOURCE[tracer]})`, artifacts, notes);
    },
  };
}
