import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
it("sees a child started by the suite as ours until it ends", async () => {
  expect(process.env.HARNESS_TEST_RUN).toBeTruthy();
  expect(leftoverProcesses()).toEqual([]);
  const c = spawn("sleep", ["30"]);
  await new Promise((r) => setTimeout(r, 100));
  expect(leftoverProcesses().length).toBe(1);
  c.kill();
  await new Promise((r) => c.once("exit", r));
  expect(leftoverProcesses()).toEqual([]);
});
