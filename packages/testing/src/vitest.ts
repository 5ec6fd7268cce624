import { defineConfig } from "vitest/config";

/**
 * One vitest setup for every package: `unit` runs `*.test.ts` (fast, no services), `integration` runs
 * `*.int.test.ts` against the real local Redis, PostgreSQL and Kafka, one file at a time.
 */
export function chainwatchVitestConfig() {
  return defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: "unit",
            include: ["src/**/*.test.ts", "test/**/*.test.ts"],
            exclude: ["**/*.int.test.ts", "**/node_modules/**"],
            // Bounds, not speed checks: PGlite boots a WASM Postgres and apps start in child processes, which
            // takes seconds on a cold, busy 2-core machine. Speed is measured in the benchmarks.
            hookTimeout: 60_000,
            testTimeout: 60_000,
          },
        },
        {
          extends: true,
          test: {
            name: "integration",
            include: ["src/**/*.int.test.ts", "test/**/*.int.test.ts"],
            // Real Kafka round trips, rebalances and child processes: minutes on a contended 2-core machine.
            testTimeout: 180_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  });
}
