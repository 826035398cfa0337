/** The SQLite store: oldest-first claims per queue, one claim per job, an indexed poll query. */
import Database from "better-sqlite3";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DbOpenError, JobStore } from "../../src/server/store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("JobStore", () => {
  it("claims the oldest pending job of the asked queue, once", () => {
    const store = new JobStore(":memory:");
    const a1 = store.enqueue("a", { n: 1 }, 1000);
    store.enqueue("b", null, 1001);
    const a2 = store.enqueue("a", "x", 1002);
    expect(store.claim("a", "w", 2000)).toEqual({ id: a1.id, queue: "a", payload: { n: 1 }, enqueuedAt: 1000 });
    expect(store.claim("a", "w", 2001)?.id).toBe(a2.id);
    expect(store.claim("a", "w", 2002)).toBeUndefined();
    expect(store.complete(a1.id, 3000)).toBe(true);
    expect(store.complete(a1.id, 3001)).toBe(false);
    expect(store.complete(999, 3001)).toBe(false);
    store.close();
  });

  it("uses WAL and the (queue, state, id) index for the poll query", () => {
    const dir = mkdtempSync(join(tmpdir(), "store-test-"));
    dirs.push(dir);
    const path = join(dir, "jobs.db");
    const store = new JobStore(path);
    store.enqueue("a", null, 1);
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id, queue, payload, enqueued_at FROM jobs WHERE queue = ? AND state = 'pending' ORDER BY id LIMIT 1").all("a") as { detail: string }[];
    expect(plan.map((p) => p.detail).join(" ")).toMatch(/USING (COVERING )?INDEX jobs_queue_state/);
    db.close();
    store.close();
  });

  it("a default store is a temporary file, removed on close; a bad path is a DbOpenError", () => {
    const store = new JobStore();
    store.enqueue("a", null, 1);
    expect(store.path.startsWith(join(tmpdir(), "jobs-"))).toBe(true);
    expect(existsSync(store.path)).toBe(true);
    store.close();
    expect(existsSync(dirname(store.path))).toBe(false);
    expect(() => new JobStore("/nonexistent-dir/x/jobs.db")).toThrow(DbOpenError);
  });
});
