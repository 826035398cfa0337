/** For the Postgres tests: are the server programs here, and what did a run leave behind? */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findPostgresBin, prepareCluster } from "../../harness/supervise/postgres-cluster.js";
import { ROOT } from "./cli.js";

export const PG_BIN = findPostgresBin();
if (!PG_BIN) console.warn("postgres tests skipped: PostgreSQL server programs (initdb, postgres) are not installed (Debian: apt-get install postgresql)");

/** The throw-away cluster folder the harness announced on stderr ("cluster in /tmp/harness-pg-…"). */
export function clusterDirOf(stderr: string): string | undefined {
  return /cluster in (\S+)\)/.exec(stderr)?.[1];
}

/** Live processes whose command line is a postgres server or backend, started with this test run's marker. */
export function postgresProcesses(): string[] {
  const marker = process.env.HARNESS_TEST_RUN;
  const out: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (!/^(\/\S+\/)?postgres( |:)/.test(cmd)) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (marker && env.includes(`HARNESS_TEST_RUN=${marker}`)) out.push(`${entry}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function gone(dir: string | undefined): boolean {
  return dir !== undefined && !existsSync(dir);
}

/** A throw-away cluster a test runs itself (as the harness makes it), and a way to stop it and remove its folder. */
export interface TestCluster {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Resolves when `child` exits (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/** Stop a child with `signal`, SIGKILL after `ms`, and wait for it. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, ms = 5000): Promise<void> {
  const gone = exited(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await gone;
  clearTimeout(timer);
}

/** initdb and a postmaster on a free loopback port, ready to accept connections (stopped and removed on failure). */
export async function startCluster(): Promise<TestCluster> {
  const cluster = await prepareCluster(() => {}, new AbortController().signal);
  const { spec } = cluster;
  const pm = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, uid: spec.uid, gid: spec.gid, env: { ...process.env, ...spec.env }, stdio: ["ignore", "ignore", "pipe"] });
  const stop = async (): Promise<void> => {
    await stopChild(pm, "SIGINT");
    cluster.remove();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let text = "";
      pm.stderr.on("data", (c: Buffer) => {
        text += c.toString();
        if (text.includes("database system is ready to accept connections")) resolve();
      });
      pm.once("exit", (code) => reject(new Error(`postgres exited (${code}) before it was ready: ${text.trim().split("\n").slice(-3).join(" / ")}`)));
      setTimeout(() => reject(new Error("postgres not ready within 30 s")), 30_000).unref();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: cluster.url, dir: cluster.dir, stop };
}

/** The reference server (compiled) on a database: resolves with its URL once it announces it. */
export async function startPostgresServer(url: string, extra: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, "dist", "src", "server", "main.js"), "--database-url", url, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let errText = "";
  child.stderr.on("data", (c: Buffer) => (errText += c.toString()));
  try {
    const listening = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (c: Buffer) => {
        text += c.toString();
        const m = /^LISTENING (http:\/\/\S+)/m.exec(text);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${text}`)));
    });
    return { url: listening, child, stderr: () => errText };
  } catch (err) {
    await stopChild(child, "SIGKILL");
    throw err;
  }
}
