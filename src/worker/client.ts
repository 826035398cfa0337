/** HTTP to the job server: one keep-alive connection per poll loop, and an SSE subscription. */
import { Agent, request, type IncomingMessage } from "node:http";

export interface PolledJob {
  id: number;
  queue: string;
  payload: unknown;
  enqueuedAt: number;
}

export class ServerClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly base: URL;

  constructor(serverUrl: string) {
    this.base = new URL(serverUrl);
  }

  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; body: T }> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.base),
        { method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) }, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8");
            try {
              resolve({ status: res.statusCode ?? 0, body: (raw ? JSON.parse(raw) : {}) as T });
            } catch {
              reject(new Error(`bad JSON from ${path}: ${raw.slice(0, 100)}`));
            }
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(text);
    });
  }

  async poll(body: { worker: string; loop: string; queue: string; waitMs?: number; notified?: boolean }, signal?: AbortSignal): Promise<PolledJob | null> {
    const r = await this.postJson<{ job: PolledJob | null; error?: string }>("/poll", body, signal);
    if (r.status !== 200) throw new Error(`poll answered ${r.status}: ${r.body.error ?? ""}`);
    return r.body.job;
  }

  async complete(id: number, worker: string, signal?: AbortSignal): Promise<void> {
    const r = await this.postJson<{ error?: string }>(`/jobs/${id}/complete`, { worker }, signal);
    if (r.status !== 200) throw new Error(`complete answered ${r.status}: ${r.body.error ?? ""}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A Server-Sent Events subscription that reconnects. Calls onJob for every `job` event, whatever
 * its queue: the subscriber filters (a broadcast wakes every subscriber).
 */
export class Subscription {
  private res?: IncomingMessage;
  private stopped = false;
  private retryMs = 100;
  private readonly agent = new Agent({ keepAlive: false });

  constructor(private readonly serverUrl: string, private readonly worker: string, private readonly queues: string[], private readonly onJob: (e: { id: number; queue: string }) => void) {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(`/events?worker=${encodeURIComponent(this.worker)}&queues=${encodeURIComponent(this.queues.join(","))}`, this.serverUrl);
    const req = request(url, { agent: this.agent }, (res) => {
      this.res = res;
      this.retryMs = 100;
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let idx: number;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: job$/m.test(block) && data) {
            try {
              this.onJob(JSON.parse(data) as { id: number; queue: string });
            } catch {
              // ignore a malformed event
            }
          }
        }
      });
      res.on("close", () => this.retry());
    });
    req.on("error", () => this.retry());
    req.end();
  }

  private retry(): void {
    if (this.stopped) return;
    const t = setTimeout(() => this.connect(), this.retryMs);
    t.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  close(): void {
    this.stopped = true;
    this.res?.destroy();
    this.agent.destroy();
  }
}
