/** Every benchmark `npm run bench` knows: one import and one entry each. */
import type { Benchmark } from "./types.js";
import { accuracy } from "./accuracy.js";
import { gateQuality } from "./gate-quality.js";
import { overhead } from "./overhead.js";
import { harnessCost } from "./harness-cost.js";
import { wakeupCost } from "./wakeup-cost.js";
import { wireCost } from "./wire-cost.js";
import { wakeupProgramCost } from "./wakeup-program-cost.js";

export const benchmarks: Benchmark[] = [gateQuality, overhead, accuracy, harnessCost, wakeupCost, wireCost, wakeupProgramCost];
