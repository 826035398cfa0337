/**
 * Notifications through the database, so every replica of the server hears an enqueue made on any
 * of them: Postgres LISTEN/NOTIFY (as graphile-worker, River and Oban use it).
 * broadcast: one channel, every replica listens and relays each job to all its subscribers.
 * targeted: one channel per queue, a replica listens only on the queues its subscribers want.
 */
import { createHash } from "node:crypto";
import pg from "pg";

export const BROADCAST_CHANNEL = "harness_jobs";

/** The channel of one queue: an identifier of at most 63 bytes (long or odd names are hashed). */
export function queueChannel(queue: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(queue) ? `harness_q_${queue}` : `harness_qh_${createHash("sha1").update(queue).digest("hex")}`;
}

export interface JobNote {
  id: number;
  queue: string;
}

export class PostgresBus {
  private readonly listening = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly listener: pg.Client,
    private readonly publisher: pg.Pool,
    private readonly onJob: (job: JobNote) => void,
  ) {
    listener.on("notification", (msg) => {
      if (!msg.payload) return;
      try {
        const j = JSON.parse(msg.payload) as JobNote;
        if (typeof j.id === "number" && typeof j.queue === "string") this.onJob(j);
      } catch {
        // not ours: ignore
      }
    });
    listener.on("error", () => {});
  }

  /** A dedicated listening connection; `publisher` (the store's pool) sends the NOTIFYs. */
  static async open(url: string, publisher: pg.Pool, onJob: (job: JobNote) => void): Promise<PostgresBus> {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    return new PostgresBus(listener, publisher, onJob);
  }

  async publish(channel: string, job: JobNote): Promise<void> {
    await this.publisher.query({ name: "notify", text: "SELECT pg_notify($1, $2)", values: [channel, JSON.stringify({ id: job.id, queue: job.queue })] });
  }

  /** LISTEN on a channel (counted: a second watcher of the same channel costs nothing). */
  watch(channel: string): void {
    const n = this.listening.get(channel) ?? 0;
    this.listening.set(channel, n + 1);
    if (n === 0 && !this.closed) this.listener.query(`LISTEN ${this.listener.escapeIdentifier(channel)}`).catch(() => {});
  }

  unwatch(channel: string): void {
    const n = this.listening.get(channel) ?? 0;
    if (n <= 1) {
      this.listening.delete(channel);
      if (n === 1 && !this.closed) this.listener.query(`UNLISTEN ${this.listener.escapeIdentifier(channel)}`).catch(() => {});
    } else this.listening.set(channel, n - 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener.end().catch(() => {});
  }
}
