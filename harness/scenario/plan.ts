/**
 * Turn a validated scenario into a plan: the exact processes to start, in order, with their
 * readiness checks. Built-in reference programs become ordinary commands here, so the supervisor
 * treats the reference system and a user's own programs the same way.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { sqliteAddonProblem } from "./native-addon.js";
import { UsageError } from "../util/errors.js";
import { checkProgram, checkReadyPattern } from "./preflight.js";
import { packageRoot, referenceProgram } from "../util/paths.js";
import { findPostgresBin } from "../supervise/postgres-cluster.js";
import type { MetricsMap, Ready, Scenario } from "./schema.js";

export type Role = "server" | "worker" | "load" | "database";

export interface ProcessSpec {
  role: Role;
  name: string;
  /** group this process belongs to (the worker group's name) */
  group: string;
  index: number;
  /** argv with placeholders ({server.url}, {server.port}, {index}, {name}, {root}) still in it */
  argv: string[];
  shell: boolean;
  env: Record<string, string>;
  cwd?: string;
  ready?: Ready;
  readyTimeoutS: number;
  /** for the server: its URL (template) when not captured from the ready pattern */
  url?: string;
  /** Prometheus endpoint (template) scraped at the window's start and end */
  metrics?: string;
  /** the user's counters standing in for the reference server's poll counters */
  metricsMap?: MetricsMap;
  /** run as this user and group (the throw-away Postgres cluster, which refuses root) */
  uid?: number;
  gid?: number;
  /** the signal that asks it to stop (default SIGTERM; Postgres stops fast on SIGINT) */
  stopSignal?: NodeJS.Signals;
}

/** A working directory from the file: placeholders filled, relative to the scenario file's folder. */
function resolveCwd(cwd: string | undefined, scenarioFile: string, index: number, name: string): string | undefined {
  if (cwd === undefined) return undefined;
  const filled = cwd.replace(/\{(root|index|name)\}/g, (_m, key: string) => (key === "root" ? packageRoot() : key === "index" ? String(index) : name));
  const dir = resolve(dirname(scenarioFile), filled);
  if (!existsSync(dir)) throw new UsageError(`${scenarioFile}: field "cwd" of "${name}": folder ${dir} does not exist`);
  return dir;
}

/** The database under the reference server: a throw-away cluster the run starts, or an existing one. */
export type DatabasePlan = { kind: "cluster" } | { kind: "url"; url: string };

export interface Plan {
  scenario: Scenario;
  /** the server (with replicas: the first of them, the one the load generator enqueues on) */
  server: ProcessSpec;
  /** the other server replicas on the same database (server.reference.replicas > 1) */
  replicas?: ProcessSpec[];
  /** server.reference.store: postgres */
  database?: DatabasePlan;
  workers: ProcessSpec[];
  load?: ProcessSpec;
}

function requireBuilt(program: string): void {
  if (!existsSync(program)) throw new UsageError(`${program} is missing: run \`npm run build\` first (npm ci does it for you)`);
}

/** Ask a reference program to validate its own arguments, without starting anything. */
function checkReferenceArgs(program: string, args: string[], where: string): void {
  const r = spawnSync(process.execPath, [program, ...args.map((a) => a.replace("{server.url}", "http://127.0.0.1:1")), "--check"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0];
    throw new UsageError(`${where}: ${msg}`);
  }
}

