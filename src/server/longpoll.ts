/** Held long-polls, per queue, oldest first: an enqueue releases one; otherwise their timer does. */
import type { Metrics } from "./metrics.js";
import type { Job } from "./store.js";

export interface Waiter {
  worker: string;
  loop: string;
  /** answer the held poll with this job (claimed for it) or with nothing */
  finish(job: Job | undefined, released: "work" | "timeout" | "shutdown"): void;
}

export class LongPolls {
  private readonly byQueue = new Map<string, Set<Waiter>>();

  constructor(private readonly metrics: Metrics) {}

  /**
   * Hold a poll until `release` finds work for it, `waitMs` passes or the client goes away.
   * Resolves once the poll is answered (or abandoned).
   */
  hold(queue: string, worker: string, loop: string, waitMs: number, answer: (job: Job | undefined) => void, onClientGone: (cb: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      let set = this.byQueue.get(queue);
      if (!set) {
        set = new Set();
        this.byQueue.set(queue, set);
      }
      const waiters = set;
      const leave = (): boolean => {
        if (!waiters.delete(w)) return false;
        clearTimeout(timer);
        if (waiters.size === 0) this.byQueue.delete(queue);
        this.metrics.longPollsWaiting.dec();
        return true;
      };
      const w: Waiter = {
        worker,
        loop,
        finish: (job, released) => {
          if (!leave()) return;
          if (released !== "shutdown") this.metrics.longPolls.inc({ released });
          answer(job);
          resolve();
        },
      };
      const timer = setTimeout(() => w.finish(undefined, "timeout"), waitMs);
      waiters.add(w);
      this.metrics.longPollsWaiting.inc();
      onClientGone(() => {
        if (leave()) resolve();
      });
    });
  }

  /** A job arrived on `queue`: give it to the oldest held poll there, if any. */
  async release(queue: string, claim: (w: Waiter) => Job | undefined | Promise<Job | undefined>): Promise<void> {
    const set = this.byQueue.get(queue);
    if (!set) return;
    for (const w of set) {
      // SQLite answers at once (no timer can run in between); a Postgres claim is a round trip, during
      // which the poll may time out: the job is then claimed for a poll already answered (noted in README)
      const job = await claim(w);
      if (job) w.finish(job, "work");
      return;
    }
  }

  /** Answer every held poll with nothing (server shutting down). */
  closeAll(): void {
    for (const set of [...this.byQueue.values()]) for (const w of [...set]) w.finish(undefined, "shutdown");
  }
}
