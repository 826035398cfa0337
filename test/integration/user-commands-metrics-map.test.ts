/** metricsMap: a user's own counter names (with label matchers) fill the report's poll figures. */
import { describe, expect, it } from "vitest";
import { metricNames, parseSelector, serverFigures } from "../../harness/analyze/server-figures.js";
import { parsePrometheusText } from "../../harness/sample/prometheus.js";
import { renderRunMarkdown } from "../../harness/report/run-markdown.js";

const start = parsePrometheusText(`# TYPE http_requests_total counter
http_requests_total{path="/poll",result="empty",worker="a",loop="main"} 100
http_requests_total{path="/poll",result="job",worker="a",loop="main"} 5
http_requests_total{path="/health",result="ok"} 40
`);
const end = parsePrometheusText(`# TYPE http_requests_total counter
http_requests_total{path="/poll",result="empty",worker="a",loop="main"} 300
http_requests_total{path="/poll",result="job",worker="a",loop="main"} 15
http_requests_total{path="/health",result="ok"} 60
`);

describe("metricsMap", () => {
  it("parses a selector with label matchers", () => {
    expect(parseSelector('x_total{a="1", b="two"}')).toEqual({ name: "x_total", match: { a: "1", b: "two" } });
    expect(parseSelector("x_total")).toEqual({ name: "x_total", match: {} });
  });

  it("lays the map over the reference names", () => {
    const n = metricNames({ polls: "p_total" });
    expect(n.polls).toBe("p_total");
    expect(n.emptyPolls).toBe("jobs_empty_polls_total");
  });

  it("maps selected series onto polls, empty polls and claims, per worker loop", () => {
    const names = metricNames({ polls: 'http_requests_total{path="/poll"}', emptyPolls: 'http_requests_total{path="/poll",result="empty"}', claims: 'http_requests_total{result="job"}' });
    const f = serverFigures("http://x/metrics", start, end, 10, names);
    expect(f.pollsPerS).toBe(21); // (315 - 105) / 10
    expect(f.emptyPollRatio).toBeCloseTo(200 / 210, 3);
    expect(f.claimsPerS).toBe(1);
    expect(f.perLoop).toEqual([{ worker: "a", loop: "main", pollsPerS: 21, emptyPollRatio: expect.closeTo(200 / 210, 3), gapUnder1msShare: null }]);
    expect(f.counterRates.http_requests_total).toBe(23); // every series: (375 - 145) / 10
  });

  it("leaves the poll figures empty for an unmapped server, while every counter still gets a rate", () => {
    const f = serverFigures("http://x/metrics", start, end, 10);
    expect(f.pollsPerS).toBeNull();
    expect(f.perLoop).toEqual([]);
    expect(f.counterRates).toEqual({ http_requests_total: 23 });
  });

  it("renders the Counters table", () => {
    const server = serverFigures("http://x/metrics", start, end, 10);
    const md = renderRunMarkdown({
      schemaVersion: 1,
      tool: { name: "idle-cpu-harness", version: "0" },
      status: "ok",
      problems: [],
      scenario: { name: "s", description: "", file: "f" },
      params: {},
      command: "harness run s",
      startedAt: "2026-01-01T00:00:00Z",
      machine: { cores: 2, cpuModel: "cpu", node: "v20", platform: "linux-x64", kernel: "6", clockTicksPerSecond: 100, hostname: "h" },
      window: { warmupS: 0, durationS: 10, sampleS: 1, measuredS: 10, intervalS: 2 },
      profiled: false,
      processes: [],
      roles: {},
      server,
    } as Parameters<typeof renderRunMarkdown>[0]);
    expect(md).toContain("### Counters");
    expect(md).toMatch(/\| `http_requests_total` \| 23\.00 \|/);
  });
});
