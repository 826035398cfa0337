/**
 * Scrape and parse the Prometheus text exposition format. Hand-written (about 90 lines) because the
 * parsers on npm are unmaintained; we need only samples with labels, not HELP/TYPE metadata.
 */
import { request } from "node:http";
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text format the scrape asks for: the classic Prometheus text (any server that has metrics serves it). */
export const ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1";

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const SPACE = /[ \t]*/y;

/** `\\` is a backslash, `\"` a quote, `\n` a newline; any other escape is kept as written. */
function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (m, c: string) => (c === "\\" ? "\\" : c === '"' ? '"' : c === "n" ? "\n" : m));
}

function take(re: RegExp, line: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(line);
  return m ? m[0] : undefined;
}

/** One sample line: name, labels, value; a timestamp (any sign, float) and an exemplar (`# {...} v [ts]`) are read past. */
export function parseSampleLine(line: string): PromSample | undefined {
  const name = take(NAME, line, 0);
  if (!name) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  i += (take(SPACE, line, i) ?? "").length;
  if (line[i] === "{") {
    i++;
    for (;;) {
      i += (take(SPACE, line, i) ?? "").length;
      if (line[i] === "}") {
        i++;
        break;
      }
      const key = take(LABEL_NAME, line, i);
      if (!key) return undefined;
      i += key.length;
      i += (take(SPACE, line, i) ?? "").length;
      if (line[i] !== "=") return undefined;
      i++;
      i += (take(SPACE, line, i) ?? "").length;
      if (line[i] !== '"') return undefined;
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (j >= line.length) return undefined;
      labels[key] = unescapeLabel(line.slice(i + 1, j));
      i = j + 1;
      i += (take(SPACE, line, i) ?? "").length;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") return undefined;
    }
  }
  // after the labels: value [timestamp] [# exemplar]
  const hash = line.indexOf("#", i);
  const rest = (hash >= 0 ? line.slice(i, hash) : line.slice(i)).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") return undefined;
  const v = rest[0] as string;
  const value = v === "+Inf" || v === "Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v);
  if (Number.isNaN(value) && v !== "NaN") return undefined;
  if (rest.length === 2 && !Number.isFinite(Number(rest[1]))) return undefined;
  return { name, labels, value };
}

/**
 * Samples of the text (Prometheus text format 0.0.4, and OpenMetrics as far as samples go: `# EOF`
 * ends it, exemplars are ignored). A metric declared by `# TYPE` but with no series yet (a labelled
 * counter never incremented) gets one zero sample, so "declared but zero" differs from "not exposed".
 */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  const declared = new Set<string>();
  const seen = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "# EOF") break;
    const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
    if (type) {
      const n = type[1] as string;
      declared.add(type[2] === "histogram" ? `${n}_count` : n);
    }
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseSampleLine(line);
    if (!sample) continue;
    out.push(sample);
    seen.add(sample.name);
  }
  // an OpenMetrics counter `c` is exposed as `c_total`
  for (const n of declared) if (!seen.has(n) && !seen.has(`${n}_total`)) out.push({ name: n, labels: {}, value: 0 });
  return out;
}

