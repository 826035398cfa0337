/**
 * `perf script` text (from `perf record -e cpu-clock -g`) to weighted samples and folded stacks.
 * cpu-clock only samples a thread while it runs, so idle time is what the window had left over:
 * it is added as one synthetic idle sample. Pure.
 */
import { basename } from "node:path";
import { VM_STATE, type Frame } from "./categories.js";
import type { ProfileSample } from "./summary.js";

export interface PerfSample {
  comm: string;
  pid: number;
  /** seconds (perf's clock) */
  time: number;
  /** the sample's period in nanoseconds (cpu-clock: the sampling interval) */
  periodNs: number;
  /** leaf first: "symbol (dso)" */
  stack: { symbol: string; dso: string }[];
}

const HEADER = /^\s*(\S.*?)\s+(\d+)(?:\/\d+)?\s+(?:\[\d+\]\s+)?(\d+\.\d+):\s+(?:(\d+)\s+)?([\w:-]+):\s*$/;
const FRAME = /^\s+([0-9a-f]+)\s+(.+?)\s+\((.*)\)\s*$/;

export function parsePerfScript(text: string): PerfSample[] {
  const out: PerfSample[] = [];
  let cur: PerfSample | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      cur = undefined;
      continue;
    }
    const h = HEADER.exec(line);
    if (h && !line.startsWith("\t")) {
      cur = { comm: h[1] ?? "", pid: Number(h[2]), time: Number(h[3]), periodNs: h[4] ? Number(h[4]) : 1_000_000, stack: [] };
      out.push(cur);
      continue;
    }
    const f = FRAME.exec(line);
    if (f && cur) cur.stack.push({ symbol: (f[2] ?? "").replace(/\+0x[0-9a-f]+$/i, ""), dso: f[3] ?? "" });
  }
  return out;
}

function frameOf(f: { symbol: string; dso: string }): Frame {
  if (f.symbol === "[unknown]") return { type: "UNKNOWN", name: `(unknown in ${f.dso})` };
  if (f.dso.includes("kernel")) return { type: "SHARED_LIB", name: `${f.symbol} [kernel]` };
  const lib = /\.so(\.|$)/.test(f.dso);
  return { type: lib ? "SHARED_LIB" : "CPP", name: lib ? `${f.symbol} (${basename(f.dso)})` : f.symbol };
}

/** Samples of the last windowS seconds, each weighted by its period, plus the idle rest of the window. */
export function perfSamples(samples: PerfSample[], windowS: number): { samples: ProfileSample[]; coveredS: number } {
  if (samples.length === 0) return { samples: [], coveredS: 0 };
  const last = Math.max(...samples.map((s) => s.time));
  const kept = samples.filter((s) => s.time >= last - windowS);
  const out: ProfileSample[] = kept.map((s) => ({ weightMs: s.periodNs / 1e6, vmState: null, stack: s.stack.map(frameOf) }));
  const busyMs = out.reduce((a, s) => a + s.weightMs, 0);
  const idleMs = windowS * 1000 - busyMs;
  if (idleMs > 0) out.push({ weightMs: idleMs, vmState: VM_STATE.IDLE, stack: [{ type: "CPP", name: "(off CPU: sleeping or waiting)" }] });
  return { samples: out, coveredS: windowS };
}

/** Brendan Gregg's folded format, root first: "comm;a;b;c count". */
export function foldStacks(samples: PerfSample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const key = [s.comm, ...[...s.stack].reverse().map((f) => f.symbol)].join(";");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, v]) => `${k} ${v}`).join("\n") + "\n";
}
