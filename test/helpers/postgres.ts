/** For the Postgres tests: are the server programs here, and what did a run leave behind? */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { findPostgresBin } from "../../harness/supervise/postgres-cluster.js";

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
