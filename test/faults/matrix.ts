/**
 * The fault matrix: every way a run can go wrong that the harness handles, in one table. Each row
 * is one named test in the file named by `file` (test/faults/<file>.test.ts), which implements the
 * injection and checks the row's `expect` line, exit status and what is left behind. `matrixTests`
 * (helpers.ts) fails a file that misses a row or implements one not in this table.
 * The README's "When a run goes wrong" table is this table.
 */

export type Command = "run" | "attach" | "check" | "compare";
export type MatrixFile = "output" | "processes" | "scrape" | "signals" | "attach-check";

export interface FaultCase {
  /** the test's name */
  id: string;
  command: Command;
  /** the fault, in the user's words */
  fault: string;
  /** where and how the test injects it */
  injected: string;
  /** the line the user must see (stderr, or the report where `in` says so) */
  expect: RegExp;
  /** where that line is */
  in: "stderr" | "report" | "stdout";
  /** exit status: 0 measured, 1 failed measurement, 2 bad input, 129/130/143 interrupted, "killed" for SIGKILL */
  exit: 0 | 1 | 2 | 129 | 130 | 143 | "killed";
  /** what must be left behind once the row ends (after `harness clean` where `clean` is set) */
  leaves: "nothing" | "logs only" | "result marked failed" | "result marked interrupted" | "result with a note" | "no result, an in-progress report";
  /** `harness clean` is needed afterwards (the harness itself was SIGKILLed) */
  clean?: true;
  file: MatrixFile;
}

const RUN_PHASES = [
  ["starting", "a server that never prints its ready line (readyTimeoutS 30)", "[starting] on stderr"],
  ["warm-up", "-w 20", "[warmup] on stderr"],
  ["window", "-w 0 -d 20", "[window] on stderr"],
  ["stopping", "a worker that ignores SIGTERM (so stopping takes the 3 s grace)", "the worker's SIGTERM trap has run"],
] as const;

const INTERRUPTS = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const;

