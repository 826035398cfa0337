import { describe, expect, it } from "vitest";
import { counterIncrease, histogramBuckets, parsePrometheusText, sumMetric } from "../../harness/sample/prometheus.js";
import { diffBuckets, histogramQuantile, shareAtOrBelow } from "../../harness/analyze/histogram.js";

const text = `# HELP jobs_polls_total Polls
# TYPE jobs_polls_total counter
jobs_polls_total{worker="w1",loop="task"} 100
jobs_polls_total{worker="w|2",loop="task"} 50
jobs_empty_polls_total{worker="w1",loop="task"} 99
odd_metric{label="a \\"quoted\\" value"} 1.5e3
jobs_poll_gap_seconds_bucket{worker="w1",le="0.001"} 90
jobs_poll_gap_seconds_bucket{worker="w1",le="0.01"} 95
jobs_poll_gap_seconds_bucket{worker="w1",le="+Inf"} 100
not a metric line at all
`;

describe("Prometheus text parsing", () => {
  const samples = parsePrometheusText(text);
  it("reads samples with labels and skips comments and junk", () => {
    expect(sumMetric(samples, "jobs_polls_total")).toBe(150);
    expect(sumMetric(samples, "jobs_polls_total", { worker: "w|2" })).toBe(50);
    expect(samples.find((s) => s.name === "odd_metric")?.labels.label).toBe('a "quoted" value');
    expect(samples.find((s) => s.name === "odd_metric")?.value).toBe(1500);
  });
  it("gives cumulative buckets sorted by bound", () => {
    expect(histogramBuckets(samples, "jobs_poll_gap_seconds")).toEqual([
      { le: 0.001, count: 90 },
      { le: 0.01, count: 95 },
      { le: Infinity, count: 100 },
    ]);
  });
});

describe("histogram quantiles over a window", () => {
  const start = [
    { le: 0.01, count: 10 },
    { le: 0.1, count: 10 },
    { le: 1, count: 10 },
    { le: Infinity, count: 10 },
  ];
  const end = [
    { le: 0.01, count: 10 },
    { le: 0.1, count: 60 },
    { le: 1, count: 110 },
    { le: Infinity, count: 110 },
  ];
  const w = diffBuckets(end, start);
  it("subtracts the start", () => expect(w.map((b) => b.count)).toEqual([0, 50, 100, 100]));
  it("interpolates inside the bucket like histogram_quantile", () => {
    expect(histogramQuantile(0.5, w)).toBeCloseTo(0.1, 6);
    expect(histogramQuantile(0.25, w)).toBeCloseTo(0.055, 6);
    expect(histogramQuantile(0.75, w)).toBeCloseTo(0.55, 6);
  });
  it("is undefined with no observations", () => expect(histogramQuantile(0.5, diffBuckets(start, start))).toBeUndefined());
  it("gives the share at or below a bucket edge", () => expect(shareAtOrBelow(0.1, w)).toBeCloseTo(0.5));
});

describe("counter increase between two scrapes", () => {
  const start = parsePrometheusText(`jobs_polls_total{worker="a",result="empty"} 100
jobs_polls_total{worker="a",result="job"} 10
jobs_polls_total{worker="b",result="empty"} 500
`);
  it("selects only the series whose labels match", () => {
    const end = parsePrometheusText(`jobs_polls_total{worker="a",result="empty"} 150
jobs_polls_total{worker="a",result="job"} 20
jobs_polls_total{worker="b",result="empty"} 600
`);
    expect(counterIncrease(start, end, "jobs_polls_total", { result: "empty" })).toEqual({ increase: 150, reset: false, vanished: 0 });
    expect(counterIncrease(start, end, "jobs_polls_total")).toEqual({ increase: 160, reset: false, vanished: 0 });
  });
  it("detects a series that went down (a restart), adding the post-reset value as increase() does, and counts vanished series apart", () => {
    const end = parsePrometheusText(`jobs_polls_total{worker="a",result="empty"} 7
jobs_polls_total{worker="a",result="job"} 20
jobs_polls_total{worker="b",result="empty"} 900
`);
    expect(counterIncrease(start, end, "jobs_polls_total", { result: "empty" })).toEqual({ increase: 7 + 400, reset: true, vanished: 0 });
    expect(counterIncrease(start, end, "jobs_polls_total", { result: "job" })).toEqual({ increase: 10, reset: false, vanished: 0 });
    const gone = parsePrometheusText(`jobs_polls_total{worker="b",result="empty"} 900`);
    expect(counterIncrease(start, gone, "jobs_polls_total")).toEqual({ increase: 400, reset: false, vanished: 2 });
  });
});

describe("scrapeMetrics over node:http", () => {
  it("reads a /metrics page, keeps the connection, and reports a status that is not 2xx", async () => {
    const { createServer } = await import("node:http");
    const { scrapeMetrics } = await import("../../harness/sample/prometheus.js");
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      if (req.url === "/missing") {
        res.writeHead(404).end("no");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("# TYPE polls_total counter\npolls_total{result=\"empty\"} 7\n");
    });
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      for (let i = 0; i < 3; i++) expect(sumMetric(await scrapeMetrics(`http://127.0.0.1:${port}/metrics`), "polls_total", { result: "empty" })).toBe(7);
      expect(sockets.size).toBe(1); // one kept-alive connection for the three scrapes
      await expect(scrapeMetrics(`http://127.0.0.1:${port}/missing`)).rejects.toThrow(/answered 404/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
