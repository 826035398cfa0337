import { describe, expect, it } from "vitest";
import { ArgError } from "../../src/common/args.js";
import { parseWorkerArgs, splitLoopList } from "../../src/worker/options.js";

const S = ["--server", "http://127.0.0.1:1"];

describe("worker arguments", () => {
  it("defaults to one tight task loop on the default queue", () => {
    const p = parseWorkerArgs(S, {});
    expect(p.check).toBe(false);
    expect(p.instances).toEqual([{ serverUrl: "http://127.0.0.1:1", name: "worker", queue: "default", loops: [{ name: "task", strategy: { kind: "tight" } }], workMs: 0 }]);
  });

  it("takes repeatable --loop and spreads --instances over --queues", () => {
    const p = parseWorkerArgs([...S, "--name", "w", "--loop", "task=fixed:100", "--loop", "workflow=exponential:100,1.5,1000", "--instances", "5", "--queues", "a,b", "--check"], {});
    expect(p.check).toBe(true);
    expect(p.loops.map((l) => l.name)).toEqual(["task", "workflow"]);
    expect(p.instances.map((i) => `${i.name}@${i.queue}`)).toEqual(["w-0@a", "w-1@b", "w-2@a", "w-3@b", "w-4@a"]);
  });

  it("reads the environment, splitting WORKER_LOOPS only where a new loop starts", () => {
    expect(splitLoopList("task=tight,workflow=exponential:100,1.5,1000,jitter,x=notify:5")).toEqual(["task=tight", "workflow=exponential:100,1.5,1000,jitter", "x=notify:5"]);
    const p = parseWorkerArgs([], { WORKER_SERVER: "http://127.0.0.1:2", WORKER_NAME: "e", WORKER_QUEUE: "q", WORKER_LOOPS: "task=tight,workflow=fixed:100", WORKER_WORK_MS: "5" });
    expect(p.instances[0]).toMatchObject({ serverUrl: "http://127.0.0.1:2", name: "e", queue: "q", workMs: 5 });
    expect(p.loops.map((l) => l.name)).toEqual(["task", "workflow"]);
  });

  it.each([
    [[], /--server/],
    [["--server", "not a url"], /--server/],
    [[...S, "--loop", "task"], /<loopName>=<strategy>/],
    [[...S, "--loop", "task=sometimes"], /fixed:<ms>/],
    [[...S, "--loop", "a=tight", "--loop", "a=fixed:1"], /twice/],
    [[...S, "--instances", "0"], /--instances/],
    [[...S, "--work-ms", "-1"], /work-ms/],
    [[...S, "--queues", "a,,b"], /--queues/],
    [[...S, "--bogus"], /bogus/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseWorkerArgs(argv as string[], {})).toThrow(ArgError);
    expect(() => parseWorkerArgs(argv as string[], {})).toThrow(message);
  });
});
