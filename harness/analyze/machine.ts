import { cpus, hostname, release } from "node:os";
import { clockTicksPerSecond } from "../sample/proc.js";
import type { Machine } from "./result-types.js";

export function describeMachine(): Machine {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    clockTicksPerSecond: clockTicksPerSecond(),
    hostname: hostname(),
  };
}
