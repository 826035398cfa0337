/**
 * The seed findings re-run on Postgres (server.reference.store: postgres, issue 14): a poll is then a
 * real query over the network, as in the seeds' own systems, and the database's CPU is measured as
 * its own role. Each is shown beside the SQLite experiment it repeats (`beside`), with the
 * database's share of the CPU burned while idle.
 */
import type { Condition } from "../compare/comparison-types.js";
import { notificationTable, summaryCell } from "../report/comparison-markdown.js";
import { num, pct, table } from "../report/format.js";
import type { Summary } from "../stats/summary.js";
import type { ExperimentOutcome, Finding } from "./findings.js";

const p1 = (s: Summary | null | undefined): string => summaryCell(s ?? null, (x) => pct(x, 1));
const med = (s: Summary | null | undefined): number => s?.median ?? Number.NaN;

/** server + database + worker CPU (medians), percent of one core */
function total(k: Condition): number {
  return med(k.figures.serverCpu) + (k.figures.databaseCpu ? med(k.figures.databaseCpu) : 0) + med(k.figures.workerCpu);
}

function dbShare(k: Condition): string {
  if (!k.figures.databaseCpu) return "– (embedded)";
  const t = total(k);
  return t > 0 ? pct((100 * med(k.figures.databaseCpu)) / t, 0) : "–";
}

/** One row per condition of both stores: the CPU by role and the database's share of it. */
function storesTable(rows: [string, Condition][]): string {
  return table(
    ["Store", "Condition", "Polls/s", "Server CPU", "Database CPU", "Worker CPU", "Database share"],
    rows.map(([store, k]) => [store, k.label, summaryCell(k.figures.pollsPerS, (x) => num(x, 0)), p1(k.figures.serverCpu), k.figures.databaseCpu ? p1(k.figures.databaseCpu) : "– (in-process)", p1(k.figures.workerCpu), dbShare(k)]),
    ["l", "l", "r", "r", "r", "r", "r"],
  );
}

function conds(o: ExperimentOutcome | undefined): Condition[] {
  return o?.comparison.conditions ?? [];
}

export const POSTGRES_FINDINGS: Finding[] = [
  {
    seed: "000",
    title: "On Postgres: the tight loop and its fix, with the database's share",
    claim: "The seeds' servers make a database round trip for every poll, so an idle tight loop also keeps the database busy; SQLite embedded in the reference server hides that cost.",
    seedFigure: "every empty poll is a query",
    rule: "Reproduces if, on Postgres, the idle tight loop keeps the server and the worker each at 10% of one core or more and the database at 1% or more (medians), and a 100 ms fixed backoff cuts server + database + worker CPU at least 5-fold.",
    experiment: "000-tight-vs-backoff-postgres",
    beside: "000-tight-vs-backoff",
    evaluate(o, sqlite) {
      const [tight, fixed] = o.comparison.conditions;
      if (!tight || !fixed) throw new Error("experiment 000-tight-vs-backoff-postgres: a condition is missing (did its runs fail?)");
      const burns = med(tight.figures.serverCpu) >= 10 && med(tight.figures.workerCpu) >= 10 && med(tight.figures.databaseCpu) >= 1;
      const cut = total(tight) / total(fixed);
      const yes = burns && cut >= 5;
      const rows: [string, Condition][] = [...conds(sqlite).map((k): [string, Condition] => ["SQLite", k]), ["Postgres", tight], ["Postgres", fixed]];
      return {
        ours: `tight: server ${p1(tight.figures.serverCpu)}, database ${p1(tight.figures.databaseCpu)} (${dbShare(tight)} of the burn), worker ${p1(tight.figures.workerCpu)}; backoff ${num(cut, 0)}x less`,
        reproduces: yes ? "yes" : burns || cut >= 5 ? "partly" : "no",
        why: `${burns ? "The idle tight loop burns on every side, the database included" : "The tight loop did not reach the rule's levels on every side"}: ${summaryCell(tight.figures.pollsPerS, (x) => num(x, 0))} empty polls/s, each a query the database answers, ${dbShare(tight)} of the CPU burned. The 100 ms backoff cuts server + database + worker CPU ${num(cut, 1)}-fold (rule: at least 5).${sqlite ? " The SQLite rows are the same scenarios with the embedded store (experiment 000-tight-vs-backoff)." : " The SQLite experiment (000-tight-vs-backoff) was not run in this invocation."}`,
        tables: [storesTable(rows)],
      };
    },
  },
  {
    seed: "003",
    title: "On Postgres with two replicas: broadcast versus targeted through LISTEN/NOTIFY",
    claim: "Across a deployment, targeted notification needs per-queue channels (the seed names NATS subjects per queue); with Postgres that is LISTEN/NOTIFY per queue channel. A broadcast channel wakes all 100 workers per job on every replica; per-queue channels only the ~10 of the job's queue, wherever they are connected.",
    seedFigure: "100 woken per job, ~10 useful",
    rule: "Reproduces if, with two server replicas on one Postgres and the jobs enqueued on one of them, broadcast delivers at least 50 notifications per job and at least 5x as many as per-queue channels do.",
    experiment: "003-fan-out-postgres",
    beside: "003-fan-out",
    evaluate(o, sqlite) {
      const [b, t] = o.comparison.conditions;
      if (!b || !t) throw new Error("experiment 003-fan-out-postgres: a condition is missing (did its runs fail?)");
      const nb = med(b.figures.notificationsPerEnqueue);
      const nt = med(t.figures.notificationsPerEnqueue);
      const yes = nb >= 50 && nb >= 5 * nt;
      const rows: [string, Condition][] = [...conds(sqlite).map((k): [string, Condition] => ["SQLite, 1 server", k]), ["Postgres, 2 replicas", b], ["Postgres, 2 replicas", t]];
      return {
        ours: `${num(nb, 0)} vs ${num(nt, 0)} notifications per job across 2 replicas`,
        reproduces: Number.isNaN(nb) ? "no" : yes ? "yes" : "no",
        why: Number.isNaN(nb)
          ? "The results carry no per-job fan-out figures (the server counters were missing)."
          : `${yes ? `Broadcast wakes ${num(nb, 0)} workers per job, per-queue channels ${num(nt, 0)}, on both replicas` : "The fan-out ratio is below the rule's threshold"}; counters are summed over both replicas' /metrics. The database carries the notifications (${p1(b.figures.databaseCpu)} broadcast, ${p1(t.figures.databaseCpu)} targeted).`,
        tables: [notificationTable(o.comparison) ?? "", storesTable(rows)].filter(Boolean),
      };
    },
  },
];
