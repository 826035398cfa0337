/** Every benchmark `npm run bench` knows: one import and one entry each. */
import type { Benchmark } from "./types.js";

export const benchmarks: Benchmark[] = [];
