/** The wake-up program's text, its output parser, and the figures built from it (pure: fixture text). */
import { describe, expect, it } from "vitest";
import { CTX, VIA, contextCause, diffSnapshots, parsePrintout, splitPrintouts, wakeupProgram } from "../../harness/sample/wakeup-program.js";
import { pairExchanges, timerShare, wakePairs, wakeupFigures, type ResolvedWake } from "../../harness/analyze/wakeup-figures.js";
import { wakeupsSection } from "../../harness/report/wakeups-markdown.js";
import type { RunResult } from "../../harness/analyze/result-types.js";

const OUT = `Attaching 12 probes...
ready
@c[0]: 1
@p[900]: 1
@w[100, python3, 201, 0, 1]: 10
@w[0, swapper/0, 201, 1, 0]: 4
@zz_end: 1


@c[1]: 0
@p[900]: 1
@w[100, python3, 201, 0, 1]: 110
@w[0, swapper/0, 201, 1, 0]: 9
@w[300, my, odd, comm], 201, 0, 4]: 5
@x[202]: 200
@zz_end: 1
`;

describe("wake-up program and parser", () => {
  it("builds a program that counts in the kernel and exits with the harness", () => {
    const p = wakeupProgram(() => true, 4242, "x64");
    expect(p).toContain("tracepoint:sched:sched_waking");
    expect(p).toContain("@w[pid, comm, args->pid, @c[cpu], $v] = count();");
    expect(p).toContain("/pid == 4242 && tid == 4242/ { exit(); }");
    expect(p).toContain("orig_ax");
    expect(p).not.toMatch(/printf\("[^r]/); // nothing printed per event
    const other = wakeupProgram((e) => !e.startsWith("irq_vectors/"), 1, "arm64");
    expect(other).not.toContain("irq_vectors");
    expect(other).not.toContain("orig_ax");
  });

  it("splits printouts and subtracts the start from the end", () => {
    const blocks = splitPrintouts(OUT);
    expect(blocks).toHaveLength(2);
    const a = parsePrintout(blocks[0] as string);
    const b = parsePrintout(blocks[1] as string);
    expect(b.wakes.find((w) => w.wakerTgid === 300)?.wakerComm).toBe("my, odd, comm]");
    expect(b.exitedTgid.get(202)).toBe(200);
    expect(diffSnapshots(a, b).map((w) => [w.wakerTgid, w.count])).toEqual([
      [100, 100],
      [0, 5],
      [300, 5],
    ]);
  });

  it("names contexts", () => {
    expect(contextCause(CTX.hrtimer | CTX.softirq)).toBe("timer");
    expect(contextCause(CTX.hardirq)).toBe("interrupt");
    expect(contextCause(CTX.softirq | CTX.netRx)).toBe("network");
    expect(contextCause(0)).toBeNull();
  });
});

const wake = (w: Partial<ResolvedWake>): ResolvedWake => ({ wakerTgid: 10, wakerComm: "x", wakerKey: null, wakeeKey: "client", ctx: 0, via: VIA.send, count: 1, ...w });

describe("wake-up figures", () => {
  const input = {
    coveredS: 2,
    attributorPid: 77,
    harnessPid: 88,
    method: "bpftrace on sched:sched_waking",
    notes: [],
    wakes: [
      wake({ wakerTgid: 10, wakerKey: "server", wakeeKey: "client", via: VIA.receive, count: 7000 }),
      wake({ wakerTgid: 10, wakerKey: "server", wakeeKey: "client", via: VIA.send, count: 1000 }),
      wake({ wakerTgid: 11, wakerKey: "client", wakeeKey: "server", via: VIA.send, count: 6000 }),
      wake({ wakerTgid: 0, wakerComm: "swapper/1", wakeeKey: "timer", ctx: CTX.hrtimer, count: 1800 }),
      wake({ wakerTgid: 55, wakerComm: "other", wakeeKey: "timer", via: VIA.userMode, count: 150 }),
      wake({ wakerTgid: 12, wakerKey: "timer", wakeeKey: "timer", via: VIA.futex, count: 50 }),
      wake({ wakerTgid: 77, wakerComm: "bpftrace", wakeeKey: "timer", count: 2 }),
      wake({ wakerTgid: 88, wakerComm: "node", wakeeKey: "timer", count: 2 }),
      wake({ wakerTgid: 99, wakerComm: "sshd", wakeeKey: "timer", count: 2 }),
    ],
  };
  const figs = wakeupFigures(["client", "server", "timer", "quiet"], input);

  it("splits each process's wake-ups by waker, the busiest first; a quiet process is a measured 0", () => {
    const c = figs.get("client");
    expect(c?.totalPerS).toBe(4000);
    expect(c?.by[0]).toEqual({ from: "server", kind: "measured", cause: "peer", via: "receive", perS: 3500 });
    const t = figs.get("timer");
    expect(t?.by.map((s) => s.from)).toEqual(["timer/interrupt", "timer/interrupt", "timer", "bpftrace (the attributing program)", "harness", "sshd"]);
    expect(t?.by[2]).toMatchObject({ kind: "self", cause: "thread", via: "futex" });
    expect(timerShare(t)).toBeGreaterThan(0.9);
    expect(figs.get("quiet")).toMatchObject({ totalPerS: 0, by: [] });
  });

  it("counts a pair's exchanges as the largest of its send and receive wake-ups (each at most one per exchange)", () => {
    const ps = [...figs.entries()].map(([name, wakeups]) => ({ name, wakeups }));
    const client = ps.find((p) => p.name === "client");
    const server = ps.find((p) => p.name === "server");
    expect(pairExchanges(client!, server!)).toBe(3500);
    expect(pairExchanges(client!, ps.find((p) => p.name === "timer")!)).toBe(0);
    expect(wakePairs(ps)[0]).toMatchObject({ from: "server", to: "client", perS: 3500 });
  });

  it("renders the table, or one line why it was not counted", () => {
    const ps = [...figs.entries()].map(([name, wakeups]) => ({ name, wakeups }));
    const md = wakeupsSection({ processes: ps } as unknown as RunResult).join("\n");
    expect(md).toMatch(/## Who wakes whom/);
    expect(md).toMatch(/\| server \| client \| 3,500 \|/);
    const off = wakeupsSection({ processes: [{ name: "a", wakeups: { method: null, totalPerS: null, by: [], coveredS: 0, notes: ["needs root or CAP_BPF and CAP_PERFMON"] } }] } as unknown as RunResult).join("\n");
    expect(off).toMatch(/Not counted: needs root or CAP\\?_BPF and CAP\\?_PERFMON/);
  });
});

describe("wake-up pairs in comparisons", () => {
  it("the busiest pair of measured processes, named", async () => {
    const { figuresOf } = await import("../../harness/compare/build-comparison.js");
    const run = (perS: number) =>
      ({
        roles: {},
        server: { pollsPerS: null, emptyPollRatio: null, pickupLatencyMs: null, notificationsPerS: null, notifiedPollsPerS: null, notifiedEmptyPollsPerS: null },
        processes: [
          { name: "worker", wakeups: { method: "m", totalPerS: perS, coveredS: 1, notes: [], by: [{ from: "server", kind: "measured", cause: "peer", via: "send", perS }, { from: "timer/interrupt", kind: "timer/interrupt", cause: "timer", perS: 9e9 }] } },
          { name: "server", wakeups: { method: "m", totalPerS: 10, coveredS: 1, notes: [], by: [{ from: "worker", kind: "measured", cause: "peer", via: "send", perS: 10 }] } },
        ],
      }) as unknown as RunResult;
    const f = figuresOf([run(4000), run(5000)]);
    expect(f.busiestWakePair).toBe("server → worker");
    expect(f.busiestWakePairPerS?.median).toBe(4500);
  });
});
