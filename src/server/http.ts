/** The reference job server: node:http with keep-alive, JSON bodies, loopback only. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { booleanField, HttpError, numberField, readJsonBody, sendJson, stringField } from "./body.js";
import { LongPolls } from "./longpoll.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { Notifier, type NotifyMode } from "./notifier.js";
import { JobStore, type Job, type Store } from "./store.js";
import { PostgresStore } from "./store-postgres.js";
import { BROADCAST_CHANNEL, PostgresBus, queueChannel } from "./notify-postgres.js";
import { createRequestLog, type RequestLogMode } from "./request-log.js";

export interface ServerOptions {
  host?: string;
  /** 0 (default): the OS picks a free port */
  port?: number;
  /** a SQLite file, ":memory:", or undefined for a fresh temporary file removed on close */
  db?: string;
  /** a Postgres URL: the store is that database, notifications go through it (LISTEN/NOTIFY), replicas can share it */
  databaseUrl?: string;
  notify?: NotifyMode;
  maxBodyBytes?: number;
  /** 0 = no heartbeat comments on SSE streams */
  sseHeartbeatMs?: number;
  /**
   * Busy CPU spent on every poll handled, in ms (0 = none): an expensive poll handler (seed 000's
   * hypothesis 2) that costs CPU only, with polls and wake-ups unchanged.
   */
  pollCostMs?: number;
  /** one log line per request handled (request-log.ts); default none */
  log?: RequestLogMode;
}

/** Spin on the CPU for `ms` milliseconds: work that costs CPU and never blocks (no wake-up). */
export function burnCpu(ms: number): void {
  if (!(ms > 0)) return;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose
  }
}

export interface RunningServer {
  url: string;
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

export const MAX_LONG_POLL_MS = 120_000;

/** Monotonic seconds, for the poll-gap histogram. */
const monoSeconds = (): number => performance.now() / 1000;
/** Wall-clock milliseconds with microsecond resolution, for enqueue/claim stamps (pickup latency under 1 ms shows). */
const nowMs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const maxBody = opts.maxBodyBytes ?? 65_536;
  const pollCost = opts.pollCostMs ?? 0;
  const metrics = createMetrics();
  const store: Store = opts.databaseUrl ? await PostgresStore.open(opts.databaseUrl) : new JobStore(opts.db);
  const notifier = new Notifier(opts.notify ?? "off", metrics, opts.sseHeartbeatMs ?? 15_000);
  const longPolls = new LongPolls(metrics);
  // on Postgres, other replicas may share the database: their jobs are heard through it (LISTEN/NOTIFY)
  let bus: PostgresBus | undefined;
  if (store instanceof PostgresStore && opts.databaseUrl) {
    bus = await PostgresBus.open(opts.databaseUrl, store.pool, (job, channel) => {
      if (channel === BROADCAST_CHANNEL) return notifier.deliver(job);
      // a queue's channel: notified by every enqueue of that queue, on whichever replica
      longPolls.wake(job.queue);
      notifier.heardOnQueueChannel(job);
    });
    const relay = bus;
    bus.onLost = (why) =>
      process.stderr.write(`jobs server: the database connection that hears other replicas' jobs was lost (${why}): long-polls are woken by this replica's own enqueues only, and notifications through the database stop\n`);
    longPolls.attachRelay({ listen: (queue) => relay.watch(queueChannel(queue)), unlisten: (queue) => relay.unwatch(queueChannel(queue)) });
    if (opts.notify && opts.notify !== "off") notifier.attachBus(bus);
  }
  const requestLog = createRequestLog(opts.log ?? "none");
  /** per worker+loop: when the response to its previous poll was finished */
  const lastAnswered = new Map<string, number>();
  /** per worker+loop: 1 after a poll that claimed, 2 after the first empty poll following it (its next gap is the backoff after work) */
  const afterWork = new Map<string, 1 | 2>();

  const claim = async (queue: string, worker: string, loop: string): Promise<Job | undefined> => {
    const now = nowMs();
    const job = await store.claim(queue, `${worker}/${loop}`, now);
    if (job) {
      metrics.claims.inc({ worker, loop });
      metrics.pickupLatency.observe(Math.max(0, now - job.enqueuedAt) / 1000);
    }
    return job;
  };

