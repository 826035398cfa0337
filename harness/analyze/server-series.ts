/**
 * Server figures that need more than the window's two end scrapes: the per-sample time series of
 * polls and claims (the exponential backoff's reset shows in it), fan-out per enqueue (seed 003),
 * and the backoff right after real work (seed 004).
 */
import { histogramBuckets, sumMetric, type PromSample } from "../sample/prometheus.js";
import { diffBuckets, histogramQuantile } from "./histogram.js";
import type { FanoutFigures, LatencySummary, ServerFigures, ServerSeriesPoint } from "./result-types.js";
import { REFERENCE_METRICS, type MetricNames } from "./server-figures.js";

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** One scrape of the endpoint, `t` seconds after the window started. */
export interface TimedScrape {
  t: number;
  samples: PromSample[];
}

/** The reference server's sum, over enqueues, of the subscribers of the job's own queue (null in the figures when absent). */
export const QUEUE_SUBSCRIBERS_AT_ENQUEUE = "jobs_queue_subscribers_at_enqueue_total";

/** Name of the reference server's histogram of a loop's sleep after its first empty poll following a claim. */
export const BACKOFF_AFTER_WORK = "jobs_backoff_after_work_seconds";

/** Rates between consecutive scrapes (one point per sampling interval, at its end). */
export function serverSeries(scrapes: TimedScrape[], names: MetricNames = REFERENCE_METRICS): ServerSeriesPoint[] {
  const out: ServerSeriesPoint[] = [];
  // a metricsMap entry may carry label matchers: name{label="value"}
  const sel = (n: string): [string, Record<string, string>] => {
    const match: Record<string, string> = {};
    for (const m of n.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"/g)) match[m[1] as string] = m[2] as string;
    return [n.split("{")[0]?.trim() ?? n, match];
  };
  for (let i = 1; i < scrapes.length; i++) {
    const a = scrapes[i - 1] as TimedScrape;
    const b = scrapes[i] as TimedScrape;
    const dt = b.t - a.t;
    if (dt <= 0) continue;
    const rate = (n: string): number => round(Math.max(0, sumMetric(b.samples, ...sel(n)) - sumMetric(a.samples, ...sel(n))) / dt, 2);
    out.push({ t: round(b.t, 2), pollsPerS: rate(names.polls), emptyPollsPerS: rate(names.emptyPolls), claimsPerS: rate(names.claims) });
  }
  return out;
}

/**
 * Per enqueue over the window: notifications delivered, polls they triggered, and how many of those
 * were wasted. A delivered notification wakes its subscriber whether or not the job is for its queue
 * (a broadcast subscriber has to read it to filter it), so wasted wake-ups = notifications that did
 * not end in a claim; wasted polls = triggered polls that came back empty. Null without enqueues.
 */
export function fanoutFigures(start: PromSample[], end: PromSample[], names: MetricNames = REFERENCE_METRICS): FanoutFigures | null {
  const d = (n: string): number => sumMetric(end, n) - sumMetric(start, n);
  const enqueued = d(names.enqueued);
  if (enqueued <= 0) return null;
  const notifications = d(names.notifications);
  const triggered = d(names.notifiedPolls);
  const triggeredEmpty = d(names.notifiedEmptyPolls);
  const triggeredClaims = Math.max(0, triggered - triggeredEmpty);
  const audience = end.some((s) => s.name === QUEUE_SUBSCRIBERS_AT_ENQUEUE) ? round(d(QUEUE_SUBSCRIBERS_AT_ENQUEUE) / enqueued, 2) : null;
  return {
    enqueued,
    notificationsPerEnqueue: round(notifications / enqueued, 2),
    pollsTriggeredPerEnqueue: round(triggered / enqueued, 2),
    wastedPollsPerEnqueue: round(triggeredEmpty / enqueued, 2),
    wastedWakeupsPerEnqueue: round(Math.max(0, notifications - triggeredClaims) / enqueued, 2),
    ...(audience === null ? {} : { queueSubscribersPerEnqueue: audience }),
  };
}

/** Quantiles of the loops' sleep right after real work (null when no claim was followed by two empty polls). */
export function backoffAfterWork(start: PromSample[], end: PromSample[]): LatencySummary | null {
  const b = diffBuckets(histogramBuckets(end, BACKOFF_AFTER_WORK), histogramBuckets(start, BACKOFF_AFTER_WORK));
  const count = b.at(-1)?.count ?? 0;
  if (count <= 0) return null;
  const q = (x: number): number => round((histogramQuantile(x, b) ?? 0) * 1000, 1);
  let maxBound = 0;
  let prev = 0;
  for (const bucket of b) {
    if (bucket.count > prev && Number.isFinite(bucket.le)) maxBound = bucket.le;
    prev = bucket.count;
  }
  return { count, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: round(maxBound * 1000, 1) };
}

/** The figures above, plus idle polls per second and requests per day per loop, laid over `figures`. */
export function addSeriesFigures(figures: ServerFigures, start: PromSample[], end: PromSample[], scrapes: TimedScrape[], seconds: number, names: MetricNames = REFERENCE_METRICS): ServerFigures {
  if (!figures.scraped || seconds <= 0) return figures;
  const emptyName = names.emptyPolls.split("{")[0] as string;
  const hasEmpty = end.some((s) => s.name === emptyName);
  return {
    ...figures,
    perLoop: figures.perLoop.map((l) => ({ ...l, requestsPerDay: Math.round(l.pollsPerS * 86_400) })),
    emptyPollsPerS: hasEmpty ? round((sumMetric(end, emptyName) - sumMetric(start, emptyName)) / seconds) : null,
    series: serverSeries(scrapes, names),
    fanout: fanoutFigures(start, end, names),
    backoffAfterWorkMs: backoffAfterWork(start, end),
  };
}
