/**
 * Server figures that need more than the window's two end scrapes: the per-sample time series of
 * polls and claims (the exponential backoff's reset shows in it), fan-out per enqueue (seed 003),
 * and the backoff right after real work (seed 004).
 */
import { counterIncrease, type PromSample } from "../sample/prometheus.js";
import type { FanoutFigures, LatencySummary, ServerFigures, ServerSeriesPoint } from "./result-types.js";
import { latencySummary, parseSelector, REFERENCE_METRICS, windowIncrease, type MetricNames } from "./server-figures.js";

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

/**
 * Rates between consecutive scrapes (one point per sampling interval, at its end). A counter that went
 * down between two scrapes (the server restarted) counts its post-reset value for that interval, as
 * Prometheus's increase() does, and the point is marked `counterReset`.
 */
export function serverSeries(scrapes: TimedScrape[], names: MetricNames = REFERENCE_METRICS): ServerSeriesPoint[] {
  const out: ServerSeriesPoint[] = [];
  const sels = [names.polls, names.emptyPolls, names.claims].map(parseSelector);
  for (let i = 1; i < scrapes.length; i++) {
    const a = scrapes[i - 1] as TimedScrape;
    const b = scrapes[i] as TimedScrape;
    const dt = b.t - a.t;
    if (dt <= 0) continue;
    const inc = sels.map((sel) => counterIncrease(a.samples, b.samples, sel.name, sel.match));
    const [polls, empty, claims] = inc.map((c) => round(c.increase / dt, 2)) as [number, number, number];
    const point: ServerSeriesPoint = { t: round(b.t, 2), pollsPerS: polls, emptyPollsPerS: empty, claimsPerS: claims };
    if (inc.some((c) => c.reset)) point.counterReset = true;
    out.push(point);
  }
  return out;
}

/**
 * Per enqueue over the window: notifications delivered, polls they triggered, and how many of those
 * were wasted. A delivered notification wakes its subscriber whether or not the job is for its queue
 * (a broadcast subscriber has to read it to filter it), so wasted wake-ups = notifications that did
 * not end in a claim; wasted polls = triggered polls that came back empty. Null without enqueues,
 * or when one of the counters reset (a problem line then says which).
 */
export function fanoutFigures(start: PromSample[], end: PromSample[], names: MetricNames = REFERENCE_METRICS, problems: string[] = []): FanoutFigures | null {
  const d = (n: string): number | null => {
    const sel = parseSelector(n);
    return windowIncrease(start, end, sel.name, sel.match, problems);
  };
  const enqueued = d(names.enqueued);
  const notifications = d(names.notifications);
  const triggered = d(names.notifiedPolls);
  const triggeredEmpty = d(names.notifiedEmptyPolls);
  if (enqueued === null || notifications === null || triggered === null || triggeredEmpty === null) return null;
  if (enqueued <= 0) return null;
  const triggeredClaims = Math.max(0, triggered - triggeredEmpty);
  const subscribers = end.some((s) => s.name === QUEUE_SUBSCRIBERS_AT_ENQUEUE) ? d(QUEUE_SUBSCRIBERS_AT_ENQUEUE) : null;
  const audience = subscribers === null ? null : round(subscribers / enqueued, 2);
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
export function backoffAfterWork(start: PromSample[], end: PromSample[], problems: string[] = []): LatencySummary | null {
  return latencySummary(start, end, BACKOFF_AFTER_WORK, {}, problems, 1);
}

/** The figures above, plus idle polls per second and requests per day per loop, laid over `figures`. */
export function addSeriesFigures(figures: ServerFigures, start: PromSample[], end: PromSample[], scrapes: TimedScrape[], seconds: number, names: MetricNames = REFERENCE_METRICS): ServerFigures {
  if (!figures.scraped || seconds <= 0) return figures;
  const problems = [...(figures.problems ?? [])];
  const empty = parseSelector(names.emptyPolls);
  const hasEmpty = end.some((s) => s.name === empty.name);
  const emptyIncrease = hasEmpty ? windowIncrease(start, end, empty.name, empty.match, problems) : null;
  const series = serverSeries(scrapes, names);
  const resets = series.filter((p) => p.counterReset).map((p) => `${p.t} s`);
  if (resets.length) {
    problems.push(
      `a poll or claim counter went down in the interval(s) ending at ${resets.slice(0, 5).join(", ")}${resets.length > 5 ? ", …" : ""} (the server restarted): those points of the series count only the increase after the reset (the Prometheus increase() convention)`,
    );
  }
  return {
    ...figures,
    perLoop: figures.perLoop.map((l) => ({ ...l, requestsPerDay: Math.round(l.pollsPerS * 86_400) })),
    emptyPollsPerS: emptyIncrease === null ? null : round(emptyIncrease / seconds),
    series,
    fanout: fanoutFigures(start, end, names, problems),
    backoffAfterWorkMs: backoffAfterWork(start, end, problems),
    ...(problems.length ? { problems } : {}),
  };
}
