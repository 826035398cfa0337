/** The load generator: enqueue nothing (idle), one job every N ms (trickle), or N at once every N ms (burst). */
import { ServerClient } from "../worker/client.js";

export type LoadMode = "idle" | "trickle" | "burst";

export interface LoadOptions {
  serverUrl: string;
  mode: LoadMode;
  everyMs: number;
  burst: number;
  /** jobs go round-robin over these */
  queues: string[];
  startDelayMs: number;
  log?: (line: string) => void;
}

export interface RunningLoad {
  stats: { enqueued: number; failed: number };
  stop(): Promise<void>;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const log = opts.log ?? (() => {});
  const client = new ServerClient(opts.serverUrl);
  const stats = { enqueued: 0, failed: 0 };
  let next = 0;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const enqueueOne = async (): Promise<boolean> => {
    const queue = opts.queues[next++ % opts.queues.length] as string;
    try {
      const r = await client.postJson<{ error?: string }>("/jobs", { queue, payload: { n: next } });
      if (r.status !== 201) throw new Error(`enqueue answered ${r.status}: ${r.body.error ?? ""}`);
      stats.enqueued++;
      if (failing) log("load: enqueue works again");
      failing = false;
      return true;
    } catch (err) {
      stats.failed++;
      if (!failing && !stopped) log(`load: enqueue failed: ${(err as Error).message} (reported once until it recovers)`);
      failing = true;
      return false;
    }
  };
  const tick = async (): Promise<void> => {
    const n = opts.mode === "burst" ? opts.burst : 1;
    for (let i = 0; i < n && !stopped; i++) if (!(await enqueueOne())) return;
  };
  const fire = (): void => {
    inFlight = inFlight.then(tick);
  };

  if (opts.mode === "idle") {
    timer = setInterval(() => {}, 1 << 30); // keep the process alive, doing nothing
  } else {
    timer = setTimeout(() => {
      fire();
      timer = setInterval(fire, opts.everyMs);
    }, opts.startDelayMs);
  }

  return {
    stats,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(timer);
      await inFlight.catch(() => undefined);
      client.close();
    },
  };
}
