/**
 * Notification fan-out: each enqueued job delivers several notifications, most of them wasted. Its
 * CPU is tied to the notifications (server sending them, workers waking to read and drop them), so
 * the processes it covers are not called "burning while idle". "Broadcast" only when the
 * notifications per job exceed the subscribers of that job's own queue.
 */
import type { FanoutFigures, Verdict } from "../../analyze/result-types.js";
import { fmtNum, fmtPct, fmtShare, round } from "../format.js";
import { THRESHOLDS as T } from "../thresholds.js";
import { verdict, type RuleContext } from "./context.js";

interface FanoutReading {
  perJob: number;
  /** subscribers of the job's own queue per job; null when the server does not export them */
  queueSubscribers: number | null;
  wastedShare: number;
  wastedWords: string;
  notificationsPerS: number | null;
}

function reading(ctx: RuleContext): FanoutReading | null {
  const s = ctx.ev.counters;
  if (!s) return null;
  const f: FanoutFigures | null | undefined = s.fanout;
  let perJob: number | null = null;
  let queueSubscribers: number | null = null;
  let wastedShare: number | null = null;
  let wastedWords = "";
  if (f && f.enqueued > 0) {
    perJob = f.notificationsPerEnqueue;
    queueSubscribers = f.queueSubscribersPerEnqueue ?? null;
    if (f.pollsTriggeredPerEnqueue > 0) {
      wastedShare = f.wastedPollsPerEnqueue / f.pollsTriggeredPerEnqueue;
      wastedWords = `${fmtShare(wastedShare)} of the polls they trigger come back empty`;
    } else if (f.notificationsPerEnqueue > 0) {
      wastedShare = f.wastedWakeupsPerEnqueue / f.notificationsPerEnqueue;
      wastedWords = `${fmtShare(wastedShare)} of them end in no claim`;
    }
  } else if (s.notificationsPerS && s.enqueuedPerS) {
    perJob = s.notificationsPerS / s.enqueuedPerS;
    if (s.notifiedPollsPerS) {
      wastedShare = (s.notifiedEmptyPollsPerS ?? 0) / s.notifiedPollsPerS;
      wastedWords = `${fmtShare(wastedShare)} of the polls they trigger come back empty`;
    }
  }
  if (perJob === null || wastedShare === null) return null;
  const windowS = ctx.ev.result.window.measuredS;
  const fromFanout = f && f.enqueued > 0 && windowS > 0 ? (f.enqueued * f.notificationsPerEnqueue) / windowS : null;
  const notificationsPerS = fromFanout ?? s.notificationsPerS ?? (s.enqueuedPerS !== null ? perJob * s.enqueuedPerS : null);
  return { perJob, queueSubscribers, wastedShare, wastedWords, notificationsPerS };
}

export function fanoutVerdicts(ctx: RuleContext): Verdict[] {
  const r = reading(ctx);
  if (!r || r.perJob < T.fanoutMinNotificationsPerJob || r.wastedShare < T.fanoutMinWastedShare) return [];
  const server = ctx.ev.processes.find((p) => p.countersServer);
  // with replicas on a database, every replica relays the notifications, and the database carries them
  const relays = server ? ctx.ev.processes.filter((p) => p === server || p.role === "database" || p.role === "server") : [];
  const workers = ctx.ev.processes.filter((p) => p.role === "worker");
  const missing: string[] = [];
  let kind: string;
  const broadcast = r.queueSubscribers !== null && r.perJob > r.queueSubscribers * T.broadcastMinFactor;
  if (r.queueSubscribers === null) {
    kind = "";
    missing.push("the server does not export its subscribers per queue: whether the notifications are broadcast beyond each job's own queue is unknown");
  } else if (broadcast) kind = ` (broadcast: the job's own queue has ${fmtNum(r.queueSubscribers)} subscribers)`;
  else kind = ` (every subscriber of the job's queue, ${fmtNum(r.queueSubscribers)}, is woken for each job: a thundering herd)`;
  // the CPU of the processes the notifications drive
  const parts: string[] = [];
  let cpu = 0;
  let cpuKnown = false;
  for (const p of relays) {
    if (p.cpuPercent === null) continue;
    parts.push(`${p.name} ${fmtPct(p.cpuPercent)}`);
    cpu += p.cpuPercent;
    cpuKnown = true;
  }
  const workerCpus = workers.map((w) => w.cpuPercent).filter((x): x is number => x !== null);
  if (workerCpus.length) {
    const sum = workerCpus.reduce((a, b) => a + b, 0);
    parts.push(`${workers.length > 1 ? `${workers.length} worker processes` : (workers[0]?.name ?? "worker")} ${fmtPct(sum)}`);
    cpu += sum;
    cpuKnown = true;
  }
  let cpuWords = "";
  let msPer: number | null = null;
  if (cpuKnown && r.notificationsPerS) {
    msPer = (cpu * 10) / r.notificationsPerS;
    cpuWords = `; the CPU it drives: ${parts.join(" + ")} of one core for ${fmtNum(r.notificationsPerS)} notifications/s, ${fmtNum(msPer, 2)} ms of CPU per notification`;
  } else if (!cpuKnown) missing.push("no CPU samples: the CPU the notifications cost is unknown");
  // the scheduler's view: how many subscriber processes the server woke for each job
  const evidence: Verdict["evidence"] = {};
  let wakeWords = "";
  const enqueuedPerS = ctx.ev.counters?.enqueuedPerS ?? null;
  if (server && enqueuedPerS && workers.length && workers.every((w) => w.wokenBy)) {
    // with replicas, a subscriber is woken by whichever server process it is connected to
    const servers = relays.filter((p) => p.role === "server");
    const perJob = workers.map((w) => servers.reduce((n, sv) => n + (w.wokenBy?.fromMeasured.get(sv.name) ?? 0), 0) / enqueuedPerS);
    const woken = perJob.filter((n) => n >= T.fanoutMinWakesPerJob).length;
    const total = perJob.reduce((a, b) => a + b, 0);
    Object.assign(evidence, { processesWokenPerJob: woken, subscriberProcesses: workers.length, serverWakeupsPerJob: round(total, 2) });
    wakeWords = `; the scheduler saw ${servers.map((sv) => sv.name).join(" and ")} wake ${woken === workers.length ? `every one of the ${workers.length} subscriber processes` : `${woken} of ${workers.length} subscriber processes`} for each job (${fmtNum(total)} wake-ups per job)`;
  } else if (server && workers.some((w) => !w.wokenBy && w.process.wakeups)) {
    missing.push(`who woke the subscribers could not be counted (${workers.find((w) => !w.wokenBy)?.wokenByMissing ?? "no reason given"})`);
  }
  for (const p of [...relays, ...workers]) if (p) {
    ctx.explained.add(p.name);
  }
  return [
    verdict(
      server?.name ?? null,
      "notification-fanout",
      `notification fan-out${kind}: ${fmtNum(r.perJob)} notifications delivered per job, ${r.wastedWords}${cpuWords}${wakeWords}`,
      {
        notificationsPerJob: r.perJob,
        queueSubscribersPerJob: r.queueSubscribers,
        broadcast: r.queueSubscribers === null ? null : broadcast ? "yes" : "no",
        wastedShare: round(r.wastedShare, 4),
        notificationsPerS: r.notificationsPerS,
        cpuPercent: cpuKnown ? round(cpu, 2) : null,
        cpuMsPerNotification: msPer === null ? null : round(msPer, 3),
        ...evidence,
      },
      missing,
    ),
  ];
}
