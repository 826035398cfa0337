/**
 * Server counters over the window, from two scrapes of its Prometheus endpoint. Counters are compared
 * series by series: one that went down (the server restarted) gives no rate, only a problem line.
 */
import { counterIncrease, histogramBuckets, labelsMatch, type PromSample } from "../sample/prometheus.js";
import { diffBuckets, maxBucket, quantileWithBucket, shareAtOrBelow, type QuantileBucket } from "./histogram.js";
import type { BucketBoundsMs, LatencySummary, ServerFigures, WorkerPollFigures } from "./result-types.js";

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function emptyServerFigures(metricsUrl: string | null): ServerFigures {
  return {
    metricsUrl,
    scraped: false,
    pollsPerS: null,
    emptyPollRatio: null,
    claimsPerS: null,
    enqueuedPerS: null,
    notificationsPerS: null,
    notifiedPollsPerS: null,
    notifiedEmptyPollsPerS: null,
    longPollsReleasedByWorkPerS: null,
    longPollsTimedOutPerS: null,
    pickupLatencyMs: null,
    perLoop: [],
    counterRates: {},
  };
}

/** Names the reference server uses; a user's server may map its own counters onto them. */
export interface MetricNames {
  polls: string;
  emptyPolls: string;
  claims: string;
  enqueued: string;
  notifications: string;
  notifiedPolls: string;
  notifiedEmptyPolls: string;
  longPolls: string;
  pollGap: string;
  pickupLatency: string;
}

export const REFERENCE_METRICS: MetricNames = {
  polls: "jobs_polls_total",
  emptyPolls: "jobs_empty_polls_total",
  claims: "jobs_claims_total",
  enqueued: "jobs_enqueued_total",
  notifications: "jobs_notifications_sent_total",
  notifiedPolls: "jobs_notified_polls_total",
  notifiedEmptyPolls: "jobs_notified_empty_polls_total",
  longPolls: "jobs_longpolls_total",
  pollGap: "jobs_poll_gap_seconds",
  pickupLatency: "jobs_pickup_latency_seconds",
};

