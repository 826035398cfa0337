/**
 * Work-available notifications over Server-Sent Events. off: streams stay open and silent;
 * broadcast: every enqueue goes to every subscriber (seed 002); targeted: only to subscribers of
 * the job's queue (seed 003).
 */
import type { ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";

export type NotifyMode = "off" | "broadcast" | "targeted";

interface Subscriber {
  res: ServerResponse;
  queues: Set<string>;
}

export class Notifier {
  private readonly subscribers = new Set<Subscriber>();
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly mode: NotifyMode, private readonly metrics: Metrics, heartbeatMs: number) {
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const s of this.subscribers) s.res.write(": heartbeat\n\n");
      }, heartbeatMs);
      this.heartbeat.unref();
    }
  }

  subscribe(res: ServerResponse, queues: string[]): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": subscribed\n\n");
    const sub: Subscriber = { res, queues: new Set(queues) };
    this.subscribers.add(sub);
    this.metrics.sseSubscribers.set(this.subscribers.size);
    res.on("close", () => {
      this.subscribers.delete(sub);
      this.metrics.sseSubscribers.set(this.subscribers.size);
    });
  }

  publish(job: { id: number; queue: string }): void {
    let own = 0;
    for (const s of this.subscribers) if (s.queues.has(job.queue)) own++;
    this.metrics.queueSubscribersAtEnqueue.inc(own);
    if (this.mode === "off") return;
    const data = `event: job\ndata: ${JSON.stringify({ id: job.id, queue: job.queue })}\n\n`;
    for (const s of this.subscribers) {
      if (this.mode === "targeted" && !s.queues.has(job.queue)) continue;
      s.res.write(data);
      this.metrics.notificationsSent.inc();
    }
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
  }
}
