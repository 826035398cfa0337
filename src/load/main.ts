/** `node dist/src/load/main.js`: enqueues jobs idle | trickle | burst over some queues. */
import { ArgError, intArg, onStopSignal, readArgs, runMain } from "../common/args.js";
import { ServerClient } from "../worker/client.js";

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
  const server = a.server as string | undefined;
  if (!server) throw new ArgError("--server <url> is required");
  const mode = (a.mode as string | undefined) ?? "idle";
  if (!["idle", "trickle", "burst"].includes(mode)) throw new ArgError(`--mode: expected idle, trickle or burst, got "${mode}"`);
  const everyMs = intArg(a["every-ms"] as string | undefined, "every-ms", 1000, 1, 3_600_000);
  const burst = intArg(a.burst as string | undefined, "burst", 10, 1, 100_000);
  const startDelayMs = intArg(a["start-delay-ms"] as string | undefined, "start-delay-ms", 0, 0, 3_600_000);
  const queues = ((a.queues as string | undefined) ?? "default").split(",").filter(Boolean);
  if (queues.length === 0) throw new ArgError("--queues: expected at least one queue");
  if (a.check) return;

  const client = new ServerClient(server);
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const enqueue = async (): Promise<void> => {
    const n = mode === "burst" ? burst : 1;
    for (let i = 0; i < n; i++) {
      const queue = queues[next++ % queues.length] as string;
      try {
        await client.postJson("/jobs", { queue, payload: { n: next } });
      } catch (err) {
        process.stderr.write(`load: enqueue failed: ${(err as Error).message}\n`);
      }
    }
  };
  process.stdout.write(`load ${mode}${mode === "idle" ? "" : ` every ${everyMs} ms`} over ${queues.join(",")}\n`);
  if (mode !== "idle") {
    setTimeout(() => {
      void enqueue();
      timer = setInterval(() => void enqueue(), everyMs);
    }, startDelayMs);
  } else {
    timer = setInterval(() => {}, 1 << 30);
  }
  onStopSignal(() => {
    if (timer) clearInterval(timer);
    client.close();
  });
});
