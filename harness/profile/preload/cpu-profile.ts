/**
 * Loaded with `node --import` into each Node program run under `--profile cpu`: starts V8's CPU
 * profiler (node:inspector, in this thread) as the program loads and writes the profile as
 * `<pid>.cpuprofile` into HARNESS_CPU_PROF_DIR when the program ends: on a normal exit, on
 * process.exit(), and on the supervisor's SIGTERM (which `node --cpu-prof` would not survive: it
 * writes only on a normal exit). The harness cuts the profile to the measured window afterwards by
 * its timestamps (V8's profile clock is the same monotonic clock as process.hrtime), so the program
 * is never signalled at the window's edges.
 */
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.HARNESS_CPU_PROF_DIR;
const intervalUs = Number(process.env.HARNESS_CPU_PROF_INTERVAL_US ?? "1000");
// children of the program get their own profile only when they are Node programs too (NODE_OPTIONS)
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: Number.isFinite(intervalUs) && intervalUs > 0 ? intervalUs : 1000 });
  session.post("Profiler.start");
  let written = false;
  const write = (): void => {
    if (written) return;
    written = true;
    // the inspector answers in this thread, synchronously: the callback has run when post returns
    session.post("Profiler.stop", (err, res) => {
      if (err || !res) return;
      try {
        writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
      } catch {
        // the run folder is gone: nothing to keep
      }
    });
  };
  process.on("exit", write);
  process.on("SIGTERM", () => {
    write();
    // the program's own SIGTERM handler, if any, decides when to exit; otherwise exit as SIGTERM would
    if (process.listenerCount("SIGTERM") === 1) process.exit(143);
  });
}

export {};
