/** Small helpers for the reference-system tests: raw HTTP, reading /metrics, waiting for a condition. */
import { request } from "node:http";

export interface Reply {
  status: number;
  text: string;
  json: unknown;
}

export function http(url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON (e.g. /metrics)
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const post = (base: string, path: string, body: unknown): Promise<Reply> => http(base + path, "POST", JSON.stringify(body));

/** Sum of every sample of `name` whose labels include all of `labels`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = m[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => got.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export async function scrape(base: string): Promise<string> {
  return (await http(`${base}/metrics`, "GET")).text;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
