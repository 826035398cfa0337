/**
 * Notifications through the database, so every replica of the server hears an enqueue made on any
 * of them: Postgres LISTEN/NOTIFY (as graphile-worker, River and Oban use it).
 * broadcast: one channel, every replica listens and relays each job to all its subscribers.
 * targeted: one channel per queue, a replica listens only on the queues its subscribers want.
 * The queue's channel also wakes held long-polls (longpoll.ts): the store's enqueue notifies it in
 * the same statement as the insert (store-postgres.ts), so it is delivered when the job is committed.
 */
import { createHash } from "node:crypto";
import pg from "pg";

export const BROADCAST_CHANNEL = "harness_jobs";
/** The longest a long-poll waits for its queue's LISTEN to be acknowledged before it goes on regardless. */
const LISTEN_WAIT_MS = 5000;

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
  /** per channel: its LISTEN, settled once the database has it (a NOTIFY before that is not heard) */
  private readonly listened = new Map<string, Promise<void>>();
  private closed = false;
  /** why the listening connection was lost (an error, or the database ended it); undefined while it works */
  private lost?: string;
  /** called once when the listening connection is lost (not on close()) */
  onLost?: (why: string) => void;

  private constructor(
    private readonly listener: pg.Client,
    private readonly publisher: pg.Pool,
    private readonly onJob: (job: JobNote, channel: string) => void,
  ) {
    listener.on("notification", (msg) => {
      if (!msg.payload) return;
      try {
        const j = JSON.parse(msg.payload) as JobNote;
        if (typeof j.id === "number" && typeof j.queue === "string") this.onJob(j, msg.channel);
      } catch {
        // not ours: ignore
      }
    });
    // pg emits 'error' for a connection that broke (and never reconnects): from then on nothing is heard
    listener.on("error", (err: Error) => this.lose(err.message));
    listener.on("end", () => this.lose("the database ended the connection"));
  }

  /** Whether notifications are still heard: false after close() or once the listening connection was lost. */
  get alive(): boolean {
    return !this.closed && this.lost === undefined;
  }

  private lose(why: string): void {
    if (this.closed || this.lost !== undefined) return;
    this.lost = why;
    this.onLost?.(why);
  }

  /** A dedicated listening connection; `publisher` (the store's pool) sends the NOTIFYs. */
  static async open(url: string, publisher: pg.Pool, onJob: (job: JobNote, channel: string) => void): Promise<PostgresBus> {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    return new PostgresBus(listener, publisher, onJob);
  }

  async publish(channel: string, job: JobNote): Promise<void> {
    await this.publisher.query({ name: "notify", text: "SELECT pg_notify($1, $2)", values: [channel, JSON.stringify({ id: job.id, queue: job.queue })] });
  }

  /**
   * LISTEN on a channel (counted: a second watcher of the same channel costs nothing). Resolves once
   * the database has the LISTEN, or after LISTEN_WAIT_MS without an answer (never rejects: a failed
   * LISTEN only means nothing is heard, and a poll is never held up by it for longer than that).
   */
  watch(channel: string): Promise<void> {
    const n = this.listening.get(channel) ?? 0;
    this.listening.set(channel, n + 1);
    if (n === 0 && this.alive) {
      const listen = this.listener.query(`LISTEN ${this.listener.escapeIdentifier(channel)}`).then(
        () => {},
        () => {},
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, LISTEN_WAIT_MS);
        timer.unref();
      });
      this.listened.set(
        channel,
        Promise.race([listen, late]).finally(() => clearTimeout(timer)),
      );
    }
    return this.listened.get(channel) ?? Promise.resolve();
  }

  unwatch(channel: string): void {
    const n = this.listening.get(channel) ?? 0;
    if (n <= 1) {
      this.listening.delete(channel);
      this.listened.delete(channel);
      if (n === 1 && this.alive) this.listener.query(`UNLISTEN ${this.listener.escapeIdentifier(channel)}`).catch(() => {});
    } else this.listening.set(channel, n - 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener.end().catch(() => {});
  }
}