export const MATRIX: FaultCase[] = [
  // ---- the output folder and the filesystem ----
  { id: "run: output folder unwritable", command: "run", fault: "the output folder cannot be created or written", injected: "--out under a regular file", expect: /output folder .* cannot be written/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },
  { id: "attach: output folder unwritable", command: "attach", fault: "the output folder cannot be written", injected: "--out under a regular file", expect: /output folder .* cannot be written/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },
  { id: "check: output folder unwritable", command: "check", fault: "the output folder cannot be written", injected: "--out under a regular file", expect: /output folder .* cannot be written/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },
  { id: "compare: output folder unwritable", command: "compare", fault: "the comparison folder cannot be written", injected: "--out under a regular file", expect: /output folder .* cannot be written/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },
  { id: "run: full filesystem", command: "run", fault: "the output folder's filesystem fills up during the run", injected: "a 2 MB tmpfs, a worker flooding stdout (log cap above the tmpfs size)", expect: /cannot write .*result\.json: ENOSPC: no space left on device.*the filesystem is full/, in: "stderr", exit: 1, leaves: "logs only", file: "output" },
  { id: "run: output folder deleted during the run", command: "run", fault: "the output folder is deleted mid-window", injected: "rm -rf <out> at [window]", expect: /log logs\/\S+\.log was deleted during the run/, in: "report", exit: 0, leaves: "result with a note", file: "output" },
  { id: "run: two runs into one output folder", command: "run", fault: "a second harness run is pointed at the folder of a run in progress", injected: "the same --out while the first is in its window", expect: /output folder .* is in use by another harness run \(pid \d+/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },
  { id: "run: two runs at once", command: "run", fault: "two harness runs on the machine at the same time", injected: "a second run (other --out) while the first is in its window", expect: /^(?![\s\S]*left \d+ process group)/, in: "stderr", exit: 0, leaves: "nothing", file: "output" },
  { id: "compare: a result.json that is garbage", command: "compare", fault: "a saved result that is not JSON", injected: "result.json holding half a file", expect: /result\.json/, in: "stderr", exit: 2, leaves: "nothing", file: "output" },

  // ---- the processes under test ----
  { id: "run: worker crashes mid-window", command: "run", fault: "a worker exits with an error during the window", injected: "worker `sleep 3; exit 3`", expect: /worker "crasher" exited \(code 3\) during the run/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: worker crashes mid-window, crashes expected", command: "run", fault: "a worker exits during the window of a scenario with expectCrashes: true", injected: "the same crasher, expectCrashes: true", expect: /worker "crasher" exited \(code 3\) during the run \(expected by the scenario\)/, in: "report", exit: 0, leaves: "result with a note", file: "processes" },
  { id: "run: server crashes mid-window", command: "run", fault: "the server is killed during the window", injected: "server `sleep 2; kill -SEGV $$`", expect: /server "srv" exited \(signal SIGSEGV\) during the run/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: worker never starts", command: "run", fault: "a worker's program cannot be executed", injected: "an executable file that is not a program (ENOEXEC)", expect: /worker "w" exited \(code 127\) during the run: 127 means its program could not be executed; check its command/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: server exits before ready", command: "run", fault: "the server exits during start-up", injected: "server `echo cannot open database >&2; exit 4`", expect: /server "srv" exited \(code 4\) before it was ready/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: server never ready", command: "run", fault: "the server never becomes ready", injected: "a ready line that never comes, readyTimeoutS 1", expect: /server "srv" was not ready after 1 s/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: worker never ready", command: "run", fault: "a worker never becomes ready", injected: "worker ready on a stdout line that never comes, readyTimeoutS 1", expect: /worker "w" was not ready after 1 s/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },
  { id: "run: worker SIGSTOPped for the whole window", command: "run", fault: "a worker is stopped (SIGSTOP) through the window", injected: "worker `kill -STOP $$` at start", expect: /worker "w" was stopped \(state T.*at every reading of the window/, in: "report", exit: 0, leaves: "result with a note", file: "processes" },
  { id: "run: worker floods stdout and stderr", command: "run", fault: "a worker writes output as fast as it can", injected: "worker `yes`, on both streams; HARNESS_LOG_CAP_MB=1", expect: /log logs\/noisy\.log capped at 1\.0 MB .*the process wrote [\d.]+ MB more, dropped/, in: "report", exit: 0, leaves: "result with a note", file: "processes" },
  { id: "run: port already in use", command: "run", fault: "the server's port is taken", injected: "a listener on the port the reference server is told to use", expect: /server "srv" exited \(code \d+\) before it was ready[\s\S]*EADDRINUSE/, in: "stderr", exit: 1, leaves: "result marked failed", file: "processes" },

  // ---- the server's metrics endpoint and /proc ----
  { id: "run: scrape endpoint hangs", command: "run", fault: "the server's /metrics accepts and never answers", injected: "test/faults/fixtures/metrics-server.mjs hang", expect: /could not scrape .*timed out after 5000 ms/, in: "report", exit: 0, leaves: "result with a note", file: "scrape" },
  { id: "run: scrape endpoint answers 500", command: "run", fault: "the server's /metrics answers 500", injected: "metrics-server.mjs 500", expect: /could not scrape .*answered 500/, in: "report", exit: 0, leaves: "result with a note", file: "scrape" },
  { id: "run: scrape endpoint answers garbage", command: "run", fault: "the server's /metrics answers 200 with something else", injected: "metrics-server.mjs garbage (HTML and binary)", expect: /could not scrape .*no Prometheus sample/, in: "report", exit: 0, leaves: "result with a note", file: "scrape" },
  { id: "sampler: process exits between listing and reading", command: "run", fault: "a process exits between being listed and being read in /proc", injected: "Sampler ticks across a child's exit (unit level)", expect: /alive: false/, in: "stdout", exit: 0, leaves: "nothing", file: "scrape" },
  { id: "sampler: pid reused by another program", command: "run", fault: "a measured pid now belongs to another program", injected: "snapshotTree with a start time that differs (unit level)", expect: /alive: false/, in: "stdout", exit: 0, leaves: "nothing", file: "scrape" },

  // ---- signals to the harness at each phase ----
  ...INTERRUPTS.flatMap(([sig, code]) =>
    RUN_PHASES.map(([phase, how, when]): FaultCase => ({
      id: `run: ${sig} while ${phase}`,
      command: "run",
      fault: `${sig} to the harness while ${phase}`,
      injected: `${how}; ${sig} when ${when}`,
      expect: new RegExp(`${sig} received: stopping the run`),
      in: "stderr",
      exit: code,
      leaves: "result marked interrupted",
      file: "signals",
    })),
  ),
  ...RUN_PHASES.map(([phase, how, when]): FaultCase => ({
    id: `run: SIGKILL while ${phase}, then harness clean`,
    command: "run",
    fault: `the harness is SIGKILLed while ${phase}`,
    injected: `${how}; SIGKILL when ${when}; then \`harness clean\``,
    expect: phase === "stopping" ? /stopped 1 process group/ : /stopped \d process group/,
    in: "stdout",
    exit: "killed",
    leaves: "no result, an in-progress report",
    clean: true,
    file: "signals",
  })),

  // ---- attach and check ----
  { id: "attach: target exits during the window", command: "attach", fault: "an attached process exits mid-window", injected: "attach to `sleep 1.5` and a long sleep", expect: /worker "short" \(pid \d+\) exited during the measurement/, in: "stderr", exit: 0, leaves: "result with a note", file: "attach-check" },
  { id: "attach: every target exits", command: "attach", fault: "every attached process exits mid-window", injected: "attach to `sleep 1` alone, -d 10", expect: /every attached process exited: the measurement ended early/, in: "report", exit: 0, leaves: "result with a note", file: "attach-check" },
  { id: "attach: pid not running", command: "attach", fault: "the pid given is not running", injected: "--pid of a process that has exited", expect: /no running process with pid \d+/, in: "stderr", exit: 2, leaves: "nothing", file: "attach-check" },
  { id: "attach: SIGSTOPped target", command: "attach", fault: "the attached process is stopped for the window", injected: "attach to a SIGSTOPped sleep", expect: /was stopped \(state T.*at every reading of the window/, in: "report", exit: 0, leaves: "result with a note", file: "attach-check" },
  { id: "attach: scrape endpoint answers garbage", command: "attach", fault: "--metrics answers something that is not Prometheus text", injected: "metrics-server.mjs garbage", expect: /could not scrape .*no Prometheus sample/, in: "report", exit: 0, leaves: "result with a note", file: "attach-check" },
  { id: "attach: SIGINT during the window", command: "attach", fault: "Ctrl-C during an attach", injected: "SIGINT at [window]", expect: /SIGINT received/, in: "stderr", exit: 130, leaves: "result marked interrupted", file: "attach-check" },
  { id: "check: a run of the check fails", command: "check", fault: "the scenario's server never becomes ready in a check", injected: "check --repeat 2 of a never-ready scenario with thresholds", expect: /run 1 of never-ready failed \(.*not ready after 1 s/, in: "stderr", exit: 1, leaves: "result marked failed", file: "attach-check" },
  { id: "check: SIGTERM during a run", command: "check", fault: "SIGTERM to a check mid-run", injected: "SIGTERM at [window] of the first run", expect: /SIGTERM received/, in: "stderr", exit: 143, leaves: "result marked interrupted", file: "attach-check" },
];

/** The rows of one test file. */
export function rowsOf(file: MatrixFile): FaultCase[] {
  return MATRIX.filter((c) => c.file === file);
}
