/**
 * result.json: the versioned source of every table. Reports are rendered from it, never from
 * live state, so `harness compare` can rebuild any table later.
 */
export const SCHEMA_VERSION = 1;

/** database: the Postgres cluster under the reference server (server.reference.store: postgres), postmaster and backends */
export type Role = "server" | "worker" | "load" | "database";

export interface Sample {
  /** seconds since the window started */
  t: number;
  cpuPercent: number;
}

export interface IntervalFigure {
  /** end of the interval, seconds since the window started */
  t: number;
  cpuPercent: number;
  /** null when the source cannot see context switches */
  wakeupsPerS: number | null;
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
  /** null when the source cannot see context switches (cAdvisor, a collector without them): never 0 */
  wakeupsPerS: number | null;
  /**
   * read- and write-family syscalls per second (syscr + syscw of /proc/<pid>/io): shown as
   * "read/write calls/s"; every syscall by type is in syscallProfile (--profile syscalls). Null when
   * the source cannot count syscalls (every Prometheus source): never 0.
   */
  syscallsPerS: number | null;
  /** bytes through read/write syscalls (/proc rchar/wchar); null when the source cannot see them */
  readBytesPerS: number | null;
  writeBytesPerS: number | null;
  /** null when the source gives no resident memory */
  rssMB: number | null;
  samples: Sample[];
  /**
   * pidusage's own mean over the window for the root process only (not its children): an
   * independent cross-check of cpuPercent, which covers the whole tree.
   */
  pidusageCpuPercent?: number;
  intervals: IntervalFigure[];
  /**
   * Context switches split (filled by the /proc sampler): voluntary = the process blocked and was
   * woken (one block ≈ one wake-up), involuntary = preempted by other load. `wakeupsPerS` is the
   * voluntary rate when these are present.
   */
  voluntaryWakeupsPerS?: number;
  involuntaryWakeupsPerS?: number;
  /** where cpuSeconds came from: the process tree in /proc, or a cgroup's own accounting */
  cpuSource?: "proc-tree" | "cgroup-v1-cpuacct" | "cgroup-v2";
  /**
   * When cpuSource is a cgroup: the /proc tree's own figure over the same two readings (percent of
   * one core), a cross-check that misses what the tree walk cannot see (orphans, the life of a child
   * after its last reading when nothing in the tree reaps it).
   */
  procTreeCpuPercent?: number;
  /** wire evidence: the TCP connections of the whole tree over the window (harness/sample/wire.ts) */
  wire?: WireFigures;
  /** syscalls by type per second over the window, counted in the kernel (perf tracepoints) */
  syscallsByType?: SyscallTypeFigures;
  /** the host (Prometheus `instance` label) when the figures came from a Prometheus server */
  instance?: string;
  /** processes in the group at the window's end, when the source counts them (process-exporter's num_procs); null when it does not */
  processCount?: number | null;
  /** every syscall by type, from `harness run --profile syscalls` (perf trace -s, or strace -c -f) */
  syscallProfile?: SyscallProfile;
  /**
   * who woke this process over the window (threads folded into it, a tree's descendants into its
   * member), counted in the kernel on sched:sched_waking (harness/sample/wakeup-source.ts); absent in
   * results from before it existed, `method: null` with a note when it could not run
   */
  wakeups?: WakeupFigures;
  /** set when the process exited before the window ended */
  exit?: { code: number | null; signal: string | null; atS: number };
  log: string;
}

/** Every syscall of a process tree by type, counted by a tracer over the traced span (--profile syscalls). */
export interface SyscallProfile {
  /** "perf trace -s" or "strace -c -f" */
  source: string;
  /** seconds the counts cover (the rates divide by it); null when it could not be told, the rates are then null */
  tracedS: number | null;
  /** what the span covers, one sentence (e.g. "from 5 s after start, past the warm-up, to the stop") */
  span: string;
  /** by syscall, most calls first: calls, failed calls and calls per second */
  syscalls: { name: string; calls: number; errors: number; perS: number | null }[];
  totalCalls: number;
  totalPerS: number | null;
  /** threads (or processes) the tracer reported */
  threads: number;
  notes: string[];
}

