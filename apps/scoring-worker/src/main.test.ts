import { fileURLToPath } from "node:url";
import { spawnService } from "@chainwatch/testing";
import { describe, expect, it } from "vitest";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));

// The process lifecycle against real Kafka and PostgreSQL (health, SIGTERM, SIGKILL) is in main.int.test.ts.
describe("scoring-worker process", () => {
  it("refuses an invalid configuration with exit code 78 and names the variable", async () => {
    const service = spawnService(mainPath, {
      KAFKA_NUM_WORKER_THREADS: "0",
      KAFKA_DRAIN_TIMEOUT_MS: "30000",
      SHUTDOWN_TIMEOUT_MS: "25000",
    });
    const code = await new Promise<number | null>((resolve) => service.child.once("exit", resolve));
    expect(code).toBe(78);
    expect(service.output()).toContain("KAFKA_NUM_WORKER_THREADS");
    expect(service.output()).toContain("KAFKA_DRAIN_TIMEOUT_MS");
  });

  it("exits 1 when its dependencies are unreachable at start, instead of serving half-started", async () => {
    const service = spawnService(mainPath, {
      HEALTH_PORT: "0",
      HEALTH_HOST: "127.0.0.1",
      LOG_LEVEL: "error",
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
      SHUTDOWN_TIMEOUT_MS: "5000",
      KAFKA_DRAIN_TIMEOUT_MS: "1000",
    });
    const code = await new Promise<number | null>((resolve) => service.child.once("exit", resolve));
    expect(code).toBe(1);
    expect(service.output()).toContain("scoring worker failed to start");
  });
});
