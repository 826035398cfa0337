/** `node dist/src/server/main.js`: the reference job server as a process. */
import { ArgError, intArg, onStopSignal, readArgs, runMain } from "../common/args.js";
import { startServer } from "./http.js";
import { DbOpenError } from "./store.js";
import type { NotifyMode } from "./notifier.js";
import { REQUEST_LOG_MODES, type RequestLogMode } from "./request-log.js";

runMain("server", async () => {
  const a = readArgs(process.argv.slice(2), {
    host: { type: "string", env: "JOBS_HOST" },
    port: { type: "string", env: "JOBS_PORT" },
    db: { type: "string", env: "JOBS_DB" },
    "database-url": { type: "string", env: "JOBS_DATABASE_URL" },
    notify: { type: "string", env: "JOBS_NOTIFY" },
    "max-body": { type: "string" },
    "sse-heartbeat-ms": { type: "string" },
    "poll-cost-ms": { type: "string", env: "JOBS_POLL_COST_MS" },
    log: { type: "string", env: "JOBS_LOG" },
    check: { type: "boolean" },
  });
  const notify = (a.notify as string | undefined) ?? "off";
  if (!["off", "broadcast", "targeted"].includes(notify)) throw new ArgError(`--notify: expected off, broadcast or targeted, got "${notify}"`);
  const host = (a.host as string | undefined) ?? "127.0.0.1";
  if (!/^127\.|^::1$|^localhost$/.test(host)) throw new ArgError(`--host: the reference server binds to loopback only, got "${host}"`);
  const pollCostText = a["poll-cost-ms"] as string | undefined;
  const pollCostMs = pollCostText === undefined ? 0 : Number(pollCostText);
  if (pollCostText !== undefined && (!/^\s*[0-9]*\.?[0-9]+\s*$/.test(pollCostText) || !(pollCostMs <= 10_000))) {
    throw new ArgError(`--poll-cost-ms: expected a number of milliseconds from 0 to 10000, got "${pollCostText}"`);
  }
  const log = (a.log as string | undefined) ?? "none";
  if (!(REQUEST_LOG_MODES as readonly string[]).includes(log)) throw new ArgError(`--log: expected ${REQUEST_LOG_MODES.join(", ")}, got "${log}"`);
  const opts = {
    log: log as RequestLogMode,
    host,
    port: intArg(a.port as string | undefined, "port", 0, 0, 65535),
    db: a.db as string | undefined,
    databaseUrl: a["database-url"] as string | undefined,
    notify: notify as NotifyMode,
    maxBodyBytes: intArg(a["max-body"] as string | undefined, "max-body", 65_536, 1),
    sseHeartbeatMs: intArg(a["sse-heartbeat-ms"] as string | undefined, "sse-heartbeat-ms", 15_000),
    pollCostMs,
  };
  if (opts.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(opts.databaseUrl)) throw new ArgError(`--database-url: expected a postgres:// URL, got "${opts.databaseUrl}"`);
  if (opts.databaseUrl !== undefined && opts.db !== undefined) throw new ArgError("--db (a SQLite file) and --database-url (Postgres) exclude each other");
  if (a.check) return;
  let server;
  try {
    server = await startServer(opts);
  } catch (err) {
    // a db path that cannot be opened or a port in use is a bad option: one line, exit 2
    const e = err as Error & { code?: string };
    if (e.code === "EADDRINUSE" || e.code === "EACCES") throw new ArgError(`--port ${opts.port}: ${e.message}`);
    if (err instanceof DbOpenError) throw new ArgError(`${opts.databaseUrl ? "--database-url" : "--db"}: ${e.message}`);
    throw err;
  }
  process.stdout.write(`LISTENING ${server.url}\n`);
  onStopSignal(() => server.close());
});
