/** A worker: one or more independent poll loops, each with its own strategy and connection. */
import { ServerClient, Subscription } from "./client.js";
import { Backoff, type Strategy } from "./strategy.js";

export interface WorkerOptions {
  serverUrl: string;
  name: string;
  queue: string;
  loops: { name: string; strategy: Strategy }[];
  workMs: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** counts kept by the worker itself (tests read them) */
  stats: { polls: number; emptyPolls: number; claims: number; errors: number; notificationsSeen: number; notificationsForMe: number };
  stop(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export function startWorker(opts: WorkerOptions): RunningWorker {
  const controller = new AbortController();
  const signal = controller.signal;
  const log = opts.log ?? (() => {});
  const stats = { polls: 0, emptyPolls: 0, claims: 0, errors: 0, notificationsSeen: 0, notificationsForMe: 0 };

  // Notification plumbing, shared by this worker's notify loops: a wake-up for my queue.
  const wakers = new Set<() => void>();
  let pendingWake = false;
  let subscription: Subscription | undefined;
  if (opts.loops.some((l) => l.strategy.kind === "notify")) {
    subscription = new Subscription(
      opts.serverUrl,
      opts.name,
      [opts.queue],
      (e) => {
        stats.notificationsSeen++;
        if (e.queue !== opts.queue) return; // broadcast: not for me, but it woke me anyway
        stats.notificationsForMe++;
        if (wakers.size === 0) pendingWake = true; // a loop is polling now: poll once more after it
        for (const w of [...wakers]) w();
      },
      (connected, detail) => log(`worker ${opts.name}: ${detail}${connected ? "" : "; reconnecting with backoff"}`),
    );
  }
  /** Wait for a notification for my queue or the fallback timer; true when a notification came. */
  const waitForWork = (fallbackMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (pendingWake) {
        pendingWake = false;
        return resolve(true);
      }
      let timer: NodeJS.Timeout | undefined = undefined;
      const finish = (woken: boolean): void => {
        wakers.delete(wake);
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(woken);
      };
      const wake = (): void => finish(true);
      const onAbort = (): void => finish(false);
      timer = setTimeout(() => finish(false), fallbackMs);
      wakers.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });

  const clients: ServerClient[] = [];
  const runLoop = async (loopName: string, strategy: Strategy): Promise<void> => {
    const client = new ServerClient(opts.serverUrl);
    clients.push(client);
    const backoff = new Backoff(strategy);
    let notified = false;
    let errorDelay = 0;
    while (!signal.aborted) {
      try {
        stats.polls++;
        pendingWake = false; // this poll sees every job announced so far
        const job = await client.poll(
          { worker: opts.name, loop: loopName, queue: opts.queue, waitMs: strategy.kind === "long-poll" ? strategy.waitMs : undefined, notified: notified || undefined },
          signal,
        );
        notified = false;
        if (errorDelay) log(`worker ${opts.name}/${loopName}: server reachable again`);
        errorDelay = 0;
        if (job) {
          stats.claims++;
          backoff.reset();
          if (opts.workMs > 0) await sleep(opts.workMs, signal);
          if (!signal.aborted) await client.complete(job.id, opts.name, signal);
          continue; // real work: poll again at once
        }
        stats.emptyPolls++;
        if (strategy.kind === "tight" || strategy.kind === "long-poll") continue; // no sleep
        if (strategy.kind === "notify") {
          notified = await waitForWork(strategy.fallbackMs);
          continue;
        }
        await sleep(backoff.nextDelay(), signal);
      } catch (err) {
        if (signal.aborted) break;
        stats.errors++;
        if (!errorDelay) log(`worker ${opts.name}/${loopName}: ${(err as Error).message}; retrying with backoff`);
        errorDelay = Math.min(errorDelay ? errorDelay * 2 : 100, 5000);
        await sleep(errorDelay, signal);
      }
    }
  };

  const running = opts.loops.map((l) => runLoop(l.name, l.strategy));
  return {
    stats,
    stop: async () => {
      controller.abort();
      subscription?.close();
      await Promise.allSettled(running);
      for (const c of clients) c.close();
    },
  };
}
