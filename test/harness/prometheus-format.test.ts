import { describe, expect, it } from "vitest";
import { createServer } from "node:http";
import { ACCEPT, parsePrometheusText, parseSampleLine, scrapeMetrics } from "../../harness/sample/prometheus.js";

describe("Prometheus / OpenMetrics sample lines", () => {
  it("reads a sample with an exemplar as its own value, without the exemplar's labels", () => {
    expect(parseSampleLine('c_total{x="1"} 3 # {trace_id="abc"} 1.0')).toEqual({ name: "c_total", labels: { x: "1" }, value: 3 });
    expect(parseSampleLine('c_total{x="1"} 3 1700000000.5 # {trace_id="abc"} 1.0 1700000000.1')).toEqual({ name: "c_total", labels: { x: "1" }, value: 3 });
    expect(parseSampleLine("c_total 4 # {} 1")).toEqual({ name: "c_total", labels: {}, value: 4 });
  });
  it("keeps lines with negative and float timestamps", () => {
    expect(parseSampleLine("up 1 -1500")?.value).toBe(1);
    expect(parseSampleLine('up{a="b"} 2 1700000000.123')?.value).toBe(2);
    expect(parseSampleLine("up 1 1700000000000")?.value).toBe(1);
    expect(parseSampleLine("up 1 soon")).toBeUndefined();
  });
  it("unescapes \\\\ to a backslash, \\n to a newline and \\\" to a quote, in one pass", () => {
    // the text `a\\n` is a backslash followed by n, not a newline
    expect(parseSampleLine(String.raw`m{p="a\\n"} 1`)?.labels.p).toBe("a\\n");
    expect(parseSampleLine(String.raw`m{p="a\nb"} 1`)?.labels.p).toBe("a\nb");
    expect(parseSampleLine(String.raw`m{p="say \"hi\""} 1`)?.labels.p).toBe('say "hi"');
    expect(parseSampleLine(String.raw`m{p="C:\\dir\\"} 1`)?.labels.p).toBe("C:\\dir\\");
  });
  it("reads braces, commas and # inside label values, a trailing comma, and spaces", () => {
    expect(parseSampleLine('m{p="{a,b}#c", q = "x",} 7')).toEqual({ name: "m", labels: { p: "{a,b}#c", q: "x" }, value: 7 });
    expect(parseSampleLine("m +Inf")?.value).toBe(Infinity);
    expect(parseSampleLine("m NaN")?.value).toBeNaN();
  });
  it("skips broken lines", () => {
    for (const bad of ['m{p="x} 1', "m{p=x} 1", "m", "m 1 2 3", "{p=\"x\"} 1", "m one"]) expect(parseSampleLine(bad), bad).toBeUndefined();
  });
  it("stops at # EOF and reads OpenMetrics counters declared without _total", () => {
    const text = ['# TYPE c counter', 'c_total{x="1"} 3 # {trace_id="abc"} 1.0', "# EOF", "after_eof 9", ""].join("\n");
    const samples = parsePrometheusText(text);
    expect(samples).toEqual([{ name: "c_total", labels: { x: "1" }, value: 3 }]);
  });
});

describe("the scrape's Accept header", () => {
  it("asks for the Prometheus text format", async () => {
    let accept: string | undefined;
    const server = createServer((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("up 1\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      expect(await scrapeMetrics(`http://127.0.0.1:${port}/metrics`)).toEqual([{ name: "up", labels: {}, value: 1 }]);
      expect(accept).toBe(ACCEPT);
      expect(accept).toMatch(/^text\/plain;version=0\.0\.4/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
