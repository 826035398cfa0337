/** The server's counters, exposed on /metrics in Prometheus text format (prom-client). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const POLL_GAP_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const BACKOFF_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60, 120];
export const PICKUP_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60];

// The return type is inferred: one field per metric, typed by prom-client.
export function createMetrics() {
  const registry = new Registry();
  const labels = ["worker", "loop"] as const;
  const metrics = {
    registry,
    enqueued: new Counter({ name: "jobs_enqueued_total", help: "Jobs enqueued", labelNames: ["queue"], registers: [registry] }),
    polls: new Counter({ name: "jobs_polls_total", help: "Poll requests", labelNames: labels, registers: [registry] }),
    emptyPolls: new Counter({ name: "jobs_empty_polls_total", help: "Polls that found no job", labelNames: labels, registers: [registry] }),
    claims: new Counter({ name: "jobs_claims_total", help: "Jobs claimed", labelNames: labels, registers: [registry] }),
    completed: new Counter({ name: "jobs_completed_total", help: "Jobs completed", registers: [registry] }),
    notificationsSent: new Counter({ name: "jobs_notifications_sent_total", help: "Notification events delivered (one per subscriber)", registers: [registry] }),
    notifiedPolls: new Counter({ name: "jobs_notified_polls_total", help: "Polls triggered by a notification: a worker's poll after an SSE event, or (Postgres) a held long-poll's claim when its replica heard a job through the database", labelNames: labels, registers: [registry] }),
    notifiedEmptyPolls: new Counter({ name: "jobs_notified_empty_polls_total", help: "Polls triggered by a notification that found no job (wasted wake-ups; a woken long-poll that lost the job to another replica or waiter keeps waiting)", labelNames: labels, registers: [registry] }),
    longPolls: new Counter({ name: "jobs_longpolls_total", help: "Long-polls ended, by what released them", labelNames: ["released"], registers: [registry] }),
    pollGap: new Histogram({ name: "jobs_poll_gap_seconds", help: "Time from answering a loop's poll to receiving its next poll", labelNames: labels, buckets: POLL_GAP_BUCKETS, registers: [registry] }),
    resetGap: new Histogram({ name: "jobs_backoff_after_work_seconds", help: "Sleep of a loop after its first empty poll following a claim: the backoff right after real work (the base when it resets)", labelNames: labels, buckets: BACKOFF_BUCKETS, registers: [registry] }),
    pickupLatency: new Histogram({ name: "jobs_pickup_latency_seconds", help: "Claim time minus enqueue time (server clock)", buckets: PICKUP_BUCKETS, registers: [registry] }),
    queueSubscribersAtEnqueue: new Counter({
      name: "jobs_queue_subscribers_at_enqueue_total",
      help: "Subscribers of the enqueued job's own queue, summed over enqueues: divided by jobs_enqueued_total, a job's own audience (notifications beyond it are a broadcast)",
      registers: [registry],
    }),
    sseSubscribers: new Gauge({ name: "jobs_sse_subscribers", help: "Open notification streams", registers: [registry] }),
    longPollsWaiting: new Gauge({ name: "jobs_longpolls_waiting", help: "Long-polls being held", registers: [registry] }),
  };
  // show both outcomes from the start, so a scrape before the first long-poll already has them
  metrics.longPolls.inc({ released: "work" }, 0);
  metrics.longPolls.inc({ released: "timeout" }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