/** One TCP connection of a measured process over the window (kernel tcp_info via sock_diag, as `ss -ti` prints it). */
export interface TcpConnectionFigures {
  /** local address:port, e.g. "127.0.0.1:43210" ("[::1]:43210" for IPv6) */
  local: string;
  /** remote address:port, e.g. "127.0.0.1:6379" */
  remote: string;
  /** the measured process at the other end (its name in this result), or null when it is not measured */
  peer: string | null;
  /** client: this process connected out; server: it accepted the connection on one of its listening ports */
  side: "client" | "server";
  /** whether the connection was open at the window's start / end reading (figures cover the part seen) */
  seenAtStart: boolean;
  seenAtEnd: boolean;
  /** seconds the counters cover */
  coveredS: number;
  /** request/response exchanges per second: the smaller of data segments in and data segments out over the covered time */
  roundTripsPerS: number;
  bytesInPerS: number;
  bytesOutPerS: number;
  /** mean bytes received / sent per exchange; null with no exchanges */
  bytesInPerExchange: number | null;
  bytesOutPerExchange: number | null;
  /** roundTripsPerS x 86,400 */
  requestsPerDay: number;
}

/** Wire evidence of one measured process (the whole tree). A figure that could not be seen is null, never 0. */
export interface WireFigures {
  /** how the connections were read, e.g. "sock_diag tcp_info (ss -tinHe)"; null when they could not be read */
  source: string | null;
  /** TCP connections seen at the window's start or end reading */
  connections: TcpConnectionFigures[];
  /** exchanges per second over every TCP connection, long-lived plus short-lived (at least one exchange each); null when unseen */
  roundTripsPerS: number | null;
  /** connections opened and closed inside the window per second (connects + accepts not seen open at the end), each counted in roundTripsPerS as one exchange; null when they could not be counted */
  shortLivedPerS?: number | null;
  /** true when roundTripsPerS is a lower bound ("at least"): short-lived connections counted as one exchange each, or connections that could not be followed */
  roundTripsAtLeast?: boolean;
  /** TCP connections this tree opened (connect) / accepted per second in the window; null when they could not be counted */
  connectsPerS: number | null;
  acceptsPerS: number | null;
  /** listening TCP addresses of the tree */
  listening: string[];
  /** unix-domain sockets open at the end reading: their traffic cannot be seen on the wire */
  unixSockets: number;
  /** what could not be seen, one sentence each */
  notes: string[];
}

/** One source of a measured process's wake-ups. */
export interface WakeupSourceFigures {
  /**
   * who woke it: another measured process (its name), its own name (its own threads), an unmeasured
   * process (its command name), "timer/interrupt", "bpftrace (the attributing program)" or "harness"
   */
  from: string;
  kind: "measured" | "self" | "unmeasured" | "timer/interrupt" | "attributor" | "harness";
  /**
   * peer: a task of another process woke it (a socket, pipe, signal: I/O from a peer); thread: one of
   * its own threads (a futex, a pipe); timer / interrupt / softirq: in that context; network: a network
   * softirq, attributed to the task it ran in (on loopback, the sender)
   */
  cause: "peer" | "thread" | "timer" | "interrupt" | "softirq" | "network";
  /**
   * what the waking task was doing, where it could be read (x86_64): send (it wrote to a socket or
   * pipe: data for this process), receive (it read: on a unix socket that frees buffer space and wakes
   * a reader waiting on the same socket too), futex, other. Each happens at most once per exchange.
   */
  via?: "send" | "receive" | "futex" | "other";
  perS: number;
}

/** Wake-ups a measured process received over the window, by waker. A figure that could not be measured is null. */
export interface WakeupFigures {
  /** how they were counted, e.g. "bpftrace on sched:sched_waking"; null when they could not be (notes[0] says why) */
  method: string | null;
  /** wake-ups received per second, every source; null when not counted */
  totalPerS: number | null;
  /** by source, the busiest first */
  by: WakeupSourceFigures[];
  /** seconds the counts cover */
  coveredS: number;
  /** what could not be seen, one sentence each */
  notes: string[];
}

/** Syscalls by type, per second over the window, counted in the kernel for the measured tree. */
export interface SyscallTypeFigures {
  /** e.g. "perf stat (syscalls tracepoints)"; null when they could not be counted */
  source: string | null;
  /** syscall name → calls per second (e.g. { connect: 3.2, sendto: 1800, epoll_wait: 1700, futex: 4 }) */
  perS: Record<string, number>;
  /** why they could not be counted, or what is missing */
  notes: string[];
}

/** One diagnosis of a run: a pattern, the process it names, and the figures that triggered it. */
export interface Verdict {
  /** the process the verdict names (its name in this result), or null for the run as a whole */
  subject: string | null;
  /** a stable pattern id, e.g. "tight-poll-loop", "polls-too-often", "timer-wakeups", "serving-clients", "notification-fanout", "idle-quiet" */
  pattern: string;
  /** the verdict in words, with its figures: what report.md and the terminal print */
  text: string;
  /** the figures that triggered it, by name */
  evidence: Record<string, number | string | null>;
  /** evidence that was not available and would refine the verdict, one sentence each */
  missing: string[];
}

