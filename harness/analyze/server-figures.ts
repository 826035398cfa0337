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

export function serverFigures(metricsUrl: string, start: PromSample[], end: PromSample[], seconds: number, names: MetricNames = REFERENCE_METRICS): ServerFigures {
  const has = (n: string): boolean => end.some((s) => s.name === n || s.name === `${n}_bucket` || s.name === `${n}_count`);
  const delta = (n: string, match: Record<string, string> = {}): number => sumMetric(end, n, match) - sumMetric(start, n, match);
  const pollsSel = parseSelector(names.polls);
  const emptySel = parseSelector(names.emptyPolls);
  const claimsSel = parseSelector(names.claims);
  const selDelta = (sel: MetricSelector, match: Record<string, string> = {}): number => delta(sel.name, { ...sel.match, ...match });
  const perS = (text: string): number | null => {
    const sel = parseSelector(text);
    return has(sel.name) ? round(selDelta(sel) / seconds) : null;
  };
  const polls = has(pollsSel.name) ? selDelta(pollsSel) : null;
  const empty = has(emptySel.name) ? selDelta(emptySel) : null;

  const perLoop: WorkerPollFigures[] = [];
  if (has(pollsSel.name)) {
    const keys = new Set<string>();
    const matches = (labels: Record<string, string>): boolean => Object.entries(pollsSel.match).every(([k, v]) => labels[k] === v);
    // one row per worker/loop label pair; counters without those labels give no per-loop rows
    for (const s of end) if (s.name === pollsSel.name && matches(s.labels) && (s.labels.worker || s.labels.loop)) keys.add(JSON.stringify([s.labels.worker ?? "", s.labels.loop ?? ""]));
    for (const key of [...keys].sort()) {
      const [worker, loop] = JSON.parse(key) as [string, string];
      const match: Record<string, string> = {};
      if (worker) match.worker = worker;
      if (loop) match.loop = loop;
      const p = selDelta(pollsSel, match);
      const e = has(emptySel.name) ? selDelta(emptySel, match) : null;
      const gap = parseSelector(names.pollGap);
      const gapMatch = { ...gap.match, ...match };
      const gaps = diffBuckets(histogramBuckets(end, gap.name, gapMatch), histogramBuckets(start, gap.name, gapMatch));
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
  const latency = parseSelector(names.pickupLatency);
  if (has(latency.name)) {
    const b = diffBuckets(histogramBuckets(end, latency.name, latency.match), histogramBuckets(start, latency.name, latency.match));
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
    claimsPerS: has(claimsSel.name) ? round(selDelta(claimsSel) / seconds) : null,
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
