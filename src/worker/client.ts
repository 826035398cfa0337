/** HTTP to the job server: one keep-alive connection per poll loop, and an SSE subscription. */
import { Agent, request, type ClientRequest, type IncomingMessage } from "node:http";

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
 * A Server-Sent Events subscription that reconnects with a small backoff when the stream drops.
 * Calls onJob for every `job` event, whatever its queue: the subscriber filters (a broadcast
 * wakes every subscriber, and each has to parse the event to find it is not for it).
 */
export class Subscription {
  private res?: IncomingMessage;
  private req?: ClientRequest;
  private stopped = false;
  private retryMs = 100;
  private retryTimer?: NodeJS.Timeout;
  private readonly agent = new Agent({ keepAlive: false });

  constructor(
    private readonly serverUrl: string,
    private readonly worker: string,
    private readonly queues: string[],
    private readonly onJob: (e: { id: number; queue: string }) => void,
    private readonly onStateChange: (connected: boolean, detail: string) => void = () => {},
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(`/events?worker=${encodeURIComponent(this.worker)}&queues=${encodeURIComponent(this.queues.join(","))}`, this.serverUrl);
    let retried = false;
    const retry = (detail: string): void => {
      if (retried || this.stopped) return;
      retried = true;
      this.scheduleRetry(detail);
    };
    const req = request(url, { agent: this.agent, headers: { accept: "text/event-stream" } }, (res) => {
      this.res = res;
      if (res.statusCode !== 200) {
        res.resume();
        res.on("close", () => retry(`events answered ${res.statusCode}`));
        return;
      }
      if (this.retryMs > 100) this.onStateChange(true, "events stream connected");
      this.retryMs = 100;
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let idx: number;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          this.handleBlock(block);
        }
      });
      res.on("close", () => retry("events stream closed"));
      res.on("error", () => retry("events stream failed"));
    });
    this.req = req;
    req.on("error", (err) => retry(`events: ${err.message}`));
    req.end();
  }

  private handleBlock(block: string): void {
    let event = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    }
    if (event !== "job" || !data) return;
    try {
      const e = JSON.parse(data) as { id?: unknown; queue?: unknown };
      if (typeof e.queue === "string" && typeof e.id === "number") this.onJob({ id: e.id, queue: e.queue });
    } catch {
      // a malformed event is ignored
    }
  }

  private scheduleRetry(detail: string): void {
    if (this.stopped) return;
    if (this.retryMs === 100) this.onStateChange(false, detail);
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.req?.destroy();
    this.res?.destroy();
    this.agent.destroy();
  }
}