export function buildPlan(scenario: Scenario, scenarioFile: string): Plan {
  const node = process.execPath;
  let server: ProcessSpec;
  const replicas: ProcessSpec[] = [];
  let database: DatabasePlan | undefined;
  if ("reference" in scenario.server) {
    const program = referenceProgram("server");
    requireBuilt(program);
    const ref = scenario.server.reference;
    const postgres = ref.store === "postgres" || ref.databaseUrl !== undefined;
    if (postgres && ref.db) throw new UsageError(`${scenarioFile}: field "server.reference.db": a SQLite file, but the store is postgres: leave one of them out`);
    if (ref.replicas > 1 && !postgres) throw new UsageError(`${scenarioFile}: field "server.reference.replicas": replicas share one database: needs server.reference.store: postgres`);
    if (postgres && !ref.databaseUrl && !findPostgresBin()) {
      throw new UsageError(`${scenarioFile}: field "server.reference.store": postgres, but no PostgreSQL server programs (initdb, postgres) are installed (Debian: apt-get install postgresql); or give server.reference.databaseUrl`);
    }
    if (postgres) database = ref.databaseUrl ? { kind: "url", url: ref.databaseUrl } : { kind: "cluster" };
    // the server loads the SQLite addon whatever the store (store.ts imports it): it must match this Node
    const addon = sqliteAddonProblem();
    if (addon) throw new UsageError(addon);
    const args = ["--notify", scenario.server.reference.notify];
    if (scenario.server.reference.db) args.push("--db", scenario.server.reference.db);
    if (scenario.server.reference.pollCostMs > 0) args.push("--poll-cost-ms", String(scenario.server.reference.pollCostMs));
    if (scenario.server.reference.log !== "none") args.push("--log", scenario.server.reference.log);
    server = {
      role: "server",
      name: scenario.server.name,
      group: scenario.server.name,
      index: 0,
      argv: [node, program, ...args],
      shell: false,
      env: {},
      ready: { stdout: "^LISTENING (http://\\S+)" },
      readyTimeoutS: 15,
      metrics: scenario.server.reference.metrics ? "{server.url}/metrics" : undefined,
    };
    // replicas: the same program under the names server-2, server-3, ... (the database URL reaches them all at start)
    for (let i = 1; i < ref.replicas; i++) replicas.push({ ...server, name: `${server.name}-${i + 1}`, index: i });
  } else {
    const s = scenario.server;
    if (s.metricsMap && !s.metrics) throw new UsageError(`${scenarioFile}: field "server.metricsMap": needs "server.metrics", the Prometheus endpoint to scrape`);
    server = {
      role: "server",
      name: s.name,
      group: s.name,
      index: 0,
      argv: s.command,
      shell: s.shell,
      env: s.env,
      cwd: resolveCwd(s.cwd, scenarioFile, 0, s.name),
      ready: s.ready,
      readyTimeoutS: s.readyTimeoutS,
      url: s.url,
      metrics: s.metrics,
      metricsMap: s.metricsMap,
    };
  }

  const workers: ProcessSpec[] = [];
  const names = new Set<string>([server.name, ...replicas.map((r) => r.name), ...(database?.kind === "cluster" ? ["database"] : [])]);
  scenario.workers.forEach((g, gi) => {
    for (let i = 0; i < g.count; i++) {
      const name = g.count === 1 ? g.name : `${g.name}-${i + 1}`;
      if (names.has(name)) throw new UsageError(`${scenarioFile}: field "workers[${gi}].name": the process name "${name}" is used twice`);
      names.add(name);
      if ("reference" in g) {
        const program = referenceProgram("worker");
        requireBuilt(program);
        const r = g.reference;
        const args = ["--server", "{server.url}", "--name", name, "--queue", r.queue, "--work-ms", String(r.workMs)];
        for (const [loop, strategy] of Object.entries(r.loops)) args.push("--loop", `${loop}=${strategy}`);
        if (r.instances > 1) args.push("--instances", String(r.instances));
        if (r.queues) args.push("--queues", r.queues.join(","));
        if (i === 0) checkReferenceArgs(program, args, `${scenarioFile}: field "workers[${gi}].reference"`);
        workers.push({ role: "worker", name, group: g.name, index: i, argv: [node, program, ...args], shell: false, env: {}, readyTimeoutS: 15 });
      } else {
        workers.push({
          role: "worker",
          name,
          group: g.name,
          index: i,
          argv: g.command,
          shell: g.shell,
          env: g.env,
          cwd: resolveCwd(g.cwd, scenarioFile, i, name),
          ready: g.ready,
          readyTimeoutS: g.readyTimeoutS,
        });
      }
    }
  });

  let load: ProcessSpec | undefined;
  if (scenario.load && scenario.load.mode !== "idle") {
    const program = referenceProgram("load");
    requireBuilt(program);
    const l = scenario.load;
    const args = ["--server", "{server.url}", "--mode", l.mode, "--every-ms", String(l.everyMs), "--burst", String(l.burst), "--queues", l.queues.join(","), "--start-delay-ms", String(l.startDelayMs)];
    checkReferenceArgs(program, args, `${scenarioFile}: field "load"`);
    load = { role: "load", name: "load", group: "load", index: 0, argv: [node, program, ...args], shell: false, env: {}, readyTimeoutS: 15 };
  }
  // A program that does not exist is bad input (exit 2), found before anything starts.
  checkProgram(server, `${scenarioFile}: field "server.command[0]"`);
  checkReadyPattern(server.ready, scenarioFile, "server.ready");
  for (const w of workers) {
    const gi = scenario.workers.findIndex((g) => g.name === w.group);
    checkProgram(w, `${scenarioFile}: field "workers[${gi}].command[0]"`);
    checkReadyPattern(w.ready, scenarioFile, `workers[${gi}].ready`);
  }
  return { scenario, server, workers, load, ...(replicas.length ? { replicas } : {}), ...(database ? { database } : {}) };
}

export interface PlaceholderValues {
  serverUrl?: string;
  index: number;
  name: string;
}

/** Fill {server.url}, {server.port}, {index}, {name} and {root} into one string. */
export function fillPlaceholders(s: string, v: PlaceholderValues): string {
  return s.replace(/\{(server\.url|server\.port|index|name|root)\}/g, (m, key: string) => {
    switch (key) {
      case "server.url":
        if (!v.serverUrl) throw new UsageError(`placeholder ${m} used, but the server's URL is unknown (give the server "url", or a ready pattern whose group 1 is the URL)`);
        return v.serverUrl;
      case "server.port":
        if (!v.serverUrl) throw new UsageError(`placeholder ${m} used, but the server's URL is unknown`);
        return new URL(v.serverUrl).port;
      case "index":
        return String(v.index);
      case "name":
        return v.name;
      default:
        return packageRoot();
    }
  });
}
