import { describe, expect, it } from "vitest";
import type { Verdict } from "../../harness/analyze/result-types.js";
import { diagnose } from "../../harness/diagnose/diagnose.js";
import { THRESHOLDS } from "../../harness/diagnose/thresholds.js";
import { conn, proc, run, wire } from "../fixtures/diagnose/build.js";

const texts = (vs: Verdict[]): string[] => vs.map((v) => v.text);
const about = (vs: Verdict[], name: string): Verdict[] => vs.filter((v) => v.subject === name);

/** Redis, a client popping with no sleep, and a blocking-pop client (issue 11's stack) */
function redisStack() {
  return run([
    proc({
      name: "redis",
      role: "server",
      cpu: 39.6,
      voluntary: 18_000,
      wire: wire([conn({ remote: "127.0.0.1:51000", peer: "naive", side: "server", rt: 18_300 }), conn({ remote: "127.0.0.1:51002", peer: "blocker", side: "server", rt: 0.5 })], { listening: ["127.0.0.1:6379"] }),
    }),
    proc({ name: "naive", cpu: 55, voluntary: 18_300, wire: wire([conn({ remote: "127.0.0.1:6379", peer: "redis", rt: 18_300, bytesIn: 120 })]) }),
    proc({ name: "blocker", cpu: 0.1, voluntary: 0.5, wire: wire([conn({ remote: "127.0.0.1:6379", peer: "redis", rt: 0.5 })]) }),
  ]);
}

