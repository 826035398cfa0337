/** Server counters from fixture scrapes: selectors, counter resets, histogram buckets and +Inf. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/analyze/result-types.js";
import { metricNames, serverFigures } from "../../harness/analyze/server-figures.js";
import { addSeriesFigures, serverSeries } from "../../harness/analyze/server-series.js";
import { parsePrometheusText } from "../../harness/sample/prometheus.js";
import { renderRunMarkdown } from "../../harness/report/run-markdown.js";

const P = parsePrometheusText;
const FIXTURE = join(import.meta.dirname, "..", "fixtures", "results", "tight-loop", "result.json");
const withServer = (server: RunResult["server"], patch: (r: RunResult) => void = () => {}): RunResult => {
  const r = JSON.parse(readFileSync(FIXTURE, "utf8")) as RunResult;
  r.server = server;
  patch(r);
  return r;
};

// A user's server with one counter for every poll, labelled by outcome (metricsMap with result="empty").
const userStart = P(`# TYPE myapp_polls_total counter
myapp_polls_total{worker="a",loop="main",result="empty"} 100
myapp_polls_total{worker="a",loop="main",result="job"} 10
myapp_events_total{kind="enqueue"} 5
myapp_events_total{kind="notify"} 50
`);
const userEnd = P(`# TYPE myapp_polls_total counter
myapp_polls_total{worker="a",loop="main",result="empty"} 300
myapp_polls_total{worker="a",loop="main",result="job"} 30
myapp_events_total{kind="enqueue"} 15
myapp_events_total{kind="notify"} 150
`);
const userNames = metricNames({
  polls: "myapp_polls_total",
  emptyPolls: 'myapp_polls_total{result="empty"}',
  claims: 'myapp_polls_total{result="job"}',
  enqueued: 'myapp_events_total{kind="enqueue"}',
  notifications: 'myapp_events_total{kind="notify"}',
});

describe("metricsMap selectors select only the matching series", () => {
  const base = serverFigures("http://x/metrics", userStart, userEnd, 10, userNames);
  const f = addSeriesFigures(base, userStart, userEnd, [{ t: 0, samples: userStart }, { t: 10, samples: userEnd }], 10, userNames);
  it("counts only result=\"empty\" as empty polls", () => {
    expect(f.pollsPerS).toBe(22); // (330 - 110) / 10
    expect(f.emptyPollRatio).toBeCloseTo(200 / 220, 4);
    expect(f.emptyPollsPerS).toBe(20); // not 22: the job polls are not empty polls
    expect(f.series?.[0]?.emptyPollsPerS).toBe(20);
    expect(f.claimsPerS).toBe(2);
  });
  it("uses selectors for the fan-out counters too", () => {
    expect(f.enqueuedPerS).toBe(1);
    expect(f.notificationsPerS).toBe(10);
    expect(f.fanout?.enqueued).toBe(10);
    expect(f.fanout?.notificationsPerEnqueue).toBe(10);
  });
});

describe("counter resets", () => {
  const start = P(`jobs_polls_total{worker="a",loop="task"} 1000
jobs_polls_total{worker="b",loop="task"} 0
jobs_empty_polls_total{worker="a",loop="task"} 990
jobs_claims_total 4
`);
  const end = P(`jobs_polls_total{worker="a",loop="task"} 10
jobs_polls_total{worker="b",loop="task"} 2000
jobs_empty_polls_total{worker="a",loop="task"} 10
jobs_claims_total 6
`);
  const f = serverFigures("http://x/metrics", start, end, 10);

  it("gives no rate across a counter that went down, even when another series grew more", () => {
    // the sum went up (1000 -> 2010), but worker a's series went down: the server restarted
    expect(f.pollsPerS).toBeNull();
    expect(f.emptyPollRatio).toBeNull();
    expect(f.perLoop).toEqual([]);
    expect(f.counterRates).not.toHaveProperty("jobs_polls_total");
    expect(f.counterRates).not.toHaveProperty("jobs_empty_polls_total");
    expect(f.claimsPerS).toBe(0.2); // an untouched counter keeps its rate
    expect(f.counterRates.jobs_claims_total).toBe(0.2);
  });

  it("names the counter in a problem line, and the report shows it", () => {
    expect(f.problems).toContain('counter jobs_polls_total went down during the window (a counter reset: the server restarted), so no rate is computed across it');
    expect(f.problems?.some((p) => p.startsWith("counter jobs_empty_polls_total went down"))).toBe(true);
    const md = renderRunMarkdown(withServer(f));
    expect(md).toContain("> Server counters: counter jobs\\_polls\\_total went down during the window"); // markdown-escaped
  });

  it("counts the post-reset value in the per-interval series (Prometheus increase()) and marks the point", () => {
    const at = (t: number, v: number) => ({ t, samples: P(`jobs_polls_total 0\njobs_polls_total{worker="a"} ${v}`) });
    const s = serverSeries([at(0, 100), at(1, 200), at(2, 30), at(3, 60)]);
    expect(s.map((p) => p.pollsPerS)).toEqual([100, 30, 30]);
    expect(s.map((p) => p.counterReset ?? false)).toEqual([false, true, false]);
    const figures = addSeriesFigures(serverFigures("u", P("jobs_polls_total 100"), P("jobs_polls_total 60"), 3), [], [], [at(0, 100), at(1, 200), at(2, 30), at(3, 60)], 3);
    expect(figures.problems?.some((p) => p.includes("interval(s) ending at 2 s") && p.includes("increase()"))).toBe(true);
  });
});

describe("pickup latency from histogram buckets", () => {
  const bucketLines = (counts: number[]): string =>
    ["0.002", "0.005", "0.05", "0.075", "60", "+Inf"].map((le, i) => `jobs_pickup_latency_seconds_bucket{le="${le}"} ${counts[i]}`).join("\n") + `\njobs_pickup_latency_seconds_count ${counts.at(-1)}\njobs_polls_total 0\n`;
  const start = P(bucketLines([0, 0, 0, 0, 0, 0]));

  it("stores each quantile's bucket next to the estimate", () => {
    const f = serverFigures("u", start, P(bucketLines([0, 60, 60, 100, 100, 100])), 10);
    const l = f.pickupLatencyMs!;
    expect(l.count).toBe(100);
    expect(l.p50).toBeCloseTo(4.5, 2);
    expect(l.p50Bucket).toEqual({ lo: 2, hi: 5 });
    expect(l.p99Bucket).toEqual({ lo: 50, hi: 75 });
    expect(l.maxBucket).toEqual({ lo: 50, hi: 75 });
    const md = renderRunMarkdown(withServer(f));
    expect(md).toContain("p50 ≈ 4.5 ms (bucket 2–5 ms)");
    expect(md).toContain("max ≤ 75 ms");
  });

  it("says a quantile in the +Inf bucket is above the top edge, never the edge itself", () => {
    const f = serverFigures("u", start, P(bucketLines([0, 60, 60, 90, 90, 100])), 10);
    const l = f.pickupLatencyMs!;
    expect(l.p99Bucket).toEqual({ lo: 60_000, hi: null });
    expect(l.maxBucket).toEqual({ lo: 60_000, hi: null });
    const md = renderRunMarkdown(withServer(f));
    expect(md).toContain("p99 > 60 s, max > 60 s");
    expect(md).not.toContain("max ≤ 60");
  });

  it("gives no quantiles across a reset histogram", () => {
    const f = serverFigures("u", P(bucketLines([0, 60, 60, 100, 100, 100])), P(bucketLines([0, 1, 1, 2, 2, 2])), 10);
    expect(f.pickupLatencyMs).toBeNull();
    expect(f.problems?.some((p) => p.startsWith("counter jobs_pickup_latency_seconds_count went down"))).toBe(true);
  });
});

describe("series that vanish", () => {
  it("are not counted, and a problem line says so, without voiding the rate", () => {
    const f = serverFigures("u", P('jobs_claims_total{worker="a"} 5\njobs_claims_total{worker="b"} 5'), P('jobs_claims_total{worker="b"} 25'), 10);
    expect(f.claimsPerS).toBe(2);
    expect(f.problems).toContain("1 series of counter jobs_claims_total seen at the window's start were gone at its end (the server restarted, or it drops idle series): their increase is not counted");
  });
});

describe("the pidusage check in the report's method section", () => {
  it("is called an arithmetic check on the same kernel counters", () => {
    const md = renderRunMarkdown(
      withServer(serverFigures("u", P("jobs_polls_total 0"), P("jobs_polls_total 10"), 10), (r) => {
        for (const p of r.processes) p.pidusageCpuPercent = p.cpuPercent;
      }),
    );
    expect(md).toContain("same kernel counters read by pidusage: an arithmetic check, not an independent measurement");
    expect(md).not.toContain("Cross-check");
  });
});

describe("long-polls woken through the database (replicas)", () => {
  it("the report says how many held polls were woken and how many found the job taken", () => {
    const start = P('jobs_polls_total{worker="w",loop="task"} 0\njobs_longpolls_total{released="work"} 0\njobs_longpolls_total{released="timeout"} 0\njobs_notified_polls_total{worker="w",loop="task"} 0\njobs_notified_empty_polls_total{worker="w",loop="task"} 0\njobs_notifications_sent_total 0');
    const end = P('jobs_polls_total{worker="w",loop="task"} 20\njobs_longpolls_total{released="work"} 10\njobs_longpolls_total{released="timeout"} 0\njobs_notified_polls_total{worker="w",loop="task"} 20\njobs_notified_empty_polls_total{worker="w",loop="task"} 10\njobs_notifications_sent_total 0');
    const md = renderRunMarkdown(withServer(serverFigures("u", start, end, 10)));
    expect(md).toContain("Long-polls: 1.00/s released by work, 0.00/s by timeout; 2.00/s wake-ups of held polls by a job heard through the database, 1.00/s of them found it taken (wasted wake-ups).");
  });
});