export async function scrapeMetrics(url: string, timeoutMs = 5000): Promise<PromSample[]> {
  if (new URL(url).protocol !== "http:") {
    // https and the rest: fetch (its first call loads undici, tens of ms, once)
    const res = await fetch(url, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    return parseOrThrow(url, await res.text());
  }
  return parseOrThrow(url, await httpGet(url, timeoutMs));
}

/**
 * A page with no sample at all is not a Prometheus endpoint (an HTML page, a wrong path answered
 * 200): a failed scrape, so its counters read as not measured rather than as zero.
 */
function parseOrThrow(url: string, body: string): PromSample[] {
  const samples = parsePrometheusText(body);
  if (samples.length === 0) {
    const start = JSON.stringify(body.slice(0, 40)).slice(1, -1);
    throw new Error(`GET ${url} answered ${body.length} bytes with no Prometheus sample (not the text exposition format; it starts "${start}")`);
  }
  return samples;
}

/**
 * GET over plain http with node:http: fetch would load undici into the harness at the first scrape
 * (63–72 ms of CPU, bench/harness-cost-findings.md). The global agent keeps the connection alive
 * between scrapes, as fetch does. Redirects are not followed (a /metrics endpoint does not redirect).
 */
function httpGet(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers: { accept: ACCEPT } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(new Error(`GET ${url} answered ${status}`));
        return;
      }
      res.setEncoding("utf8");
      let body = "";
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** A scrape that records its failure in `problems` instead of throwing. */
export async function tryScrape(url: string, problems: string[]): Promise<PromSample[] | undefined> {
  try {
    return await scrapeMetrics(url);
  } catch (err) {
    problems.push(`could not scrape ${url}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Sum of every series of a metric whose labels include `match`. */
export function sumMetric(samples: PromSample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (labelsMatch(s.labels, match)) total += s.value;
  }
  return total;
}

/** Series of one metric grouped by the value of one label, summed. */
export function sumBy(samples: PromSample[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = s.labels[label] ?? "";
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/**
 * Cumulative histogram buckets (le → count) of a metric, summed over series that match.
 * Returns them sorted by bound.
 */
export function histogramBuckets(samples: PromSample[], name: string, match: Record<string, string> = {}): { le: number; count: number }[] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    if (!labelsMatch(s.labels, match)) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** Whether a sample's labels include every label of `match`. */
export function labelsMatch(labels: Record<string, string>, match: Record<string, string>): boolean {
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A counter's increase between two scrapes, series by series, and whether any series went down. */
export interface CounterIncrease {
  /** the sum over matching series; a series that went down counts its post-reset value (Prometheus increase() convention) */
  increase: number;
  /** some series went down: the process behind the endpoint restarted */
  reset: boolean;
  /** series present (non-zero) in `start` and gone from `end`: a restart, or a server that drops idle series; their increase is unknown and not counted */
  vanished: number;
}

/**
 * The increase of counter `name` (series whose labels include `match`) from `start` to `end`,
 * compared series by series (the same labels), so a reset in one series is not hidden by growth in
 * another. A counter only goes down when its process restarts. A series missing from `end` is
 * counted apart (`vanished`), as Prometheus does not count it either.
 */
export function counterIncrease(start: PromSample[], end: PromSample[], name: string, match: Record<string, string> = {}): CounterIncrease {
  const before = new Map<string, number>();
  for (const s of start) if (s.name === name && labelsMatch(s.labels, match)) before.set(seriesKey(s.labels), s.value);
  let increase = 0;
  let reset = false;
  const seen = new Set<string>();
  for (const s of end) {
    if (s.name !== name || !labelsMatch(s.labels, match)) continue;
    const key = seriesKey(s.labels);
    seen.add(key);
    const b = before.get(key) ?? 0;
    if (s.value < b) {
      reset = true;
      increase += s.value;
    } else increase += s.value - b;
  }
  let vanished = 0;
  for (const [key, v] of before) if (!seen.has(key) && v > 0) vanished++;
  return { increase, reset, vanished };
}

/**
 * The samples of several processes of one service (server replicas) as one: values of the same
 * name and labels summed (counters and histogram buckets add up; a gauge becomes the total).
 */
export function sumScrapes(scrapes: PromSample[][]): PromSample[] {
  if (scrapes.length === 1) return scrapes[0] as PromSample[];
  const byKey = new Map<string, PromSample>();
  for (const list of scrapes) {
    for (const s of list) {
      const key = `${s.name}{${Object.entries(s.labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}}`;
      const had = byKey.get(key);
      if (had) had.value += s.value;
      else byKey.set(key, { name: s.name, labels: s.labels, value: s.value });
    }
  }
  return [...byKey.values()];
}

/** Scrape every replica and sum them; any one failing fails the whole scrape. */
export async function scrapeAll(urls: string[]): Promise<PromSample[]> {
  return sumScrapes(await Promise.all(urls.map((u) => scrapeMetrics(u))));
}

/** scrapeAll, with a failure written into `problems` (naming the replica that failed) instead of thrown. */
export async function tryScrapeAll(urls: string[], problems: string[]): Promise<PromSample[] | undefined> {
  const lists: PromSample[][] = [];
  for (const u of urls) {
    const one = await tryScrape(u, problems);
    if (!one) return undefined;
    lists.push(one);
  }
  return sumScrapes(lists);
}
