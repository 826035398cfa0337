/**
 * Held long-polls, per queue, oldest first. A job for a queue wakes one held poll of it that is not
 * already claiming; the poll claims for itself, and one that finds nothing (another took the job)
 * keeps waiting until its deadline.
 *
 * Alone (SQLite) the server wakes a poll itself on each enqueue. With a relay (Postgres: the
 * enqueue's NOTIFY on the queue's channel, heard by every replica, as graphile-worker, River and
 * Oban do), every replica holding a poll of that queue wakes one, they race to claim with
 * FOR UPDATE SKIP LOCKED, and one wins: each wake-up is counted as a poll triggered by a
 * notification, and each that lost as an empty one (a wasted wake-up).
 */
import type { Metrics } from "./metrics.js";
import type { Job } from "./store.js";

type Claim = () => Job | undefined | Promise<Job | undefined>;
type Released = "work" | "timeout" | "shutdown";

/** Where the jobs of other replicas are heard: listen() settles once a notification sent after it will be heard. */
export interface Relay {
  listen(queue: string): Promise<void>;
  unlisten(queue: string): void;
}

interface Waiter {
  worker: string;
  loop: string;
  claim: Claim;
  /** a claim of its own is in flight: a second job goes to another waiter, its deadline waits for the answer */
  claiming: boolean;
  /** its deadline passed while it was claiming */
  expired: boolean;
  /** answer the held poll; false when it was already answered or its client went away */
  finish(job: Job | undefined, released: Released): boolean;
}

interface QueueState {
  waiters: Set<Waiter>;
  /** polls of this queue in progress (first claim or held) */
  users: number;
  /** jobs heard while no waiter was free to claim: a claim that comes back empty tries again if this moved */
  missed: number;
  /** the relay's LISTEN for this queue, once asked for */
  listening?: Promise<void>;
  linger?: NodeJS.Timeout;
}

/** How long a queue's channel stays listened after its last poll: a worker that long-polls again at once costs no UNLISTEN/LISTEN. */
export const RELAY_LINGER_MS = 30_000;

export class LongPolls {
  private readonly queues = new Map<string, QueueState>();
  private relay?: Relay;
  private closed = false;

  constructor(private readonly metrics: Metrics) {}

  /** Jobs are heard from the database from now on (wake() is called for each), not only from this process's enqueues. */
  attachRelay(relay: Relay): void {
    this.relay = relay;
  }

  /**
   * A poll: claim at once; with `waitMs` > 0 and nothing found, hold it until a wake-up claims a job
   * for it, `waitMs` passes or the client goes away. Resolves once the poll is answered (or abandoned).
   */
  async poll(queue: string, worker: string, loop: string, waitMs: number, claim: Claim, answer: (job: Job | undefined) => void, onClientGone: (cb: () => void) => void): Promise<void> {
    if (waitMs <= 0) return answer(await claim());
    const q = await this.enter(queue);
    let job: Job | undefined;
    try {
      // listening before this claim: a job committed after it is heard (counted in `missed` when no waiter takes it)
      let missed = q.missed;
      job = await claim();
      while (!job && q.missed !== missed) {
        missed = q.missed;
        job = await this.claimWoken(worker, loop, claim);
      }
    } catch (err) {
      this.exit(queue, q);
      throw err;
    }
    if (job) {
      this.exit(queue, q);
      return answer(job);
    }
    await this.hold(queue, q, worker, loop, waitMs, claim, answer, onClientGone);
  }

  /** A job arrived on `queue` (enqueued here, or heard through the relay): wake the oldest held poll there that is not claiming. */
  wake(queue: string): void {
    const q = this.queues.get(queue);
    if (!q || q.users === 0) return;
    let free: Waiter | undefined;
    for (const w of q.waiters) {
      if (!w.claiming) {
        free = w;
        break;
      }
    }
    if (!free) {
      q.missed++;
      return;
    }
    void this.claimFor(q, free);
  }

  /** Answer every held poll with nothing (server shutting down). */
  closeAll(): void {
    this.closed = true;
    for (const q of [...this.queues.values()]) {
      if (q.linger) clearTimeout(q.linger);
      for (const w of [...q.waiters]) w.finish(undefined, "shutdown");
    }
  }

  private async enter(queue: string): Promise<QueueState> {
    let q = this.queues.get(queue);
    if (!q) {
      q = { waiters: new Set(), users: 0, missed: 0 };
      this.queues.set(queue, q);
    }
    q.users++;
    if (q.linger) {
      clearTimeout(q.linger);
      q.linger = undefined;
    }
    if (this.relay && !q.listening) q.listening = this.relay.listen(queue);
    await q.listening;
    return q;
  }

  private exit(queue: string, q: QueueState): void {
    if (--q.users > 0) return;
    const relay = this.relay;
    if (!relay || !q.listening || this.closed) {
      this.queues.delete(queue);
      return;
    }
    q.linger = setTimeout(() => {
      if (q.users > 0) return;
      relay.unlisten(queue);
      this.queues.delete(queue);
    }, RELAY_LINGER_MS);
    q.linger.unref();
  }

  /** A claim made because a job was heard: with a relay, counted as a notified poll (and, empty, as a wasted wake-up). */
  private async claimWoken(worker: string, loop: string, claim: Claim): Promise<Job | undefined> {
    if (this.relay) this.metrics.notifiedPolls.inc({ worker, loop });
    let job: Job | undefined;
    try {
      job = await claim();
    } catch {
      // the database failed this claim: the poll goes on waiting (its deadline still answers it)
      job = undefined;
    }
    if (!job && this.relay) this.metrics.notifiedEmptyPolls.inc({ worker, loop });
    return job;
  }

  /** A woken waiter claims; empty (another replica or waiter took the job), it waits on unless jobs were missed meanwhile. */
  private async claimFor(q: QueueState, w: Waiter): Promise<void> {
    w.claiming = true;
    let missed: number;
    let job: Job | undefined;
    do {
      missed = q.missed;
      job = await this.claimWoken(w.worker, w.loop, w.claim);
      // the job is claimed for this poll: if its client went away meanwhile, it stays claimed (README: limits)
      if (job) return void w.finish(job, "work");
      if (w.expired) return void w.finish(undefined, "timeout");
    } while (q.waiters.has(w) && q.missed !== missed);
    w.claiming = false;
  }

  private hold(queue: string, q: QueueState, worker: string, loop: string, waitMs: number, claim: Claim, answer: (job: Job | undefined) => void, onClientGone: (cb: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const leave = (): boolean => {
        if (!q.waiters.delete(w)) return false;
        clearTimeout(timer);
        this.metrics.longPollsWaiting.dec();
        this.exit(queue, q);
        return true;
      };
      const w: Waiter = {
        worker,
        loop,
        claim,
        claiming: false,
        expired: false,
        finish: (job, released) => {
          if (!leave()) return false;
          if (released !== "shutdown") this.metrics.longPolls.inc({ released });
          answer(job);
          resolve();
          return true;
        },
      };
      // a deadline during a claim waits for its answer: a job claimed for this poll is never dropped
      const timer = setTimeout(() => (w.claiming ? (w.expired = true) : w.finish(undefined, "timeout")), waitMs);
      q.waiters.add(w);
      this.metrics.longPollsWaiting.inc();
      onClientGone(() => {
        if (leave()) resolve();
      });
    });
  }
}
