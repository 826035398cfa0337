/** `node dist/src/worker/main.js`: reference worker process (one or more instances, each with its loops). */
import { onStopSignal, runMain } from "../common/args.js";
import { startWorker } from "./loop.js";
import { parseWorkerArgs } from "./options.js";
import { formatStrategy } from "./strategy.js";

runMain("worker", async () => {
  const plan = parseWorkerArgs(process.argv.slice(2));
  if (plan.check) return;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const workers = plan.instances.map((o) => startWorker({ ...o, log }));
  const many = plan.instances.length > 1 ? ` x${plan.instances.length} queues: ${plan.queues.join(",")}` : ` queue: ${plan.queues[0]}`;
  process.stdout.write(`worker ${plan.name} loops: ${plan.loops.map((l) => `${l.name}=${formatStrategy(l.strategy)}`).join(" ")}${many}\n`);
  onStopSignal(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });
});
