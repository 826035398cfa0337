/**
 * result.json: the versioned source of every table. Reports are rendered from it, never from
 * live state, so `harness compare` can rebuild any table later.
 */
export const SCHEMA_VERSION = 1;

export type Role = "server" | "worker" | "load";

export interface Sample {
  /** seconds since the window started */
  t: number;
  cpuPercent: number;
}

export interface IntervalFigure {
  /** end of the interval, seconds since the window started */
  t: number;
  cpuPercent: number;
  wakeupsPerS: number;
}

export interface ProcessResult {
  role: Role;
  name: string;
  group: string;
  pid: number;
  command: string[];
  /** members of the process tree seen during the window (the process and its descendants) */
  members: { pid: number; comm: string }[];
  /** the window's mean, percent of one core (the unit of `ps %cpu`), over the whole tree */
  cpuPercent: number;
  cpuSeconds: number;
  wakeupsPerS: number;
  syscallsPerS: number;
  readBytesPerS: number;
  writeBytesPerS: number;
  rssMB: number;
  samples: Sample[];
  /**
   * pidusage's own mean over the window for the root process only (not its children): an
   * independent cross-check of cpuPercent, which covers the whole tree.
   */
  pidusageCpuPercent?: number;
  intervals: IntervalFigure[];
  /** set when the process exited before the window ended */
  exit?: { code: number | null; signal: string | null; atS: number };
  log: string;
}

export interface RoleSummary {
  count: number;
  cpuPercent: number;
  wakeupsPerS: number;
  syscallsPerS: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface WorkerPollFigures {
  worker: string;
  loop: string;
  pollsPerS: number;
  emptyPollRatio: number | null;
  /** share of this loop's polls that came under 1 ms after its previous poll's response */
  gapUnder1msShare: number | null;
  /** pollsPerS x 86 400: this loop's requests per day at the measured rate */
  requestsPerDay?: number;
}

/** Server rates over one sampling interval (from consecutive scrapes of its metrics endpoint). */
export interface ServerSeriesPoint {
  /** end of the interval, seconds since the window started */
  t: number;
  pollsPerS: number;
  emptyPollsPerS: number;
  claimsPerS: number;
}

/** Fan-out per enqueue over the window (seed 003's thundering herd). */
export interface FanoutFigures {
  enqueued: number;
  /** notification events delivered (one per subscriber that got it) */
  notificationsPerEnqueue: number;
  /** polls sent because of a notification */
  pollsTriggeredPerEnqueue: number;
  /** of those, polls that came back empty */
  wastedPollsPerEnqueue: number;
  /** notifications delivered that did not end in a claim: every subscriber woke, one got the job */
  wastedWakeupsPerEnqueue: number;
}

export interface ServerFigures {
  metricsUrl: string | null;
  /** false when no metrics endpoint was scraped: the poll figures are then null */
  scraped: boolean;
  pollsPerS: number | null;
  emptyPollRatio: number | null;
  claimsPerS: number | null;
  enqueuedPerS: number | null;
  notificationsPerS: number | null;
  notifiedPollsPerS: number | null;
  notifiedEmptyPollsPerS: number | null;
  longPollsReleasedByWorkPerS: number | null;
  longPollsTimedOutPerS: number | null;
  pickupLatencyMs: LatencySummary | null;
  perLoop: WorkerPollFigures[];
  /** every counter of the endpoint as a per-second rate over the window */
  counterRates: Record<string, number>;
  /** empty polls per second over the window (idle polls) */
  emptyPollsPerS?: number | null;
  /** polls, empty polls and claims per second at every sample of the window */
  series?: ServerSeriesPoint[];
  /** per-enqueue fan-out; null when nothing was enqueued in the window */
  fanout?: FanoutFigures | null;
  /** a loop's sleep after its first empty poll following a claim (reference server): the base when the backoff resets on work */
  backoffAfterWorkMs?: LatencySummary | null;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  kernel: string;
  clockTicksPerSecond: number;
  hostname: string;
}

export interface RunResult {
  schemaVersion: number;
  tool: { name: string; version: string };
  status: "ok" | "failed" | "interrupted";
  problems: string[];
  scenario: { name: string; description: string; file: string; /** the scenario runs this many times faster than the system it mirrors */ timeScale?: number };
  params: Record<string, string | number | boolean>;
  /** the harness command line that produced this result */
  command: string;
  startedAt: string;
  machine: Machine;
  window: { warmupS: number; durationS: number; sampleS: number; measuredS: number; intervalS: number };
  profiled: false | string;
  processes: ProcessResult[];
  roles: Partial<Record<Role, RoleSummary>>;
  server: ServerFigures;
}
