/**
 * report.md sections for the discovery strategies (pure, from a RunResult): idle polls and
 * requests per day at the real scale (seed 004), the backoff right after work, fan-out per
 * enqueue (seed 003), and the server's polls and claims over time.
 */
import type { RunResult, ServerSeriesPoint } from "../analyze/result-types.js";
import { cell } from "./escape.js";
import { latencyQuantiles, num, table } from "./format.js";

/** Most rows a time-series table shows; longer series are thinned to every n-th point. */
const MAX_SERIES_ROWS = 60;

export function serverSeriesSections(r: RunResult): string[] {
  const srv = r.server;
  if (!srv.scraped) return [];
  const out: string[] = [];
  // counter resets and the like: said before any figure they affect
  for (const p of srv.problems ?? []) out.push(`> Server counters: ${cell(p)}.`);
  const scale = r.scenario.timeScale ?? 1;

  const idle: string[] = [];
  if (srv.emptyPollsPerS !== undefined && srv.emptyPollsPerS !== null) {
    idle.push(`Idle (empty) polls: **${num(srv.emptyPollsPerS, 2)}/s**, ${num(srv.emptyPollsPerS * 86_400, 0)} a day at this rate.`);
  }
  const b = srv.backoffAfterWorkMs;
  if (b) idle.push(`Backoff right after work (a loop's sleep after its first empty poll following a claim, ${b.count} times; estimates inside histogram buckets): ${latencyQuantiles(b, ["p50"])}.`);
  if (idle.length) out.push(idle.join("\n"));

  if (scale > 1 && srv.perLoop.length) {
    const shown = srv.perLoop.slice(0, 40);
    out.push(`### Requests per day at the real scale`);
    out.push(`This scenario runs ${scale} times faster than the system it mirrors (its intervals are divided by ${scale}), so the real system makes ${scale} times fewer requests a day than measured here.`);
    out.push(
      table(
        ["Worker", "Loop", "Polls/s (measured)", "Requests/day (measured)", `Requests/day at real scale (÷ ${scale})`],
        shown.map((l) => [cell(l.worker), cell(l.loop), num(l.pollsPerS, 2), num(l.pollsPerS * 86_400, 0), num((l.pollsPerS * 86_400) / scale, 0)]),
        ["l", "l", "r", "r", "r"],
      ),
    );
  }

  const f = srv.fanout;
  if (f && (srv.notificationsPerS ?? 0) > 0) {
    out.push("### Fan-out per enqueue");
    out.push(
      table(
        ["Jobs enqueued", "Notifications delivered", "Polls triggered", "Wasted polls (empty)", "Wasted wake-ups"],
        [[String(f.enqueued), num(f.notificationsPerEnqueue, 2), num(f.pollsTriggeredPerEnqueue, 2), num(f.wastedPollsPerEnqueue, 2), num(f.wastedWakeupsPerEnqueue, 2)]],
        ["r", "r", "r", "r", "r"],
      ),
    );
    out.push("_Per enqueued job over the window. A wasted wake-up is a notification delivered that did not end in a claim: the subscriber woke and read it for nothing (a broadcast wakes every subscriber; each filters by queue). A wasted poll is a notification-triggered poll that found the job already taken._");
  }

  const series = srv.series ?? [];
  if (series.length > 1) {
    const step = Math.ceil(series.length / MAX_SERIES_ROWS);
    const rows = series.filter((_, i) => i % step === 0 || i === series.length - 1);
    out.push("### Server polls over time");
    out.push(table(["Time", "Polls/s", "Empty polls/s", "Claims/s", ""], rows.map((p) => [`${p.t.toFixed(1)}s`, num(p.pollsPerS, 1), num(p.emptyPollsPerS, 1), num(p.claimsPerS, 1), bar(p, series) + (p.counterReset ? " (counter reset)" : "")]), ["l", "r", "r", "r", "l"]));
    out.push(`_From a scrape of the metrics endpoint at every sample${step > 1 ? ` (every ${step}th interval shown)` : ""}; the bar is polls/s relative to the busiest interval. A claim after an idle stretch shows as a jump back to the base rate when the backoff resets._`);
  }
  return out;
}

function bar(p: ServerSeriesPoint, all: ServerSeriesPoint[]): string {
  const max = Math.max(...all.map((s) => s.pollsPerS));
  if (max <= 0) return "";
  return "█".repeat(Math.round((p.pollsPerS / max) * 20)) + (p.claimsPerS > 0 ? " ← claim" : "");
}
