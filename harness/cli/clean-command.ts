/** `harness clean`: stop the processes left running by harness runs that died (see run-record.ts). */
import { activeDir, cleanDeadRuns, describeDeadRuns, findDeadRuns } from "../supervise/run-record.js";
import { pidsIn } from "../sample/cgroup.js";

export interface CleanCommandOptions {
  dryRun?: boolean;
}

export async function cleanCommand(opts: CleanCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const runs = findDeadRuns(activeDir()).filter((r) => r.orphans.length > 0 || r.cgroups.length > 0 || r.dirs.length > 0);
  if (runs.length === 0) {
    out.write("harness clean: no process left by a dead harness run\n");
    return 0;
  }
  out.write(`${describeDeadRuns(runs).split("\n").slice(0, -1).join("\n")}\n`);
  if (opts.dryRun) {
    out.write("harness clean: --dry-run: nothing signalled\n");
    return 0;
  }
  const { stopped, survivors, leftCgroups, leftDirs } = await cleanDeadRuns(runs);
  out.write(`harness clean: stopped ${stopped.length} process group(s)${stopped.length ? `: ${stopped.map((o) => `${o.name} (pid ${o.pid})`).join(", ")}` : ""}\n`);
  if (leftCgroups.length) {
    out.write(`harness clean: cgroup(s) still holding processes that left their process group (stop them, then run clean again): ${leftCgroups.map((d) => `${d} (pids ${pidsIn(d).join(" ") || "?"})`).join(", ")}\n`);
    return 1;
  }
  if (leftDirs.length) {
    out.write(`harness clean: folder(s) that could not be removed: ${leftDirs.join(", ")}\n`);
    return 1;
  }
  if (survivors.length) {
    out.write(`harness clean: still running after SIGKILL: ${survivors.map((o) => `${o.name} (pid ${o.pid})`).join(", ")}\n`);
    return 1;
  }
  return 0;
}
