/**
 * Reads V8's tick log as `node --prof-process --preprocess` writes it (0x leaves it next to the
 * flamegraph as isolate-*-v8.log.json) and turns it into weighted samples.
 *
 * Weighting: V8 samples a thread blocked in epoll only when it wakes up (the sample then carries the
 * IDLE state), so a sample stands for the wall time since the previous one: an idle sample for the
 * whole wait, a busy one for one sampling interval. Only the last `windowS` seconds are kept: the
 * supervisor stops a profiled process right after the measured window, so those are the window
 * (start-up, module loading and warm-up fall outside).
 */
import type { Frame } from "./categories.js";
import type { ProfileSample } from "./summary.js";

export interface V8CodeEntry {
  name: string;
  type: string;
  kind?: string;
}

export interface V8Tick {
  /** microseconds since the log started */
  tm: number;
  vm: number;
  /** pairs: (index into code, offset), or (-1, raw address) for unknown code; leaf first */
  s: number[];
}

export interface V8Preprocessed {
  code: V8CodeEntry[];
  ticks: V8Tick[];
}

export function isV8Preprocessed(x: unknown): x is V8Preprocessed {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Record<string, unknown>;
  return Array.isArray(o.code) && Array.isArray(o.ticks);
}

function frameOf(code: V8CodeEntry | undefined): Frame {
  if (!code) return { type: "UNKNOWN", name: "(unknown)" };
  const t = code.type;
  const type: Frame["type"] = t === "JS" || t === "CODE" || t === "CPP" || t === "SHARED_LIB" ? t : "UNKNOWN";
  return { type, name: code.name };
}

const EXIT_FRAME = /[/\\]0x[/\\]lib[/\\]preload[/\\]soft-exit\.js|^exit node:internal\/process\/per_thread/;

function stackNames(log: V8Preprocessed, t: V8Tick): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < t.s.length; i += 2) {
    const idx = t.s[i] ?? -1;
    if (idx >= 0) out.push(log.code[idx]?.name ?? "");
  }
  return out;
}

export interface V8Samples {
  samples: ProfileSample[];
  /** seconds between the first and last kept sample's predecessor: the time the samples cover */
  coveredS: number;
}

/** Weighted samples of the last windowS seconds of the log (all of it when windowS is undefined). */
export function v8Samples(log: V8Preprocessed, windowS?: number): V8Samples {
  const all = [...log.ticks].sort((a, b) => a.tm - b.tm);
  // The profiled process is stopped by a signal; 0x's soft-exit handler then calls process.exit,
  // and writing out the log can take a while: that tail is not part of the window.
  const exitAt = all.findIndex((t) => stackNames(log, t).some((n) => EXIT_FRAME.test(n)));
  const ticks = exitAt >= 0 ? all.slice(0, exitAt) : all;
  if (ticks.length === 0) return { samples: [], coveredS: 0 };
  const last = ticks[ticks.length - 1]?.tm ?? 0;
  const from = windowS === undefined ? -Infinity : last - windowS * 1e6;
  const samples: ProfileSample[] = [];
  let prev: number | undefined;
  let firstKeptPrev: number | undefined;
  for (const t of ticks) {
    const gapUs = prev === undefined ? 1000 : t.tm - prev;
    prev = t.tm;
    if (t.tm < from) continue;
    // the first kept sample stands only for the part of its gap inside the window
    const weightUs = Math.min(gapUs, t.tm - from);
    if (firstKeptPrev === undefined) firstKeptPrev = t.tm - weightUs;
    const stack: Frame[] = [];
    for (let i = 0; i + 1 < t.s.length; i += 2) {
      const idx = t.s[i] ?? -1;
      stack.push(idx >= 0 ? frameOf(log.code[idx]) : { type: "UNKNOWN", name: "(unknown)" });
    }
    samples.push({ weightMs: (samples.length === 0 ? weightUs : gapUs) / 1000, vmState: t.vm, stack });
  }
  const coveredS = firstKeptPrev === undefined ? 0 : (last - firstKeptPrev) / 1e6;
  return { samples, coveredS };
}
