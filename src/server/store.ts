/**
 * The job store. `Store` is what the server needs from one; `JobStore` is the default, SQLite through
 * better-sqlite3 (embedded: a poll is an in-process query of microseconds); store-postgres.ts is the
 * other, a real query over the network per poll.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Job {
  id: number;
  queue: string;
  payload: unknown;
  enqueuedAt: number;
}

interface Row {
  id: number;
  queue: string;
  payload: string;
  enqueued_at: number;
}

type Maybe<T> = T | Promise<T>;

/** A job store: SQLite answers at once, Postgres with a promise; the server awaits either. */
export interface Store {
  enqueue(queue: string, payload: unknown, now: number): Maybe<Job>;
  /** Claim the oldest pending job of a queue, or undefined when it is empty. */
  claim(queue: string, worker: string, now: number): Maybe<Job | undefined>;
  complete(id: number, now: number): Maybe<boolean>;
  close(): Maybe<void>;
}

/** The database could not be opened or set up (bad path, not a SQLite file, no permission). */
export class DbOpenError extends Error {}

export class JobStore implements Store {
  private readonly db: Database.Database;
  private readonly tempDir?: string;
  /** the database file (a temporary one unless given), or ":memory:" */
  readonly path: string;
  private readonly insertStmt: Database.Statement<[string, string, number]>;
  private readonly nextStmt: Database.Statement<[string], Row>;
  private readonly claimStmt: Database.Statement<[number, string, number]>;
  private readonly completeStmt: Database.Statement<[number, number]>;
  private readonly claimTx: (queue: string, worker: string, now: number) => Row | undefined;

  constructor(path?: string) {
    if (!path) {
      this.tempDir = mkdtempSync(join(tmpdir(), "jobs-"));
      path = join(this.tempDir, "jobs.db");
    }
    this.path = path;
    try {
      this.db = new Database(path);
      if (path !== ":memory:") {
        this.db.pragma("journal_mode = WAL");
        this.db.pragma("synchronous = NORMAL");
      }
      this.createSchema();
    } catch (err) {
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
      throw new DbOpenError(`cannot open "${path}": ${(err as Error).message}`);
    }
    this.insertStmt = this.db.prepare<[string, string, number]>("INSERT INTO jobs (queue, payload, enqueued_at) VALUES (?, ?, ?)");
    this.nextStmt = this.db.prepare<[string], Row>("SELECT id, queue, payload, enqueued_at FROM jobs WHERE queue = ? AND state = 'pending' ORDER BY id LIMIT 1");
    this.claimStmt = this.db.prepare<[number, string, number]>("UPDATE jobs SET state = 'claimed', claimed_at = ?, claimed_by = ? WHERE id = ? AND state = 'pending'");
    this.completeStmt = this.db.prepare<[number, number]>("UPDATE jobs SET state = 'done', completed_at = ? WHERE id = ? AND state = 'claimed'");
    this.claimTx = this.db.transaction((queue: string, worker: string, now: number): Row | undefined => {
      const row = this.nextStmt.get(queue);
      if (!row) return undefined;
      this.claimStmt.run(now, worker, row.id);
      return row;
    });
  }

  private createSchema(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        payload TEXT NOT NULL DEFAULT 'null',
        enqueued_at REAL NOT NULL,
        claimed_at REAL,
        claimed_by TEXT,
        completed_at REAL
      );
      CREATE INDEX IF NOT EXISTS jobs_queue_state ON jobs (queue, state, id);
    `);
  }

  enqueue(queue: string, payload: unknown, now: number): Job {
    const info = this.insertStmt.run(queue, JSON.stringify(payload ?? null), now);
    return { id: Number(info.lastInsertRowid), queue, payload: payload ?? null, enqueuedAt: now };
  }

  /** Claim the oldest pending job of a queue, or undefined when it is empty. */
  claim(queue: string, worker: string, now: number): Job | undefined {
    const row = this.claimTx(queue, worker, now);
    return row ? { id: row.id, queue: row.queue, payload: JSON.parse(row.payload) as unknown, enqueuedAt: row.enqueued_at } : undefined;
  }

  complete(id: number, now: number): boolean {
    return this.completeStmt.run(now, id).changes > 0;
  }

  close(): void {
    this.db.close();
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}
