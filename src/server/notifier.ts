/**
 * Work-available notifications over Server-Sent Events. off: streams stay open and silent;
 * broadcast: every enqueue goes to every subscriber (seed 002); targeted: only to subscribers of
 * the job's queue (seed 003). With a database bus (Postgres LISTEN/NOTIFY, notify-postgres.ts) an
 * enqueue is published to the database and every replica delivers what it hears to its own subscribers:
 * broadcast on its own channel; targeted on the queue's channel, which the store's enqueue notifies
 * itself (store-postgres.ts), so nothing more is published for it here.
 */
import type { ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";
import { BROADCAST_CHANNEL, queueChannel, type PostgresBus } from "./notify-postgres.js";

export type NotifyMode = "off" | "broadcast" | "targeted";

interface Subscriber {
  res: ServerResponse;
  queues: Set<string>;
}

export class Notifier {
  private readonly subscribers = new Set<Subscriber>();
  private heartbeat?: NodeJS.Timeout;
  private bus?: PostgresBus;

  constructor(private readonly mode: NotifyMode, private readonly metrics: Metrics, heartbeatMs: number) {
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const s of this.subscribers) s.res.write(": heartbeat\n\n");
      }, heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** Relay through the database from now on (broadcast: one channel; targeted: a channel per watched queue). */
  attachBus(bus: PostgresBus): void {
    this.bus = bus;
    if (this.mode === "broadcast") void bus.watch(BROADCAST_CHANNEL);
  }

  subscribe(res: ServerResponse, queues: string[]): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": subscribed\n\n");
    const sub: Subscriber = { res, queues: new Set(queues) };
    this.subscribers.add(sub);
    this.metrics.sseSubscribers.set(this.subscribers.size);
    const watched = this.bus && this.mode === "targeted" ? [...sub.queues].map(queueChannel) : [];
    for (const c of watched) void this.bus?.watch(c);
    res.on("close", () => {
      for (const c of watched) this.bus?.unwatch(c);
      this.subscribers.delete(sub);
      this.metrics.sseSubscribers.set(this.subscribers.size);
    });
  }

  publish(job: { id: number; queue: string }): void {
    if (!this.bus || this.mode === "off") return this.deliver(job);
    // every replica (this one too) hears it from the database and delivers it to its own subscribers;
    // targeted: the enqueue's own NOTIFY on the queue's channel is the one they hear
    if (this.mode === "broadcast") this.bus.publish(BROADCAST_CHANNEL, job).catch(() => {});
  }

  /** A job heard on a queue's channel: delivered to this process's subscribers when notifications are targeted. */
  heardOnQueueChannel(job: { id: number; queue: string }): void {
    if (this.bus && this.mode === "targeted") this.deliver(job);
  }

  /** Deliver a job to this process's subscribers. */
  deliver(job: { id: number; queue: string }): void {
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

  /** Ends the streams (the bus is the server's to close). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
  }
}
