import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/**
 * `unit`: component tests in jsdom (`*.test.tsx`, `*.test.ts`); `integration`: the end-to-end tests, a real
 * gateway in a child process and Debian's chromium driven by playwright-core (`*.int.test.ts`).
 */
export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          environment: "jsdom",
          include: ["src/**/*.test.ts", "src/**/*.test.tsx", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          setupFiles: ["./test/setup-dom.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          environment: "node",
          include: ["test/**/*.int.test.ts"],
          // A gateway boot (PGlite) plus a browser on a contended 2-core machine: bounds, not speed checks.
          testTimeout: 240_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
