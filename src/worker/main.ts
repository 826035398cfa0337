/** `node dist/src/worker/main.js`: reference worker process (one or more instances, each with its loops). */
import { ArgError, intArg, onStopSignal, readArgs, runMain } from "../common/args.js";
import { startWorker, type RunningWorker } from "./loop.js";
import { formatStrategy, parseStrategy, StrategyError, type Strategy } from "./strategy.js";

runMain("worker", async () => {
  const a = readArgs(process.argv.slice(2), {
    server: { type: "string", env: "WORKER_SERVER" },
    name: { type: "string", env: "WORKER_NAME" },
    queue: { type: "string", env: "WORKER_QUEUE" },
    loop: { type: "string", multiple: true, env: "WORKER_LOOPS" },
    "work-ms": { type: "string", env: "WORKER_WORK_MS" },
    instances: { type: "string" },
    queues: { type: "string" },
    check: { type: "boolean" },
  });
  const server = a.server as string | undefined;
  if (!server) throw new ArgError("--server <url> is required");
  try {
    new URL(server);
  } catch {
    throw new ArgError(`--server: not a URL: "${server}"`);
  }
  const name = (a.name as string | undefined) ?? "worker";
  const loopArgs = (a.loop as string[] | undefined) ?? ["task=tight"];
  const loops: { name: string; strategy: Strategy }[] = [];
  for (const l of loopArgs) {
    const eq = l.indexOf("=");
    if (eq <= 0) throw new ArgError(`--loop: expected <loopName>=<strategy>, got "${l}"`);
    const loopName = l.slice(0, eq);
    if (loops.some((x) => x.name === loopName)) throw new ArgError(`--loop: loop "${loopName}" given twice`);
    try {
      loops.push({ name: loopName, strategy: parseStrategy(l.slice(eq + 1)) });
    } catch (err) {
      if (err instanceof StrategyError) throw new ArgError(`loop "${loopName}": ${err.message}`);
      throw err;
    }
  }
  const workMs = intArg(a["work-ms"] as string | undefined, "work-ms", 0, 0, 600_000);
  const instances = intArg(a.instances as string | undefined, "instances", 1, 1, 1000);
  const queues = ((a.queues as string | undefined) ?? (a.queue as string | undefined) ?? "default").split(",").filter(Boolean);
  if (queues.length === 0) throw new ArgError("--queues: expected at least one queue");
  if (a.check) return;

  const workers: RunningWorker[] = [];
  for (let i = 0; i < instances; i++) {
    workers.push(
      startWorker({
        serverUrl: server,
        name: instances === 1 ? name : `${name}-${i}`,
        queue: queues[i % queues.length] as string,
        loops,
        workMs,
        log: (line) => process.stderr.write(`${line}\n`),
      }),
    );
  }
  process.stdout.write(`worker ${name}${instances > 1 ? ` x${instances}` : ""} loops: ${loops.map((l) => `${l.name}=${formatStrategy(l.strategy)}`).join(" ")} queues: ${queues.join(",")}\n`);
  onStopSignal(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });
});
