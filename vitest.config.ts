import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real processes and measure CPU: run files one at a time so they do
    // not compete for the 2 cores, and give them room.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // CI runs the suite three times (Node 20, 22, 24) on a shared 2-core machine, where a start-up can
    // take seconds longer than here: a failed test is tried once more there, and .ci/run names every
    // test that passed only on its second try, with the first try's error (never hidden). Local runs
    // try once, so a flaky test shows.
    retry: process.env.CI ? 1 : 0,
    globalSetup: ["test/global-setup.ts"],
    reporters: process.env.VITEST_JSON ? ["default", "json"] : ["default"],
    outputFile: process.env.VITEST_JSON ? { json: process.env.VITEST_JSON } : undefined,
  },
});
