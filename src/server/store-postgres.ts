/**
 * The Postgres job store: every poll is a real query over the network to a database server, the way
 * pg-boss, graphile-worker, River and Oban poll. A claim is one statement (one transaction): the
 * oldest pending job of the queue, locked with FOR UPDATE SKIP LOCKED so replicas never claim the
 * same job, found through an index on (queue, state, id). An enqueue notifies the queue's channel in
 * the same statement (delivered at its commit, so a listener that hears it can claim the job), as
 * graphile-worker's insert trigger does: every replica holding a long-poll (or, targeted, an SSE
 * subscriber) on that queue hears it.
 */
import pg from "pg";
import { queueChannel } from "./notify-postgres.js";
import { DbOpenError, type Job, type Store } from "./store.js";

interface Row {
  id: string;
  queue: string;
  payload: unknown;
  enqueued_at: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS harness_jobs (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    payload JSONB NOT NULL DEFAULT 'null',
    enqueued_at DOUBLE PRECISION NOT NULL,
    claimed_at DOUBLE PRECISION,
    claimed_by TEXT,
    completed_at DOUBLE PRECISION
  );
  CREATE INDEX IF NOT EXISTS harness_jobs_queue_state ON harness_jobs (queue, state, id);
`;

const ENQUEUE = `
  WITH job AS (INSERT INTO harness_jobs (queue, payload, enqueued_at) VALUES ($1, $2, $3) RETURNING id)
  SELECT id, pg_notify($4, json_build_object('id', id, 'queue', $1::text)::text) FROM job`;

const CLAIM = `
  UPDATE harness_jobs SET state = 'claimed', claimed_at = $2, claimed_by = $3
  WHERE id = (
    SELECT id FROM harness_jobs WHERE queue = $1 AND state = 'pending'
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
  )
  RETURNING id, queue, payload, enqueued_at`;

/** An arbitrary constant: the advisory lock replicas take so only one creates the schema at a time. */
const SCHEMA_LOCK = 14_014;

/** The database URL with any password hidden, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export class PostgresStore implements Store {
  private constructor(readonly pool: pg.Pool) {}

  /** Connect, create the table and index if missing; a database that refuses is a DbOpenError. */
  static async open(url: string, poolSize = 10): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 0 });
    // an idle connection dropped by the database (its shutdown at the end of a run) must not crash the server
    pool.on("error", () => {});
    try {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await c.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
        await c.query(SCHEMA);
        await c.query("COMMIT");
      } finally {
        c.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw new DbOpenError(`cannot use the database at ${safeUrl(url)}: ${(err as Error).message}`);
    }
    return new PostgresStore(pool);
  }

  async enqueue(queue: string, payload: unknown, now: number): Promise<Job> {
    const r = await this.pool.query<{ id: string }>({ name: "enqueue", text: ENQUEUE, values: [queue, JSON.stringify(payload ?? null), now, queueChannel(queue)] });
    return { id: Number(r.rows[0]?.id), queue, payload: payload ?? null, enqueuedAt: now };
  }

  async claim(queue: string, worker: string, now: number): Promise<Job | undefined> {
    const r = await this.pool.query<Row>({ name: "claim", text: CLAIM, values: [queue, now, worker] });
    const row = r.rows[0];
    return row ? { id: Number(row.id), queue: row.queue, payload: row.payload, enqueuedAt: row.enqueued_at } : undefined;
  }

  async complete(id: number, now: number): Promise<boolean> {
    const r = await this.pool.query({ name: "complete", text: "UPDATE harness_jobs SET state = 'done', completed_at = $1 WHERE id = $2 AND state = 'claimed'", values: [now, id] });
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
