/** Server counters over the window, from two scrapes of its Prometheus endpoint. */
import { histogramBuckets, sumBy, sumMetric, type PromSample } from "../sample/prometheus.js";
import { diffBuckets, histogramQuantile, shareAtOrBelow } from "./histogram.js";
import type { LatencySummary, ServerFigures, WorkerPollFigures } from "./result-types.js";

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

export function serverFigures(metricsUrl: string, start: PromSample[], end: PromSample[], seconds: number, names: MetricNames = REFERENCE_METRICS): ServerFigures {
  const has = (n: string): boolean => end.some((s) => s.name === n || s.name === `${n}_bucket` || s.name === `${n}_count`);
  const delta = (n: string, match: Record<string, string> = {}): number => sumMetric(end, n, match) - sumMetric(start, n, match);
  const perS = (n: string, match: Record<string, string> = {}): number | null => (has(n) ? round(delta(n, match) / seconds) : null);
  const polls = has(names.polls) ? delta(names.polls) : null;
  const empty = has(names.emptyPolls) ? delta(names.emptyPolls) : null;

  const perLoop: WorkerPollFigures[] = [];
  if (has(names.polls)) {
    const keys = new Set<string>();
    for (const s of end) if (s.name === names.polls && Object.keys(s.labels).length > 0) keys.add(JSON.stringify([s.labels.worker ?? "", s.labels.loop ?? ""]));
    for (const key of [...keys].sort()) {
      const [worker, loop] = JSON.parse(key) as [string, string];
      const match: Record<string, string> = {};
      if (worker) match.worker = worker;
      if (loop) match.loop = loop;
      const p = delta(names.polls, match);
      const e = has(names.emptyPolls) ? delta(names.emptyPolls, match) : null;
      const gaps = diffBuckets(histogramBuckets(end, names.pollGap, match), histogramBuckets(start, names.pollGap, match));
      perLoop.push({
        worker,
        loop,
        pollsPerS: round(p / seconds),
        emptyPollRatio: e !== null && p > 0 ? round(e / p, 4) : null,
        gapUnder1msShare: gaps.length ? (shareAtOrBelow(0.001, gaps) ?? null) : null,
      });
    }
  }

  let pickup: LatencySummary | null = null;
  if (has(names.pickupLatency)) {
    const b = diffBuckets(histogramBuckets(end, names.pickupLatency), histogramBuckets(start, names.pickupLatency));
    const count = b.at(-1)?.count ?? 0;
    if (count > 0) {
      const q = (x: number): number => round((histogramQuantile(x, b) ?? 0) * 1000, 2);
      let maxBound = 0;
      let prev = 0;
      for (const bucket of b) {
        if (bucket.count > prev) maxBound = Number.isFinite(bucket.le) ? bucket.le : maxBound;
        prev = bucket.count;
      }
      pickup = { count, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: round(maxBound * 1000, 2) };
    }
  }

  const counterRates: Record<string, number> = {};
  for (const [name, total] of totals(end)) {
    if (!name.endsWith("_total") && !name.endsWith("_count")) continue;
    counterRates[name] = round((total - (totals(start).get(name) ?? 0)) / seconds);
  }

  const released = has(names.longPolls) ? sumBy(end, names.longPolls, "released") : new Map<string, number>();
  const releasedStart = sumBy(start, names.longPolls, "released");
  const lp = (k: string): number | null => (has(names.longPolls) ? round(((released.get(k) ?? 0) - (releasedStart.get(k) ?? 0)) / seconds) : null);

  return {
    metricsUrl,
    scraped: true,
    pollsPerS: polls === null ? null : round(polls / seconds),
    emptyPollRatio: polls !== null && empty !== null && polls > 0 ? round(empty / polls, 4) : null,
    claimsPerS: perS(names.claims),
    enqueuedPerS: perS(names.enqueued),
    notificationsPerS: perS(names.notifications),
    notifiedPollsPerS: perS(names.notifiedPolls),
    notifiedEmptyPollsPerS: perS(names.notifiedEmptyPolls),
    longPollsReleasedByWorkPerS: lp("work"),
    longPollsTimedOutPerS: lp("timeout"),
    pickupLatencyMs: pickup,
    perLoop,
    counterRates,
  };
}

function totals(samples: PromSample[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) m.set(s.name, (m.get(s.name) ?? 0) + s.value);
  return m;
}
