/** A worker: one or more independent poll loops, each with its own strategy and connection. */
import { setMaxListeners } from "node:events";
import { ServerClient, Subscription } from "./client.js";
import { Backoff, type Strategy } from "./strategy.js";
import { Wakeups } from "./wakeup.js";

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
  setMaxListeners(0, signal); // every loop's sleep and in-flight request listen to it
  const log = opts.log ?? (() => {});
  const stats = { polls: 0, emptyPolls: 0, claims: 0, errors: 0, notificationsSeen: 0, notificationsForMe: 0 };

  // Notifications, shared by this worker's notify loops: only those for my queue wake a loop.
  const wakeups = new Wakeups();
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
        wakeups.notify();
      },
      (connected, detail) => log(`worker ${opts.name}: ${detail}${connected ? "" : "; reconnecting with backoff"}`),
    );
  }

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
        wakeups.pollStarted();
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
          notified = await wakeups.wait(strategy.fallbackMs, signal);
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
