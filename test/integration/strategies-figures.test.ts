/** The strategy figures from scrapes (series, fan-out, backoff after work) and their report sections, on fixtures. */
import { describe, expect, it } from "vitest";
import { addSeriesFigures, fanoutFigures, serverSeries } from "../../harness/analyze/server-series.js";
import { emptyServerFigures } from "../../harness/analyze/server-figures.js";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { serverSeriesSections } from "../../harness/report/server-series-markdown.js";
import type { PromSample } from "../../harness/sample/prometheus.js";

const c = (name: string, value: number, labels: Record<string, string> = {}): PromSample => ({ name, labels, value });

function scrape(polls: number, empty: number, claims: number, extra: PromSample[] = []): PromSample[] {
  return [c("jobs_polls_total", polls, { worker: "w", loop: "task" }), c("jobs_empty_polls_total", empty, { worker: "w", loop: "task" }), c("jobs_claims_total", claims, { worker: "w", loop: "task" }), ...extra];
}

describe("server series", () => {
  it("turns consecutive scrapes into per-interval rates", () => {
    const s = serverSeries([
      { t: 0, samples: scrape(0, 0, 0) },
      { t: 1, samples: scrape(1, 1, 0) },
      { t: 2, samples: scrape(7, 6, 1) },
    ]);
    expect(s).toEqual([
      { t: 1, pollsPerS: 1, emptyPollsPerS: 1, claimsPerS: 0 },
      { t: 2, pollsPerS: 6, emptyPollsPerS: 5, claimsPerS: 1 },
    ]);
  });
});

describe("fan-out per enqueue", () => {
  const fan = (notifications: number, triggered: number, triggeredEmpty: number) =>
    fanoutFigures(
      [c("jobs_enqueued_total", 0, { queue: "q0" })],
      [c("jobs_enqueued_total", 10, { queue: "q0" }), c("jobs_notifications_sent_total", notifications), c("jobs_notified_polls_total", triggered, { worker: "a", loop: "t" }), c("jobs_notified_empty_polls_total", triggeredEmpty, { worker: "a", loop: "t" })],
    );

  it("broadcast to 100 workers, 10 per queue: 100 delivered, 10 polls, 9 empty, 99 wasted wake-ups per job", () => {
    expect(fan(1000, 100, 90)).toEqual({ enqueued: 10, notificationsPerEnqueue: 100, pollsTriggeredPerEnqueue: 10, wastedPollsPerEnqueue: 9, wastedWakeupsPerEnqueue: 99 });
  });

  it("targeted: 10 delivered, the same 10 polls, 9 wasted wake-ups per job", () => {
    expect(fan(100, 100, 90)?.wastedWakeupsPerEnqueue).toBe(9);
  });

  it("is null when nothing was enqueued", () => {
    expect(fanoutFigures([], [c("jobs_enqueued_total", 0)])).toBeNull();
  });
});

describe("report sections", () => {
  it("renders fan-out, the real-scale requests per day and the series", () => {
    const start = scrape(0, 0, 0, [c("jobs_enqueued_total", 0)]);
    const end = scrape(20, 18, 2, [c("jobs_enqueued_total", 2), c("jobs_notifications_sent_total", 200), c("jobs_notified_polls_total", 20), c("jobs_notified_empty_polls_total", 18)]);
    const base = { ...emptyServerFigures("http://x/metrics"), scraped: true, notificationsPerS: 20, perLoop: [{ worker: "w", loop: "task", pollsPerS: 2, emptyPollRatio: 0.9, gapUnder1msShare: 0 }] };
    const server = addSeriesFigures(base, start, end, [{ t: 0, samples: start }, { t: 5, samples: scrape(10, 9, 1) }, { t: 10, samples: end }], 10);
    expect(server.emptyPollsPerS).toBe(1.8);
    expect(server.perLoop[0]!.requestsPerDay).toBe(172_800);
    // only what the sections read; the rest of a RunResult is irrelevant here
    const r = { scenario: { name: "x", description: "", file: "x.yaml", timeScale: 100 }, server } as unknown as RunResult;
    const md = serverSeriesSections(r).join("\n\n");
    expect(md).toContain("### Fan-out per enqueue");
    expect(md).toContain("| 2 | 100.00 | 10.00 | 9.00 | 99.00 |");
    expect(md).toContain("Requests/day at real scale (÷ 100)");
    expect(md).toContain("| w | task | 2.00 | 172,800 | 1728 |");
    expect(md).toContain("### Server polls over time");
  });
});