  async function poll(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = monoSeconds();
    const body = await readJsonBody(req, maxBody);
    const worker = stringField(body, "worker");
    const queue = stringField(body, "queue");
    const loop = stringField(body, "loop", true) ?? "main";
    const waitMs = numberField(body, "waitMs", 0, MAX_LONG_POLL_MS) ?? 0;
    const notified = booleanField(body, "notified") ?? false;

    const key = `${worker}\0${loop}`;
    const last = lastAnswered.get(key);
    if (last !== undefined) metrics.pollGap.observe({ worker, loop }, Math.max(0, arrived - last));
    if (last !== undefined && afterWork.get(key) === 2) metrics.resetGap.observe({ worker, loop }, Math.max(0, arrived - last));
    metrics.polls.inc({ worker, loop });
    burnCpu(pollCost);
    if (notified) metrics.notifiedPolls.inc({ worker, loop });
    res.once("finish", () => lastAnswered.set(key, monoSeconds()));

    const answer = (job: Job | undefined): void => {
      const phase = afterWork.get(key);
      if (job) afterWork.set(key, 1);
      else if (phase === 1) afterWork.set(key, 2);
      else if (phase !== undefined) afterWork.delete(key);
      if (!job) {
        metrics.emptyPolls.inc({ worker, loop });
        if (notified) metrics.notifiedEmptyPolls.inc({ worker, loop });
      }
      sendJson(res, 200, { job: job ?? null });
    };
    await longPolls.poll(queue, worker, loop, waitMs, () => claim(queue, worker, loop), answer, (gone) => res.once("close", gone));
  }

  async function enqueue(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, maxBody);
    const queue = stringField(body, "queue");
    const payload = (body as Record<string, unknown>).payload ?? null;
    const job = await store.enqueue(queue, payload, nowMs());
    metrics.enqueued.inc({ queue });
    sendJson(res, 201, { id: job.id, enqueuedAt: job.enqueuedAt });
    notifier.publish(job);
    // relayed: every replica (this one too) wakes its long-polls when it hears the enqueue's NOTIFY;
    // without a working listening connection this replica wakes its own
    if (!bus?.alive) longPolls.wake(queue);
  }

  async function complete(req: IncomingMessage, res: ServerResponse, id: number): Promise<void> {
    const body = await readJsonBody(req, maxBody);
    stringField(body, "worker");
    if (!(await store.complete(id, nowMs()))) throw new HttpError(404, `no claimed job ${id}`);
    metrics.completed.inc();
    sendJson(res, 200, { ok: true });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      throw new HttpError(400, "bad request URL");
    }
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (method === "POST" && path === "/poll") return poll(req, res);
    if (method === "POST" && path === "/jobs") return enqueue(req, res);
    const completeMatch = method === "POST" ? /^\/jobs\/(\d{1,15})\/complete$/.exec(path) : null;
    if (completeMatch) return complete(req, res, Number(completeMatch[1]));
    if (method === "GET" && path === "/healthz") return sendJson(res, 200, { ok: true });
    if (method === "GET" && path === "/metrics") {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (method === "GET" && path === "/events") {
      const queues = (url.searchParams.get("queues") ?? "").split(",").filter(Boolean);
      notifier.subscribe(res, queues);
      return;
    }
    req.resume(); // drain any body so the connection stays usable
    throw new HttpError(404, `no route ${method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    requestLog.track(req, res);
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
      else sendJson(res, 500, { error: "internal error" });
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // long-polls and SSE streams stay open

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      notifier.close();
      longPolls.closeAll();
      void bus?.close();
      server.close(() => {
        requestLog.close();
        void Promise.resolve(store.close()).then(done);
      });
      server.closeAllConnections();
    });
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.once("error", (err) => {
      void store.close();
      notifier.close();
      void bus?.close();
      reject(err);
    });
    server.listen(opts.port ?? 0, host, () => {
      const port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${port}`, port, metrics, close });
    });
  });
}
