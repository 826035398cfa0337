/**
 * A small client for a Prometheus server's HTTP API (/api/v1/query, /api/v1/query_range): each call
 * with a timeout, counted and timed (the cost of an attach is stated in its report), and every
 * failure turned into one clear line: the server unreachable, a query it rejected, a timeout.
 * fetch (undici) costs tens of ms of CPU to load once; an attach against Prometheus is one-shot.
 */
import { RunError } from "../util/errors.js";

/** One series of a range-vector or query_range answer: its labels and [unix seconds, value] points. */
export interface PromSeries {
  labels: Record<string, string>;
  points: [number, number][];
}

/** One series of an instant-vector answer. */
export interface PromInstant {
  labels: Record<string, string>;
  value: number;
}

export interface QueryCost {
  query: string;
  seconds: number;
  series: number;
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType?: string; result?: unknown };
}

interface RawSeries {
  metric?: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

const num = (v: string): number => (v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v));

export class PrometheusClient {
  readonly base: URL;
  readonly costs: QueryCost[] = [];
  readonly warnings: string[] = [];

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    const u = new URL(url);
    // accept http://host:9090, http://host:9090/ and a path prefix (http://host/prometheus)
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    this.base = u;
  }

  /** An instant query at `time` (unix seconds). A range-vector selector answers with raw samples. */
  async query(query: string, time: number): Promise<{ matrix: PromSeries[]; vector: PromInstant[] }> {
    const data = await this.call("api/v1/query", { query, time: time.toFixed(3) }, query);
    return parseResult(data, query);
  }

  /** query_range: the expression evaluated every `stepS` from start to end (unix seconds). */
  async queryRange(query: string, start: number, end: number, stepS: number): Promise<PromSeries[]> {
    const data = await this.call("api/v1/query_range", { query, start: start.toFixed(3), end: end.toFixed(3), step: String(stepS) }, query);
    return parseResult(data, query).matrix;
  }

  get querySeconds(): number {
    return this.costs.reduce((s, c) => s + c.seconds, 0);
  }

  private async call(path: string, params: Record<string, string>, query: string): Promise<ApiAnswer["data"]> {
    const url = new URL(path, this.base);
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", body: new URLSearchParams(params), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new RunError(`could not reach Prometheus at ${this.base.href}: ${reason(err, this.timeoutMs)}`);
    }
    const text = await res.text();
    let body: ApiAnswer;
    try {
      body = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new RunError(`${this.base.href} answered ${res.status} with something that is not the Prometheus API (${JSON.stringify(text.slice(0, 80))}): is it a Prometheus server?`);
    }
    if (body.status !== "success") {
      const what = body.errorType === "bad_data" ? "rejected the query" : `failed the query (${body.errorType ?? res.status})`;
      throw new RunError(`Prometheus ${what} ${query}: ${body.error ?? `status ${res.status}`}`);
    }
    for (const w of body.warnings ?? []) if (!this.warnings.includes(w)) this.warnings.push(w);
    const data = body.data;
    const result = Array.isArray(data?.result) ? (data?.result as unknown[]) : [];
    this.costs.push({ query, seconds: (performance.now() - t0) / 1000, series: result.length });
    return data;
  }
}

function reason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  if (e.cause?.code === "ECONNREFUSED") return "connection refused (is it running, on that port?)";
  if (e.cause?.code === "ENOTFOUND") return "unknown host";
  return e.cause?.message ?? e.message ?? String(err);
}

function parseResult(data: ApiAnswer["data"], query: string): { matrix: PromSeries[]; vector: PromInstant[] } {
  const raw = (Array.isArray(data?.result) ? data.result : []) as RawSeries[];
  if (data?.resultType === "matrix") {
    return { matrix: raw.map((s) => ({ labels: s.metric ?? {}, points: (s.values ?? []).map(([t, v]) => [t, num(v)] as [number, number]) })), vector: [] };
  }
  if (data?.resultType === "vector") {
    return { matrix: [], vector: raw.map((s) => ({ labels: s.metric ?? {}, value: num(s.value?.[1] ?? "NaN") })) };
  }
  throw new RunError(`Prometheus answered ${query} with a ${data?.resultType ?? "missing"} result, expected a matrix or a vector`);
}
