/**
 * Loaded (node --import) into Clinic.js doctor's own process and into the program it profiles, so
 * that stopping the run's process group with SIGTERM still produces the doctor report:
 * - in clinic itself: ignore SIGTERM; it exits on its own once the program exited and the HTML is written;
 * - in the program: run in the original working folder, exit on SIGTERM if nothing else handles it,
 *   and turn process.exit() into "beforeExit first", the event on which doctor's sampler flushes its data.
 */
const isClinic = /[/\\]clinic[/\\]bin\.js$/.test(process.argv[1] ?? "");

if (isClinic) {
  process.on("SIGTERM", () => {
    // the program in the same process group got the same SIGTERM; clinic waits for it, then writes the report
  });
} else {
  const cwd = process.env.HARNESS_PROFILE_CWD;
  if (cwd) {
    try {
      process.chdir(cwd);
    } catch {
      // keep the profile folder as the working folder
    }
  }
  process.on("SIGTERM", () => {
    if (process.listenerCount("SIGTERM") === 1) process.exit(0);
  });
  const realExit = process.exit.bind(process);
  let exiting = false;
  const patchedExit = (code?: number | string | null): never => {
    if (exiting) return realExit(code ?? undefined);
    exiting = true;
    if (code !== undefined && code !== null) process.exitCode = code;
    setTimeout(() => realExit(), 5000); // the sampler did not call exit again: go anyway
    process.emit("beforeExit", typeof process.exitCode === "number" ? process.exitCode : 0);
    if (process.listenerCount("beforeExit") === 0) realExit();
    return undefined as never; // the process ends from a later tick, after the sampler flushed
  };
  process.exit = patchedExit as typeof process.exit;
}

export {};
