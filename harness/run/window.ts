/**
 * The measuring window, shared by `harness run` and `harness attach`: warm-up readings, then a
 * reading marked "start", one every sampleS, and one marked "end". The window is exactly the span
 * between the two marked readings (see analyze/process-figures.ts), wherever the timers put them.
 *
 * Callers add their own work at three points, in this order for each window reading:
 *   onWindowStart  right after the start reading (scrape the server, read the wire, ...)
 *   onSample       right after each reading in between
 *   onWindowEnd    right after the end reading
 * and afterReading after every reading, warm-up included (the live view).
 */
import type { Sampler } from "../sample/sampler.js";
import { nowSeconds } from "../sample/tree-snapshot.js";
import { sleep } from "../supervise/supervisor.js";

export interface WindowSpec {
  warmupS: number;
  durationS: number;
  sampleS: number;
}

export interface WindowPoint {
  /** 0 for the start reading, steps for the end reading */
  k: number;
  steps: number;
  /** monotonic seconds when the reading was taken */
  at: number;
  /** seconds since the nominal window start */
  t: number;
}

export interface WindowHooks {
  onWindowStart?: (p: WindowPoint) => Promise<void> | void;
  onSample?: (p: WindowPoint) => Promise<void> | void;
  onWindowEnd?: (p: WindowPoint) => Promise<void> | void;
  afterReading?: (phase: "warmup" | "window") => void;
  /** checked after every window reading: true ends the window early (no end reading) */
  stopEarly?: () => boolean;
}

export class WindowDriver {
  /** monotonic seconds of the nominal window start and end */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** monotonic seconds of the start reading and of the last window reading taken */
  startAt = Number.NaN;
  lastAt = Number.NaN;
  /** true once the end reading was taken */
  reachedEnd = false;
  private readonly t0: number;

  constructor(
    private readonly sampler: Sampler,
    private readonly spec: WindowSpec,
    private readonly signal: AbortSignal,
  ) {
    this.t0 = nowSeconds();
    this.windowStart = this.t0 + spec.warmupS;
    this.windowEnd = this.windowStart + spec.durationS;
    sampler.windowStart = this.windowStart;
  }

  /** Seconds from the start reading to the last window reading (0 before the start reading). */
  get measuredS(): number {
    return Number.isNaN(this.startAt) ? 0 : this.lastAt - this.startAt;
  }

  async run(hooks: WindowHooks = {}): Promise<void> {
    const { sampler, spec, signal } = this;
    // Warm-up: readings prime the per-sample CPU (a delta needs a previous reading) and feed the live view; none counts.
    for (let k = 0; !signal.aborted; k++) {
      const at = this.t0 + k * spec.sampleS;
      if (at >= this.windowStart - 1e-3) break;
      await sleep(Math.max(0, (at - nowSeconds()) * 1000), signal);
      await sampler.tick(nowSeconds());
      hooks.afterReading?.("warmup");
    }
    const steps = Math.max(1, Math.round(spec.durationS / spec.sampleS));
    for (let k = 0; k <= steps && !signal.aborted; k++) {
      const due = k === steps ? this.windowEnd : this.windowStart + k * spec.sampleS;
      await sleep(Math.max(0, (due - nowSeconds()) * 1000), signal);
      if (signal.aborted) break;
      const at = nowSeconds();
      const mark = k === 0 ? "start" : k === steps ? "end" : undefined;
      await sampler.tick(at, mark);
      if (k === 0) this.startAt = at;
      this.lastAt = at;
      const point: WindowPoint = { k, steps, at, t: at - this.windowStart };
      if (mark === "start") await hooks.onWindowStart?.(point);
      else if (mark === "end") await hooks.onWindowEnd?.(point);
      else await hooks.onSample?.(point);
      if (mark === "end") this.reachedEnd = true;
      hooks.afterReading?.("window");
      if (hooks.stopEarly?.()) break;
    }
  }
}

/** The start and end scrape times, seconds since the window start, when both were taken. */
/** The wall-clock (ISO) time of a moment on the monotonic clock of nowSeconds(); undefined before the window started. */
export function wallClockOf(at: number): { startedAt?: string } {
  if (!Number.isFinite(at)) return {};
  return { startedAt: new Date(Date.now() - (nowSeconds() - at) * 1000).toISOString() };
}

export function scrapeTimes(startAt: number, endAt: number, windowStart: number): { scrapeStartS?: number; scrapeEndS?: number } {
  if (!Number.isFinite(startAt) || !Number.isFinite(endAt)) return {};
  return { scrapeStartS: Math.round((startAt - windowStart) * 1000) / 1000, scrapeEndS: Math.round((endAt - windowStart) * 1000) / 1000 };
}
