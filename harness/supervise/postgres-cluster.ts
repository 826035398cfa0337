/**
 * A throw-away PostgreSQL cluster for `server.reference.store: postgres`: found among the machine's
 * binaries, made with initdb in a temporary folder, run as an unprivileged user (postgres refuses
 * root: as root the harness runs it as the `postgres` user, otherwise as itself), reachable on a
 * loopback port and a socket folder inside the cluster's folder. The postmaster is an ordinary
 * process of the run (role "database"), so the supervisor starts, measures and stops it like the
 * rest; the folder is written into the run record before it is made, so `harness clean` removes it
 * after a killed harness.
 */
import { spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { RunError, UsageError } from "../util/errors.js";
import type { ProcessSpec } from "../scenario/plan.js";

/** Cluster folders start with this; `harness clean` removes only folders named so. */
export const CLUSTER_PREFIX = "harness-pg-";

/** The folder of the PostgreSQL server programs (initdb, postgres), or undefined when none is installed. */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.HARNESS_PG_BIN;
  const candidates: string[] = fromEnv ? [fromEnv] : [];
  try {
    const versions = readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not Debian's layout
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir) candidates.push(dir);
  return candidates.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "postgres")));
}

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/** As root: the `postgres` user (postgres refuses to run as root); otherwise undefined (run as ourselves). */
export function clusterUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === "postgres" && uid && gid) return { uid: Number(uid), gid: Number(gid), user };
  }
  throw new UsageError("server.reference.store: postgres: the harness runs as root and PostgreSQL refuses root; there is no `postgres` user to run the cluster as (create one, or run the harness as an ordinary user)");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  dir: string;
  port: number;
  url: string;
  /** the postmaster, as a process of the run */
  spec: ProcessSpec;
  /** remove the cluster's folder (after the postmaster stopped); synchronous, for exit paths */
  remove(): void;
}

function runAs(cmd: string, args: string[], as: RunAs | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], uid: as?.uid, gid: as?.gid, cwd: "/", env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const onAbort = (): void => void child.kill("SIGKILL");
    signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => reject(new RunError(`cannot start ${cmd}: ${err.message}`)));
    child.once("exit", (code, sig) => {
      signal.removeEventListener("abort", onAbort);
      if (code === 0) resolve();
      else reject(new RunError(`${basename(cmd)} failed (${sig ?? `exit ${code}`}): ${output.trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

/**
 * Make the cluster (initdb) and the postmaster's process spec. `record` is called with the folder
 * before anything is written into it. The caller starts `spec`, and calls remove() after it stopped.
 */
export async function prepareCluster(record: (dir: string) => void, signal: AbortSignal): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) throw new RunError("server.reference.store: postgres: no PostgreSQL server programs (initdb, postgres) on this machine: install them (Debian: apt-get install postgresql) or give server.reference.databaseUrl");
  const as = clusterUser();
  const dir = mkdtempSync(join(tmpdir(), CLUSTER_PREFIX));
  record(dir);
  const remove = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    const data = join(dir, "data");
    const sockets = join(dir, "sockets");
    mkdirSync(sockets);
    if (as) {
      chownSync(dir, as.uid, as.gid);
      chownSync(sockets, as.uid, as.gid);
    }
    await runAs(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], as, signal);
    const port = await freePort();
    const spec: ProcessSpec = {
      role: "database",
      name: "database",
      group: "database",
      index: 0,
      argv: [join(bin, "postgres"), "-D", data, "-k", sockets, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
      shell: false,
      env: { LC_ALL: "C" },
      cwd: dir,
      ready: { stderr: "database system is ready to accept connections" },
      readyTimeoutS: 30,
      uid: as?.uid,
      gid: as?.gid,
      // fast shutdown: disconnect clients and stop (SIGTERM, a smart shutdown, would wait for them)
      stopSignal: "SIGINT",
    };
    return { dir, port, url: `postgresql://postgres@127.0.0.1:${port}/postgres`, spec, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** A cluster folder of ours (named by CLUSTER_PREFIX), safe for `harness clean` to remove. */
export function isClusterDir(dir: string): boolean {
  return basename(dir).startsWith(CLUSTER_PREFIX);
}

/** Check that an existing database answers, before anything starts: a refusal is one line, exit 1. */
export async function probeDatabase(url: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    throw new RunError(`server.reference.databaseUrl ${safeUrl(url)}: cannot connect: ${(err as Error).message || (err as { code?: string }).code || "refused"}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