export interface RoleSummary {
  count: number;
  cpuPercent: number;
  /** the voluntary rate (as ProcessResult.wakeupsPerS); null when some process's could not be seen */
  wakeupsPerS: number | null;
  voluntaryWakeupsPerS?: number;
  involuntaryWakeupsPerS?: number;
  /** null when some process's could not be counted */
  syscallsPerS: number | null;
}

/** The edges of a histogram bucket, in ms: what a histogram-derived figure is known to lie between. */
export interface BucketBoundsMs {
  lo: number;
  /** null for the +Inf bucket: the figure is only known to be above `lo` */
  hi: number | null;
}

/**
 * Quantiles of a Prometheus histogram over the window, in ms. They are estimates (linear
 * interpolation inside a bucket, as histogram_quantile does); the `*Bucket` fields hold the bucket
 * each falls in. When a quantile falls in the +Inf bucket its number is the top finite edge and its
 * bucket's `hi` is null: read it as "above that edge", never as a value.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  /** the upper edge of the highest bucket holding an observation (the top finite edge when that is +Inf) */
  max: number;
  p50Bucket?: BucketBoundsMs;
  p95Bucket?: BucketBoundsMs;
  p99Bucket?: BucketBoundsMs;
  maxBucket?: BucketBoundsMs;
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
  /** a counter went down in this interval (the server restarted): its rate counts only the increase after the reset, as Prometheus increase() does */
  counterReset?: boolean;
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
  /**
   * subscribers of the enqueued job's own queue, averaged over the jobs (the reference server's
   * jobs_queue_subscribers_at_enqueue_total); notifications beyond it are a broadcast. Absent or null
   * when the server does not export it.
   */
  queueSubscribersPerEnqueue?: number | null;
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
  /** what went wrong with the counters (e.g. a counter reset: the server restarted), one sentence each */
  problems?: string[];
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  /** whether `node` is one of the Node.js lines the harness is tested on (harness/analyze/node-lines.ts) */
  nodeTested?: boolean;
  /** the tested Node.js major lines, e.g. [20, 22, 24] */
  nodeTestedLines?: number[];
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
  window: {
    warmupS: number;
    durationS: number;
    sampleS: number;
    /** seconds from the window's start reading to its end reading (what process figures divide by) */
    measuredS: number;
    intervalS: number;
    /**
     * When the metrics endpoint was scraped for the window's start and end, seconds since the nominal
     * window start: the server's rates divide by scrapeEndS - scrapeStartS.
     */
    scrapeStartS?: number;
    scrapeEndS?: number;
    /**
     * wall-clock time of the window's start reading (ISO); startedAt + warmupS is only nominal, since
     * the harness's own preparations (bpftrace compiling, a database starting) come before the warm-up
     */
    startedAt?: string;
  };
  profiled: false | string;
  processes: ProcessResult[];
  roles: Partial<Record<Role, RoleSummary>>;
  server: ServerFigures;
  /** the diagnosis (harness/diagnose), most specific first: the verdicts report.md and the terminal print */
  verdicts?: Verdict[];
  /** set when the figures came from a Prometheus server (`harness attach --prometheus`) instead of the local /proc */
  prometheus?: PrometheusSourceFigures;
}

/** Where a result read from a Prometheus server came from, what its data allowed, and what it cost. */
export interface PrometheusSourceFigures {
  url: string;
  /** the exporter whose series were read: "process-exporter", "otel" or "cadvisor" */
  source: string;
  /** the user's label matchers (--match), or null */
  match: string | null;
  /** the labels that name one process (group and host) */
  by: string[];
  /** the window, ISO times and unix seconds */
  from: string;
  to: string;
  fromUnix: number;
  toUnix: number;
  /** the median time between two samples: no figure is finer than this (a 15 s scrape gives no 1 s samples) */
  resolutionS: number | null;
  /** queries sent and the seconds they took (the cost of this attach on the Prometheus server) */
  queries: number;
  querySeconds: number;
  /** figures the source cannot give (null in result.json), one sentence each */
  unavailable: string[];
  /** counter resets, scrape gaps, missing series, a resolution coarser than the window: one sentence each */
  notes: string[];
  /** per host (the `instance` label) and for the whole fleet: CPU in percent of one core */
  hosts: { instance: string; processes: number; cpuPercent: number }[];
  fleet: { hosts: number; processes: number; cpuPercent: number };
  /** per process group across hosts */
  groups: { group: string; instances: number; cpuPercent: number; meanCpuPercent: number }[];
  /** the application's poll counter (metricsMap polls) per label set: requests per day at the window's rate */
  requests: { key: string; pollsPerS: number; requestsPerDay: number }[];
}
