import { cpus, hostname, release } from "node:os";
import { clockTicksPerSecond } from "../sample/proc.js";
import { isTestedNodeLine, TESTED_NODE_LINES } from "./node-lines.js";
import type { Machine } from "./result-types.js";

export function describeMachine(): Machine {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    node: process.version,
    nodeTested: isTestedNodeLine(process.version),
    nodeTestedLines: [...TESTED_NODE_LINES],
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    clockTicksPerSecond: clockTicksPerSecond(),
    hostname: hostname(),
  };
}