/** The reference names with a scenario's metricsMap laid over them (unset keys keep the reference name). */
export function metricNames(map: Partial<Record<keyof MetricNames, string | undefined>> = {}): MetricNames {
  const out: MetricNames = { ...REFERENCE_METRICS };
  for (const key of Object.keys(out) as (keyof MetricNames)[]) {
    const v = map[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A metric name with optional label matchers, as in a scenario's metricsMap: `name{label="value"}`. */
export interface MetricSelector {
  name: string;
  match: Record<string, string>;
}

export function parseSelector(text: string): MetricSelector {
  const open = text.indexOf("{");
  if (open < 0) return { name: text.trim(), match: {} };
  const match: Record<string, string> = {};
  for (const m of text.slice(open).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"/g)) match[m[1] as string] = m[2] as string;
  return { name: text.slice(0, open).trim(), match };
}

/** `{label="value"}` matchers as text, for problem lines. */
function selectorText(name: string, match: Record<string, string>): string {
  const m = Object.entries(match);
  return m.length ? `${name}{${m.map(([k, v]) => `${k}="${v}"`).join(",")}}` : name;
}

/** A counter's increase over the window, or null (with a problem line) when it went down: the server restarted. */
export function windowIncrease(start: PromSample[], end: PromSample[], name: string, match: Record<string, string>, problems: string[]): number | null {
  const c = counterIncrease(start, end, name, match);
  if (c.vanished > 0 && !c.reset) {
    const gone = `${c.vanished} series of counter ${selectorText(name, match)} seen at the window's start were gone at its end (the server restarted, or it drops idle series): their increase is not counted`;
    if (!problems.includes(gone)) problems.push(gone);
  }
  if (!c.reset) return c.increase;
  const line = `counter ${selectorText(name, match)} went down during the window (a counter reset: the server restarted), so no rate is computed across it`;
  if (!problems.includes(line)) problems.push(line);
  return null;
}

const toBounds = (b: QuantileBucket, scale: number, digits: number): BucketBoundsMs => ({ lo: round(b.lo * scale, digits), hi: Number.isFinite(b.hi) ? round(b.hi * scale, digits) : null });

/**
 * p50/p95/p99 and max of a histogram (in seconds) over the window, in ms, each with the bucket it
 * falls in. Null when nothing was observed, or (with a problem line) when the histogram was reset.
 */
export function latencySummary(start: PromSample[], end: PromSample[], name: string, match: Record<string, string>, problems: string[], digits = 2): LatencySummary | null {
  if (windowIncrease(start, end, `${name}_count`, match, problems) === null) return null;
  const b = diffBuckets(histogramBuckets(end, name, match), histogramBuckets(start, name, match));
  const count = b.at(-1)?.count ?? 0;
  if (count <= 0) return null;
  const q = (x: number): { v: number; bucket: BucketBoundsMs } => {
    const e = quantileWithBucket(x, b) as NonNullable<ReturnType<typeof quantileWithBucket>>;
    return { v: round(e.estimate * 1000, digits), bucket: toBounds(e.bucket, 1000, digits) };
  };
  const p50 = q(0.5);
  const p95 = q(0.95);
  const p99 = q(0.99);
  const top = maxBucket(b) ?? { lo: 0, hi: 0 };
  const maxBounds = toBounds(top, 1000, digits);
  return {
    count,
    p50: p50.v,
    p95: p95.v,
    p99: p99.v,
    max: maxBounds.hi ?? maxBounds.lo,
    p50Bucket: p50.bucket,
    p95Bucket: p95.bucket,
    p99Bucket: p99.bucket,
    maxBucket: maxBounds,
  };
}

export function serverFigures(metricsUrl: string, start: PromSample[], end: PromSample[], seconds: number, names: MetricNames = REFERENCE_METRICS): ServerFigures {
  const problems: string[] = [];
  const has = (n: string): boolean => end.some((s) => s.name === n || s.name === `${n}_bucket` || s.name === `${n}_count`);
  const pollsSel = parseSelector(names.polls);
  const emptySel = parseSelector(names.emptyPolls);
  const claimsSel = parseSelector(names.claims);
  /** the increase of a selector (with extra matchers) over the window; null when it reset */
  const selDelta = (sel: MetricSelector, match: Record<string, string> = {}): number | null => windowIncrease(start, end, sel.name, { ...sel.match, ...match }, problems);
  const perSecond = (x: number | null): number | null => (x === null ? null : round(x / seconds));
  const perS = (text: string): number | null => {
    const sel = parseSelector(text);
    return has(sel.name) ? perSecond(selDelta(sel)) : null;
  };
  const polls = has(pollsSel.name) ? selDelta(pollsSel) : null;
  const empty = has(emptySel.name) ? selDelta(emptySel) : null;

  const perLoop: WorkerPollFigures[] = [];
  // a reset of the polls counter leaves no per-loop rows (the window total above is null with its problem line)
  if (polls !== null) {
    const keys = new Set<string>();
    // one row per worker/loop label pair; counters without those labels give no per-loop rows
    for (const s of end) if (s.name === pollsSel.name && labelsMatch(s.labels, pollsSel.match) && (s.labels.worker || s.labels.loop)) keys.add(JSON.stringify([s.labels.worker ?? "", s.labels.loop ?? ""]));
    const gap = parseSelector(names.pollGap);
    for (const key of [...keys].sort()) {
      const [worker, loop] = JSON.parse(key) as [string, string];
      const match: Record<string, string> = {};
      if (worker) match.worker = worker;
      if (loop) match.loop = loop;
      const p = selDelta(pollsSel, match);
      if (p === null) continue;
      const e = has(emptySel.name) ? selDelta(emptySel, match) : null;
      const gapMatch = { ...gap.match, ...match };
      const gapReset = has(gap.name) && windowIncrease(start, end, `${gap.name}_count`, gapMatch, problems) === null;
      const gaps = gapReset ? [] : diffBuckets(histogramBuckets(end, gap.name, gapMatch), histogramBuckets(start, gap.name, gapMatch));
      perLoop.push({
        worker,
        loop,
        pollsPerS: round(p / seconds),
        emptyPollRatio: e !== null && p > 0 ? round(e / p, 4) : null,
        gapUnder1msShare: gaps.length ? (shareAtOrBelow(0.001, gaps) ?? null) : null,
      });
    }
  }

  const latency = parseSelector(names.pickupLatency);
  const pickup = has(latency.name) ? latencySummary(start, end, latency.name, latency.match, problems) : null;

  const counterRates: Record<string, number> = {};
  const counterNames = [...new Set(end.map((s) => s.name))].filter((n) => n.endsWith("_total") || n.endsWith("_count")).sort();
  for (const name of counterNames) {
    const d = windowIncrease(start, end, name, {}, problems);
    // a counter that reset has no rate (its problem line says so), never a made-up one
    if (d !== null) counterRates[name] = round(d / seconds);
  }

  const longPolls = parseSelector(names.longPolls);
  const lp = (released: string): number | null => (has(longPolls.name) ? perSecond(selDelta(longPolls, { released })) : null);

  return {
    metricsUrl,
    scraped: true,
    pollsPerS: perSecond(polls),
    emptyPollRatio: polls !== null && empty !== null && polls > 0 ? round(empty / polls, 4) : null,
    claimsPerS: has(claimsSel.name) ? perSecond(selDelta(claimsSel)) : null,
    enqueuedPerS: perS(names.enqueued),
    notificationsPerS: perS(names.notifications),
    notifiedPollsPerS: perS(names.notifiedPolls),
    notifiedEmptyPollsPerS: perS(names.notifiedEmptyPolls),
    longPollsReleasedByWorkPerS: lp("work"),
    longPollsTimedOutPerS: lp("timeout"),
    pickupLatencyMs: pickup,
    perLoop,
    counterRates,
    ...(problems.length ? { problems } : {}),
  };
}
