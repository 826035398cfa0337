/** Request bodies: read JSON up to a size limit, and check fields, as 4xx errors rather than crashes. */
import type { IncomingMessage, ServerResponse } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_STRING = 200;

/** Read a JSON body; over `max` bytes → 413 (the rest is drained, not kept), bad JSON → 400, empty → {}. */
export function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    let tooBig = Number.isFinite(declared) && declared > max;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > max) {
        tooBig = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on("end", () => {
      if (tooBig) return reject(new HttpError(413, `body over ${max} bytes`));
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "malformed JSON body"));
      }
    });
    req.on("error", reject);
  });
}

function objectOf(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, "expected a JSON object");
  return body as Record<string, unknown>;
}

export function stringField(body: unknown, name: string): string;
export function stringField(body: unknown, name: string, optional: true): string | undefined;
export function stringField(body: unknown, name: string, optional = false): string | undefined {
  const v = objectOf(body)[name];
  if (v === undefined && optional) return undefined;
  if (v === undefined) throw new HttpError(400, `missing field "${name}"`);
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_STRING) throw new HttpError(400, `field "${name}" must be a non-empty string of at most ${MAX_STRING} characters`);
  return v;
}

export function numberField(body: unknown, name: string, min: number, max: number): number | undefined {
  const v = objectOf(body)[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new HttpError(400, `field "${name}" must be a number from ${min} to ${max}`);
  return v;
}

export function booleanField(body: unknown, name: string): boolean | undefined {
  const v = objectOf(body)[name];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw new HttpError(400, `field "${name}" must be true or false`);
  return v;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
