/**
 * Every threshold of the diagnosis, named and documented in one place (docs/verdicts.md lists them).
 * Rates are per second over the measurement window; CPU is percent of one core.
 */
export const THRESHOLDS = {
  // --- poll counters (the reference server's or a user's metricsMap) ---
  /**
   * a loop is a tight poll loop when at least this share of its polls came < 1 ms after the previous
   * response (a loop with no sleep has nearly all its gaps in the tens of microseconds; on a busy
   * machine the scheduler stretches some of them past 1 ms, so the bar is well below 100%)
   */
  tightGapShare: 0.3,
  /** ... and it polls at least this often (a loop that polls twice a second is not burning anything) */
  tightMinPollsPerS: 20,
  /** ... and at least this share of its polls came back empty (re-polling at once after real work is right) */
  tightMinEmptyShare: 0.5,
  /** the queue counts as idle when at least this share of polls come back empty */
  idleEmptyShare: 0.95,

  // --- the wire (round trips per TCP connection; short-lived connections count one exchange each) ---
  /**
   * tight poll loop from the wire alone: at least this many exchanges per second, i.e. a mean gap
   * under 1 ms between one exchange and the next: no sleep of 1 ms or more fits in it
   */
  wireTightMinRoundTripsPerS: 1000,
  /**
   * polls too often: at least this many exchanges per second (a mean gap of 10 ms or less). A loop
   * that sleeps 1–2 ms lands here: still a busy poll, never "not polling"
   */
  tooOftenMinRoundTripsPerS: 100,
  /** a periodic poll worth naming: at least this many exchanges per second (every 500 ms or more often) */
  pollMinRoundTripsPerS: 2,
  /** below this many exchanges per second a process has "no traffic" (a blocking pop with a 2 s timeout makes 0.5) */
  noTrafficMaxRoundTripsPerS: 1,

  // --- a server's CPU attributed to the clients that drive it ---
  /** a server is named when it uses at least this much CPU ... */
  servingMinCpuPercent: 5,
  /** ... and its requests cost at most this much CPU each (ms); more than that and the requests do not explain the CPU */
  servingMaxCpuMsPerRequest: 5,
  /** a client is named as the driver when it makes at least this share of the server's exchanges */
  servingMinPeerShare: 0.5,

  // --- wake-ups without traffic ---
  /** timer or spin loop: at least this many wake-ups per second (voluntary; all context switches when they are not split) with no traffic */
  timerMinWakeupsPerS: 100,

  // --- who wakes whom (the scheduler's count) ---
  /** a timer loop: at least this share of its wake-ups came from timers and interrupts */
  wakeTimerMinShare: 0.8,
  /** the wire and the wake-ups disagree when one pair's exchanges differ by more than this factor ... */
  wakeDisagreeFactor: 2,
  /** ... and the larger is at least this many per second */
  wakeDisagreeMinPerS: 20,
  /** a subscriber counts as woken for each job when the server woke it at least this many times per job */
  fanoutMinWakesPerJob: 0.8,

  // --- notification fan-out ---
  /** at least this many notifications delivered per enqueued job */
  fanoutMinNotificationsPerJob: 2,
  /** ... and at least this share of them (or of the polls they trigger) wasted */
  fanoutMinWastedShare: 0.5,
  /** broadcast: notifications per job exceed the subscribers of the job's own queue by more than this factor */
  broadcastMinFactor: 1.2,

  // --- run level ---
  /** burning: a process at or above this CPU that no other verdict explains */
  burnMinCpuPercent: 10,
  /** idle and quiet: every role under this CPU (role total) */
  quietMaxCpuPercent: 2,
  /** ... and fewer polls per second than this (server counters, when scraped) */
  quietMaxPollsPerS: 50,

  // --- sweeps (several runs) ---
  /** sweep: the interval changed at least this factor between the shortest and longest setting */
  sweepMinIntervalFactor: 4,
  /** ... yet CPU at the longest interval is still at least this fraction of CPU at the shortest */
  sweepFlatCpuRatio: 0.5,
  /** ... and CPU at the shortest interval is at least this (percent of one core): otherwise nothing burns */
  sweepMinCpuPercent: 5,
} as const;
