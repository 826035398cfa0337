/**
 * What a run folder says while the run is going: no result.json (an earlier run's is removed, so a
 * killed run can never leave old figures that parse as its own), and a report.md that says the run
 * has not finished. A finished or interrupted run replaces both atomically.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

export const IN_PROGRESS_TITLE = "RUN IN PROGRESS (or the harness was killed before it finished)";

export function markRunInProgress(outDir: string, scenario: string, startedAt: string, pid = process.pid): void {
  rmSync(join(outDir, "result.json"), { force: true });
  writeFileAtomic(
    join(outDir, "report.md"),
    [
      `# ${IN_PROGRESS_TITLE}`,
      "",
      `Scenario \`${scenario.replace(/`/g, "")}\`, started ${startedAt} by harness pid ${pid}.`,
      "",
      "No figures yet: `result.json` and this report are written when the run ends (also on Ctrl-C or SIGTERM, marked partial).",
      "If this text is still here after the run, the harness was killed (e.g. SIGKILL): run `harness clean` to stop what it left running.",
      "",
    ].join("\n"),
  );
}
