/** Worker command line (and environment) → the options of each worker instance to start. */
import { ArgError, intArg, parseServerUrl, readArgs } from "../common/args.js";
import type { WorkerOptions } from "./loop.js";
import { parseStrategy, StrategyError, type Strategy } from "./strategy.js";

export interface WorkerPlan {
  check: boolean;
  name: string;
  queues: string[];
  loops: { name: string; strategy: Strategy }[];
  instances: Omit<WorkerOptions, "log">[];
}

/** Split `task=tight,workflow=exponential:100,1.5,1000` at the commas that start a new `<name>=`. */
export function splitLoopList(list: string): string[] {
  return list
    .split(/,(?=[A-Za-z0-9_.-]+=)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseLoop(arg: string): { name: string; strategy: Strategy } {
  const eq = arg.indexOf("=");
  const name = arg.slice(0, eq);
  if (eq <= 0 || !/^[A-Za-z0-9_.-]+$/.test(name)) throw new ArgError(`--loop: expected <loopName>=<strategy>, got "${arg}"`);
  try {
    return { name, strategy: parseStrategy(arg.slice(eq + 1)) };
  } catch (err) {
    if (err instanceof StrategyError) throw new ArgError(`--loop ${name}: ${err.message}`);
    throw err;
  }
}

export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerPlan {
  const a = readArgs(
    argv,
    {
      server: { type: "string", env: "WORKER_SERVER" },
      name: { type: "string", env: "WORKER_NAME" },
      queue: { type: "string", env: "WORKER_QUEUE" },
      loop: { type: "string", multiple: true },
      "work-ms": { type: "string", env: "WORKER_WORK_MS" },
      instances: { type: "string" },
      queues: { type: "string" },
      check: { type: "boolean" },
    },
    env,
  );
  const serverUrl = parseServerUrl(a.server as string | undefined);
  const name = (a.name as string | undefined) ?? "worker";
  if (name.length === 0 || name.length > 150) throw new ArgError(`--name: expected 1 to 150 characters, got "${name}"`);
  const loopArgs = (a.loop as string[] | undefined) ?? (env.WORKER_LOOPS ? splitLoopList(env.WORKER_LOOPS) : ["task=tight"]);
  if (loopArgs.length === 0) throw new ArgError("--loop: expected at least one <loopName>=<strategy>");
  const loops = loopArgs.map(parseLoop);
  const seen = new Set<string>();
  for (const l of loops) {
    if (seen.has(l.name)) throw new ArgError(`--loop: loop "${l.name}" given twice`);
    seen.add(l.name);
  }
  const workMs = intArg(a["work-ms"] as string | undefined, "work-ms", 0, 0, 600_000);
  const count = intArg(a.instances as string | undefined, "instances", 1, 1, 1000);
  const queueList = (a.queues as string | undefined) ?? (a.queue as string | undefined) ?? "default";
  const queues = queueList.split(",").map((q) => q.trim());
  if (queues.some((q) => q.length === 0 || q.length > 200)) throw new ArgError(`--queues: expected a comma-separated list of queue names, got "${queueList}"`);

  const instances = [];
  for (let i = 0; i < count; i++) {
    instances.push({ serverUrl, name: count === 1 ? name : `${name}-${i}`, queue: queues[i % queues.length] as string, loops, workMs });
  }
  return { check: a.check === true, name, queues, loops, instances };
}
