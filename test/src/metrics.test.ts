import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/server/metrics.js";

describe("server metrics", () => {
  it("exposes the exact names the harness reads, and no default process metrics", async () => {
    const m = createMetrics();
    m.polls.inc({ worker: "w", loop: "l" });
    m.pollGap.observe({ worker: "w", loop: "l" }, 0.0002);
    m.pickupLatency.observe(0.004);
    const text = await m.registry.metrics();
    for (const name of [
      "jobs_enqueued_total",
      "jobs_polls_total",
      "jobs_empty_polls_total",
      "jobs_claims_total",
      "jobs_completed_total",
      "jobs_notifications_sent_total",
      "jobs_notified_polls_total",
      "jobs_notified_empty_polls_total",
      "jobs_longpolls_total",
      "jobs_poll_gap_seconds",
      "jobs_pickup_latency_seconds",
      "jobs_sse_subscribers",
      "jobs_longpolls_waiting",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('jobs_poll_gap_seconds_bucket{le="0.0001",worker="w",loop="l"} 0');
    expect(text).toContain('jobs_poll_gap_seconds_bucket{le="0.0005",worker="w",loop="l"} 1');
    expect(text).toContain('jobs_pickup_latency_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('jobs_longpolls_total{released="timeout"} 0');
    expect(text).not.toContain("process_cpu");
    expect(text).not.toContain("nodejs_");
  });
});
