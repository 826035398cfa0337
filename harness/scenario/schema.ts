/**
 * The scenario file format. Declarative and strict: an unknown field is an error, so a typo never
 * silently changes what is measured.
 */
import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, '.', '_' or '-' (starting with a letter or digit)");

export const readySchema = z.union([
  z.object({ stdout: z.string().min(1) }).strict(),
  z.object({ stderr: z.string().min(1) }).strict(),
  z.object({ http: z.string().min(1) }).strict(),
  z.object({ tcp: z.number().int().min(1).max(65535) }).strict(),
  z.object({ delayMs: z.number().int().min(0).max(600_000) }).strict(),
]);
export type Ready = z.infer<typeof readySchema>;

/** Fields shared by every command the harness starts for a user. */
const commandFields = {
  command: z.array(z.string()).min(1, "expected at least the program to run"),
  /** run `command[0]` through `sh -c` (only when asked: argv arrays need no shell) */
  shell: z.boolean().default(false),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  ready: readySchema.optional(),
  readyTimeoutS: z.number().positive().max(600).default(15),
};

/** A counter name, optionally with label matchers: `myapp_requests_total{path="/poll"}`. */
const metricSelector = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{\s*[a-zA-Z_][a-zA-Z0-9_]*\s*=\s*"[^"]*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*=\s*"[^"]*"\s*)*\})?$/, 'expected a metric name, optionally with labels: name{label="value"}');

/** Which of a user's Prometheus metrics fill the report's poll figures (unset keys: the reference names). */
export const metricsMapSchema = z
  .object({
    polls: metricSelector.optional(),
    emptyPolls: metricSelector.optional(),
    claims: metricSelector.optional(),
    enqueued: metricSelector.optional(),
    notifications: metricSelector.optional(),
    pollGap: metricSelector.optional(),
    pickupLatency: metricSelector.optional(),
  })
  .strict();
export type MetricsMap = z.infer<typeof metricsMapSchema>;

export const referenceServerSchema = z
  .object({
    notify: z.enum(["off", "broadcast", "targeted"]).default("off"),
    db: z.string().optional(),
    /** false: do not scrape its /metrics, as for a user's server without one (only wire and /proc evidence remain) */
    metrics: z.boolean().default(true),
    /** busy CPU per poll handled, ms (an expensive poll handler: CPU rises, polls and wake-ups do not) */
    pollCostMs: z.number().min(0).max(10_000).default(0),
    /**
     * sqlite (default): an embedded file, a poll is an in-process query. postgres: a real database
     * server, a poll is a query over the network; the harness starts a throw-away cluster (measured
     * as role "database") unless databaseUrl names an existing one.
     */
    store: z.enum(["sqlite", "postgres"]).default("sqlite"),
    /** an existing Postgres database (postgres://…) instead of a throw-away cluster; implies store: postgres */
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL").optional(),
    /** server processes on the one database (store: postgres), each with its own URL; workers are spread over them */
    replicas: z.number().int().min(1).max(16).default(1),
    /** one log line per request handled: none, stdout (console.log), stdout-sync (a write per line), buffered */
    log: z.enum(["none", "stdout", "stdout-sync", "buffered"]).default("none"),
  })
  .strict();

export const serverSchema = z.union([
  z.object({ name: name.default("server"), reference: referenceServerSchema }).strict(),
  z
    .object({
      name: name.default("server"),
      ...commandFields,
      /** base URL of the server; default: group 1 of the stdout/stderr ready pattern */
      url: z.string().optional(),
      /** Prometheus text endpoint scraped at the window's start and end, e.g. "{server.url}/metrics" */
      metrics: z.string().optional(),
      /** the user's own counters mapped to the report's poll columns, e.g. { polls: "myapp_requests_total" } */
      metricsMap: metricsMapSchema.optional(),
    })
    .strict(),
]);

export const referenceWorkerSchema = z
  .object({
    /** poll loops of one worker: loop name → strategy, e.g. { task: "tight", workflow: "fixed:100" } */
    loops: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "expected a loop name of letters, digits, '_' or '-'"), z.string()).default({ task: "tight" }),
    queue: z.string().min(1).default("default"),
    /** several worker instances in one process, instance i on queues[i % queues.length] */
    instances: z.number().int().min(1).max(1000).default(1),
    queues: z.array(z.string().min(1)).min(1).optional(),
    workMs: z.number().int().min(0).max(600_000).default(0),
  })
  .strict();

export const workerGroupSchema = z.union([
  z
    .object({
      name: name.default("worker"),
      count: z.number().int().min(1).max(1000).default(1),
      reference: referenceWorkerSchema,
    })
    .strict(),
  z
    .object({
      name: name.default("worker"),
      count: z.number().int().min(1).max(1000).default(1),
      ...commandFields,
    })
    .strict(),
]);

export const loadSchema = z
  .object({
    mode: z.enum(["idle", "trickle", "burst"]).default("idle"),
    everyMs: z.number().int().min(1).max(3_600_000).default(1000),
    burst: z.number().int().min(1).max(100_000).default(10),
    queues: z.array(z.string().min(1)).min(1).default(["default"]),
    startDelayMs: z.number().int().min(0).max(3_600_000).default(0),
  })
  .strict();

export const windowSchema = z
  .object({
    warmupS: z.number().min(0).max(3600).default(5),
    durationS: z.number().positive().max(86_400).default(30),
    sampleS: z.number().min(0.1).max(60).default(1),
    /**
     * Seconds between scrapes of the server's metrics inside the window, for the per-interval series
     * (each scrape is work the server does, counted in its CPU); 0 = only at the window's start and
     * end. Default: every sample.
     */
    scrapeEveryS: z.number().min(0).max(3600).optional(),
  })
  .strict();

/** Upper limits `harness check` judges (on the median over the repeats); every field optional. */
export const thresholdsSchema = z
  .object({
    /** server CPU, percent of one core */
    serverCpuPercent: z.number().min(0).optional(),
    /** CPU of each worker process (the busiest one is judged), percent of one core */
    workerCpuPercent: z.number().min(0).optional(),
    /** polls per second of each worker (the busiest one), from the server's per-loop counters */
    pollsPerSPerWorker: z.number().min(0).optional(),
    /** context switches per second summed over the server and all workers */
    wakeupsPerS: z.number().min(0).optional(),
  })
  .strict();
export type Thresholds = z.infer<typeof thresholdsSchema>;

export const scenarioSchema = z
  .object({
    name,
    description: z.string().default(""),
    /** named values referenced as ${name} in any string of the file; --set name=value overrides */
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    window: windowSchema.default({ warmupS: 5, durationS: 30, sampleS: 1 }),
    server: serverSchema,
    workers: z.array(workerGroupSchema).min(1, "expected at least one worker group"),
    load: loadSchema.optional(),
    /** a worker that exits during the run fails it, unless crashes are expected */
    expectCrashes: z.boolean().default(false),
    /** the scenario runs this many times faster than the real system it mirrors (seed 004: 10 s → 100 ms is 100); per-day figures are also shown at the real scale */
    timeScale: z.number().min(1).max(1_000_000).default(1),
    /** limits judged by `harness check` (see thresholdsSchema) */
    thresholds: thresholdsSchema.optional(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ServerSpec = z.infer<typeof serverSchema>;
export type WorkerGroup = z.infer<typeof workerGroupSchema>;