describe("poll loops from the wire", () => {
  it("names the tight client with its round trips, peer, connection, CPU and answer size", () => {
    const v = diagnose(redisStack());
    expect(v[0]?.text).toBe("naive: tight poll loop: 18,300 round trips/s to redis (127.0.0.1:6379) on one connection, 55.0% of a core, 120-byte answers");
    expect(v[0]).toMatchObject({ subject: "naive", pattern: "tight-poll-loop", evidence: { roundTripsPerS: 18_300, peer: "redis (127.0.0.1:6379)", connections: 1, bytesPerAnswer: 120 } });
    // no poll counters: the verdict says what it could not see, and does not call the answers empty
    expect(v[0]?.missing.join(" ")).toMatch(/no poll counters/);
    expect(v[0]?.text).not.toMatch(/empty/);
  });

  it("attributes the server's CPU to the client that drives it", () => {
    const v = about(diagnose(redisStack()), "redis");
    expect(texts(v)).toEqual(["redis: 39.6% serving naive's requests (100% of its 18,301 round trips/s), 0.02 ms of CPU per request"]);
    expect(v[0]?.evidence).toMatchObject({ topClient: "naive", source: "wire" });
  });

  it("never accuses the blocking-pop client, nor calls the run idle and quiet", () => {
    const v = diagnose(redisStack());
    expect(about(v, "blocker")).toEqual([]);
    expect(texts(v).join("\n")).not.toMatch(/blocker/);
    expect(v.map((x) => x.pattern)).not.toContain("idle-quiet");
  });

  it("names a 200 ms poller with its requests per day", () => {
    const r = run([proc({ name: "slowclient", cpu: 0.4, voluntary: 10, wire: wire([conn({ remote: "127.0.0.1:8000", rt: 5 })]) })]);
    const v = about(diagnose(r), "slowclient");
    expect(v[0]?.text).toBe("slowclient: polls every 200 ms (5 round trips/s, 432,000 requests/day) to 127.0.0.1:8000 on one connection");
    expect(v[0]?.pattern).toBe("periodic-poll");
  });

  it("calls a 1–2 ms sleeper 'polls too often', never not polling", () => {
    for (const rt of [850, 480]) {
      const r = run([proc({ name: "sleeper", cpu: 6, voluntary: 2 * rt, wire: wire([conn({ remote: "127.0.0.1:6379", peer: "redis", rt })]) }), proc({ name: "redis", role: "server", cpu: 3 })]);
      const v = about(diagnose(r), "sleeper");
      expect(v).toHaveLength(1);
      expect(v[0]?.pattern).toBe("polls-too-often");
      expect(v[0]?.text).toMatch(new RegExp(`^sleeper: polls too often: every ${rt === 850 ? "1\\.2" : "2\\.1"} ms \\(${rt} round trips/s to redis \\(127\\.0\\.0\\.1:6379\\) on one connection, 6\\.0% of a core, 100-byte answers\\): a gap this short \\(a short sleep, or none and slow answers\\) is still a busy poll$`));
    }
  });

  it("counts short-lived connections as polls", () => {
    // one connection open at the end reading (opened in the window, so among the 400.1 connects/s), 400 more opened and closed
    const r = run([proc({ name: "curl-loop", cpu: 30, wire: wire([conn({ remote: "127.0.0.1:8000", rt: 0.1, partial: true })], { connectsPerS: 400.1 }) })]);
    const v = about(diagnose(r), "curl-loop");
    expect(v[0]?.pattern).toBe("polls-too-often");
    expect(v[0]?.text).toMatch(/^curl-loop: polls too often: every 2\.5 ms \(400\.1 round trips\/s on short-lived connections \(400 new connections\/s, e.g\. to 127\.0\.0\.1:8000\)/);
  });

  it("uses the thresholds at their edges", () => {
    const at = (rt: number): string | undefined => diagnose(run([proc({ name: "c", cpu: 1, wire: wire([conn({ remote: "10.0.0.1:80", rt })]) })]))[0]?.pattern;
    expect(at(THRESHOLDS.wireTightMinRoundTripsPerS)).toBe("tight-poll-loop");
    expect(at(THRESHOLDS.wireTightMinRoundTripsPerS - 1)).toBe("polls-too-often");
    expect(at(THRESHOLDS.tooOftenMinRoundTripsPerS - 1)).toBe("periodic-poll");
    expect(at(THRESHOLDS.pollMinRoundTripsPerS - 0.1)).toBe("idle-quiet");
  });
});

describe("timers and wake-ups", () => {
  it("names a process that wakes 1,000 times a second with no traffic", () => {
    const r = run([proc({ name: "timerproc", cpu: 3, voluntary: 1000, wire: wire([]) })]);
    const v = diagnose(r);
    expect(v[0]).toMatchObject({ subject: "timerproc", pattern: "timer-wakeups", text: "timerproc: 1,000 wake-ups/s and no traffic, 3.0% of a core: a timer or spin loop, not a poll", missing: [] });
  });

  it("falls back to all context switches, saying so", () => {
    const r = run([proc({ name: "timerproc", cpu: 3, wakeups: 1000, wire: wire([]) })]);
    const v = diagnose(r);
    expect(v[0]?.text).toBe("timerproc: 1,000 context switches/s and no traffic, 3.0% of a core: a timer or spin loop, not a poll");
    expect(v[0]?.missing[0]).toMatch(/voluntary wake-ups were not counted apart from preemptions/);
  });

  it("does not call it a timer when connections opened and closed inside the window could not be counted", () => {
    const v = diagnose(run([proc({ name: "t", cpu: 36, voluntary: 800, wire: wire([], { connectsPerS: null, acceptsPerS: null }) })]));
    expect(v[0]).toMatchObject({ subject: "t", pattern: "wakeups-unexplained" });
    expect(v[0]?.text).toMatch(/short-lived connections unknown: a timer, a spin loop or a poll that reconnects/);
    expect(v[0]?.missing.join(" ")).toMatch(/could not be counted/);
  });

  it("says its traffic is unknown when the wire could not be read, and notes unix sockets", () => {
    const noWire = diagnose(run([proc({ name: "t", cpu: 3, voluntary: 1000 })]));
    expect(noWire[0]).toMatchObject({ pattern: "wakeups-unexplained", text: "t: 1,000 wake-ups/s, 3.0% of a core, traffic unknown: a timer, a spin loop or a poll" });
    const unix = diagnose(run([proc({ name: "t", cpu: 3, voluntary: 1000, wire: wire([], { unixSockets: 2 }) })]));
    expect(unix[0]?.missing[0]).toMatch(/2 unix-domain sockets/);
  });
});

describe("poll counters refine the wire", () => {
  /** the reference tight loop (seed 000): counters and wire together */
  const reference = (scraped: boolean) =>
    run(
      [
        proc({ name: "server", role: "server", cpu: 11.7, voluntary: 500, wire: wire([conn({ remote: "127.0.0.1:40000", peer: "worker", side: "server", rt: 350 })]) }),
        proc({ name: "worker", cpu: 14, voluntary: 560, wire: wire([conn({ remote: "127.0.0.1:37207", peer: "server", rt: 350, bytesIn: 120 }), conn({ remote: "127.0.0.1:37207", peer: "server", rt: 10 })]) }),
      ],
      scraped
        ? {
            pollsPerS: 360,
            emptyPollRatio: 1,
            perLoop: [
              { worker: "worker", loop: "task", pollsPerS: 350, emptyPollRatio: 1, gapUnder1msShare: 0.99 },
              { worker: "worker", loop: "workflow", pollsPerS: 10, emptyPollRatio: 1, gapUnder1msShare: 0 },
            ],
          }
        : null,
    );

  it("with counters: the tight loop by its gap share, matched to its own connection", () => {
    const v = diagnose(reference(true));
    expect(v[0]?.text).toBe(
      "worker (task loop): tight poll loop: 99% of its polls came less than 1 ms after the previous response (polls 350/s, 100% empty); on the wire: 350 round trips/s to server (127.0.0.1:37207) on one connection, 14.0% of a core, 120-byte answers",
    );
    expect(v[0]?.missing).toEqual([]);
    expect(texts(v)).toContain("worker (workflow loop): polls every 100 ms (10 polls/s, 864,000 requests/day, 100% empty); on the wire: 10 round trips/s to server (127.0.0.1:37207) on one connection, 14.0% of a core, 100-byte answers");
    expect(about(v, "server")[0]?.text).toMatch(/^server: 11\.7% serving worker's requests/);
  });

  it("without counters (metrics off): still names the task loop's connection, and says what it could not see", () => {
    const v = diagnose(reference(false));
    expect(v[0]).toMatchObject({ subject: "worker", pattern: "polls-too-often" });
    expect(v[0]?.text).toMatch(/^worker: polls too often: every 2\.8 ms \(360 round trips\/s to server \(127\.0\.0\.1:37207\) on 2 connections, 14\.0% of a core, 120-byte answers\)/);
    expect(v[0]?.missing[0]).toMatch(/whether the answers were empty.*could not be seen/);
  });

  it("a loop that re-polls after real work is not accused", () => {
    const r = reference(true);
    r.server.perLoop = [{ worker: "worker", loop: "task", pollsPerS: 350, emptyPollRatio: 0.1, gapUnder1msShare: 0.99 }];
    r.server.emptyPollRatio = 0.1;
    const v = diagnose(r);
    expect(v[0]).toMatchObject({ pattern: "polls-after-work", text: expect.stringMatching(/^worker: re-polls after real work: 350 polls\/s, only 10% empty/) as unknown });
    expect(v.map((x) => x.pattern)).not.toContain("tight-poll-loop");
  });

  it("an unknown empty share is said, never read as 100% empty", () => {
    const r = reference(true);
    r.server.perLoop = [{ worker: "worker", loop: "task", pollsPerS: 350, emptyPollRatio: null, gapUnder1msShare: 0.99 }];
    r.server.emptyPollRatio = null;
    const v = diagnose(r);
    expect(v[0]?.text).toMatch(/polls 350\/s, empty share unknown\)/);
    expect(v[0]?.missing[0]).toMatch(/no empty-poll share/);
  });
});

describe("notification fan-out", () => {
  /** 1,000 workers on one queue (seed 003's herd at scale): every subscriber wakes for each job */
  const herd = (queueSubscribers: number | undefined, notificationsPerEnqueue = 1000) =>
    run(
      [
        proc({ name: "server", role: "server", cpu: 18, voluntary: 300 }),
        ...Array.from({ length: 10 }, (_, i) => proc({ name: `worker-${i}`, cpu: 4.5, voluntary: 120 })),
      ],
      {
        pollsPerS: 1000,
        emptyPollRatio: 0.999,
        enqueuedPerS: 1,
        notificationsPerS: notificationsPerEnqueue,
        perLoop: [],
        fanout: {
          enqueued: 10,
          notificationsPerEnqueue,
          pollsTriggeredPerEnqueue: 1000,
          wastedPollsPerEnqueue: 999,
          wastedWakeupsPerEnqueue: notificationsPerEnqueue - 1,
          ...(queueSubscribers === undefined ? {} : { queueSubscribersPerEnqueue: queueSubscribers }),
        },
      },
    );

  it("names it notification fan-out and ties its CPU to the notifications, not to 'somewhere other than polling'", () => {
    const v = diagnose(herd(1000));
    expect(v[0]?.text).toBe(
      "notification fan-out (every subscriber of the job's queue, 1,000, is woken for each job: a thundering herd): 1,000 notifications delivered per job, 100% of the polls they trigger come back empty; the CPU it drives: server 18.0% + 10 worker processes 45.0% of one core for 1,000 notifications/s, 0.63 ms of CPU per notification",
    );
    expect(v[0]).toMatchObject({ subject: "server", pattern: "notification-fanout", evidence: { broadcast: "no", cpuPercent: 63 } });
    expect(texts(v).join("\n")).not.toMatch(/somewhere other than polling|broadcast|burning/);
  });

  it("says broadcast only when notifications per job exceed the queue's own subscribers", () => {
    const v = diagnose(herd(100));
    expect(v[0]?.text).toMatch(/^notification fan-out \(broadcast: the job's own queue has 100 subscribers\): 1,000 notifications delivered per job/);
    expect(v[0]?.evidence.broadcast).toBe("yes");
  });

  it("without subscribers per queue: no broadcast word, and says what it could not see", () => {
    const v = diagnose(herd(undefined));
    expect(v[0]?.text).toMatch(/^notification fan-out: 1,000 notifications delivered per job/);
    expect(v[0]?.missing[0]).toMatch(/subscribers per queue/);
  });

  it("leaves one notification per job alone", () => {
    const r = herd(1, 1);
    if (r.server.fanout) Object.assign(r.server.fanout, { pollsTriggeredPerEnqueue: 1, wastedPollsPerEnqueue: 0 });
    expect(diagnose(r).map((x) => x.pattern)).not.toContain("notification-fanout");
  });
});

describe("run state", () => {
  it("a failed run with no samples never says idle and quiet", () => {
    const r = run([proc({ name: "server", role: "server", cpu: 0, samples: false }), proc({ name: "worker", cpu: 0, samples: false })], null, { status: "failed", problems: ["server did not become ready"] });
    const v = diagnose(r);
    expect(v.map((x) => x.pattern)).toEqual(["run-failed", "no-samples"]);
    expect(texts(v).join("\n")).not.toMatch(/idle and quiet|no idle-CPU pattern/);
  });

  it("calls an all-quiet run idle and quiet", () => {
    const r = run([proc({ name: "server", role: "server", cpu: 0.3, wire: wire([]) }), proc({ name: "worker", cpu: 0.2, wire: wire([conn({ remote: "127.0.0.1:1", rt: 0.5 })]) })]);
    expect(texts(diagnose(r))).toEqual(["idle and quiet: server 0.3%, worker 0.2%"]);
  });

  it("names CPU that nothing explains, and never calls it quiet", () => {
    const r = run([proc({ name: "spinner", cpu: 98, voluntary: 2, wire: wire([]) })]);
    const v = diagnose(r);
    expect(v[0]).toMatchObject({ subject: "spinner", pattern: "unexplained-cpu" });
    expect(v[0]?.text).toBe("spinner: 98.0% of one core that no poll, timer or client explains (0 round trips/s, 2 wake-ups/s): profile it (--profile flame)");
  });

  it("a server whose requests cannot explain its CPU is not said to serve them", () => {
    const r = run([
      proc({ name: "srv", role: "server", cpu: 40, voluntary: 20, wire: wire([conn({ remote: "127.0.0.1:5", peer: "cli", side: "server", rt: 5 })]) }),
      proc({ name: "cli", cpu: 0.2, wire: wire([conn({ remote: "127.0.0.1:80", peer: "srv", rt: 5 })]) }),
    ]);
    const v = about(diagnose(r), "srv");
    expect(v.map((x) => x.pattern)).toEqual(["unexplained-cpu"]);
  });
});

describe("connections", () => {
  it("does not count an idle connection to the same peer (a notification stream) as a poll connection", () => {
    const r = run([proc({ name: "w", cpu: 20, wire: wire([conn({ remote: "127.0.0.1:9000", peer: "srv", rt: 2000 }), conn({ remote: "127.0.0.1:9000", peer: "srv", rt: 0 })]) })]);
    expect(diagnose(r)[0]?.text).toMatch(/^w: tight poll loop: 2,000 round trips\/s to srv \(127\.0\.0\.1:9000\) on one connection/);
  });
});

describe("a server whose clients reconnect for every request", () => {
  it("matches its short-lived connections to the measured clients that opened them, by count", () => {
    const server = proc({ name: "httpd", role: "server", cpu: 70, voluntary: 2000, wire: wire([], { acceptsPerS: 805, connectsPerS: 0, roundTripsPerS: 805, shortLivedPerS: 805, roundTripsAtLeast: true }) });
    const tight = proc({ name: "tight", cpu: 38, voluntary: 800, wire: wire([], { connectsPerS: 800, acceptsPerS: 0, roundTripsPerS: 800, shortLivedPerS: 800, roundTripsAtLeast: true }) });
    const slow = proc({ name: "slow", cpu: 0.5, voluntary: 10, wire: wire([], { connectsPerS: 5, acceptsPerS: 0, roundTripsPerS: 5, shortLivedPerS: 5, roundTripsAtLeast: true }) });
    const v = diagnose(run([server, tight, slow])).filter((x) => x.subject === "httpd");
    expect(v[0]).toMatchObject({ pattern: "serving-clients", evidence: { topClient: "tight" } });
    expect(String(v[0]?.evidence.source)).toMatch(/matched to measured clients by count/);
  });
});
