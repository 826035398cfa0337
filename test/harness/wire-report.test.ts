/** The Connections section of report.md and the round-trips column of comparisons, from a fixture result given wire evidence. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, WireFigures } from "../../harness/analyze/result-types.js";
import { renderRunMarkdown } from "../../harness/report/run-markdown.js";
import { figuresOf } from "../../harness/compare/build-comparison.js";

const base = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "profiles", "results", "tight-loop.json"), "utf8")) as RunResult;

const conn = { local: "127.0.0.1:40000", remote: "127.0.0.1:6379", peer: "redis", side: "client" as const, seenAtStart: true, seenAtEnd: true, coveredS: 5, roundTripsPerS: 18_300, bytesInPerS: 91_500, bytesOutPerS: 384_300, bytesInPerExchange: 5, bytesOutPerExchange: 21, requestsPerDay: 18_300 * 86_400 };

function withWire(): RunResult {
  const r = structuredClone(base);
  const wire: WireFigures = { source: "sock_diag tcp_info (ss -tanieHO)", connections: [conn], roundTripsPerS: 18_300, connectsPerS: 0, acceptsPerS: 0, shortLivedPerS: 0, roundTripsAtLeast: false, listening: [], unixSockets: 2, notes: ["2 unix-domain socket(s): their traffic cannot be seen on the wire"] };
  r.processes[0]!.wire = wire;
  r.processes[0]!.syscallsByType = { source: "perf stat (syscalls tracepoints)", perS: { sendto: 18_300, futex: 0 }, notes: [] };
  if (r.processes[1]) r.processes[1].wire = { ...wire, source: null, connections: [], roundTripsPerS: null, notes: ["`ss` (iproute2) is not installed"] };
  return r;
}

describe("Connections in report.md", () => {
  it("lists each connection with its peer, side, round trips/s, bytes per exchange and requests/day; says what it cannot see", () => {
    const md = renderRunMarkdown(withWire());
    const section = md.split("## Connections")[1]!.split("## CPU every")[0]!;
    const name = base.processes[0]!.name;
    expect(section).toContain(`| ${name} | redis | client | 18,300 | 5 | 21 | 1,581,120,000 |`);
    expect(section).toMatch(/unix-domain socket\(s\): their traffic cannot be seen/);
    expect(section).toContain("not installed");
    expect(section).toContain("### Syscalls by type");
    expect(section).toContain("`sendto`");
    expect(section).not.toContain("`futex`");
  });

  it("has no section for a result without wire evidence", () => {
    expect(renderRunMarkdown(base)).not.toContain("## Connections");
  });
});

describe("comparison figures", () => {
  it("take the busiest connection's round trips/s, and none without wire evidence", () => {
    expect(figuresOf([withWire(), withWire()]).busiestConnectionRoundTripsPerS?.median).toBe(18_300);
    expect(figuresOf([base]).busiestConnectionRoundTripsPerS).toBeNull();
  });
});
