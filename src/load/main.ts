/** `node dist/src/load/main.js`: enqueues jobs idle | trickle | burst over some queues. */
import { ArgError, intArg, onStopSignal, parseServerUrl, readArgs, runMain } from "../common/args.js";
import { startLoad, type LoadMode } from "./generator.js";

runMain("load", async () => {
  const a = readArgs(process.argv.slice(2), {
    server: { type: "string" },
    mode: { type: "string" },
    "every-ms": { type: "string" },
    burst: { type: "string" },
    queues: { type: "string" },
    "start-delay-ms": { type: "string" },
    check: { type: "boolean" },
  });
  const serverUrl = parseServerUrl(a.server as string | undefined);
  const mode = (a.mode as string | undefined) ?? "idle";
  if (mode !== "idle" && mode !== "trickle" && mode !== "burst") throw new ArgError(`--mode: expected idle, trickle or burst, got "${mode}"`);
  const everyMs = intArg(a["every-ms"] as string | undefined, "every-ms", 1000, 1, 3_600_000);
  const burst = intArg(a.burst as string | undefined, "burst", 10, 1, 100_000);
  const startDelayMs = intArg(a["start-delay-ms"] as string | undefined, "start-delay-ms", 0, 0, 3_600_000);
  const queueList = (a.queues as string | undefined) ?? "default";
  const queues = queueList.split(",").map((q) => q.trim());
  if (queues.some((q) => q.length === 0 || q.length > 200)) throw new ArgError(`--queues: expected a comma-separated list of queue names, got "${queueList}"`);
  if (a.check) return;

  const load = startLoad({ serverUrl, mode: mode as LoadMode, everyMs, burst, queues, startDelayMs, log: (l) => void process.stderr.write(`${l}\n`) });
  const what = mode === "idle" ? "idle" : mode === "trickle" ? `trickle: 1 job every ${everyMs} ms` : `burst: ${burst} jobs every ${everyMs} ms`;
  process.stdout.write(`load ${what} over ${queues.join(",")}${startDelayMs ? ` after ${startDelayMs} ms` : ""}\n`);
  onStopSignal(() => load.stop());
});
