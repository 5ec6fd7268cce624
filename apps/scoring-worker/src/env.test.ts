import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadEnv, renderWorkerEnvExample } from "./env.ts";

describe("scoring worker env", () => {
  it("honours the shared cache settings and reads the original system's Kafka names", () => {
    const env = loadEnv({
      CACHE_TTL_PREDICTION_SECONDS: "60",
      MEMORY_CACHE_MAX_ENTRIES: "10",
      KAFKA_BOOTSTRAP_SERVERS: "kafka-1:9092,kafka-2:9092",
      DATABASE_SCHEMA: "tenant_a",
    });
    expect(env).toMatchObject({
      CACHE_TTL_PREDICTION_SECONDS: 60,
      MEMORY_CACHE_MAX_ENTRIES: 10,
      kafkaBrokers: ["kafka-1:9092", "kafka-2:9092"],
      DATABASE_SCHEMA: "tenant_a",
      REDIS_KEY_PREFIX: "chainwatch",
      configNotes: ["KAFKA_BOOTSTRAP_SERVERS is read as KAFKA_BROKERS; rename it"],
    });
  });

  it("has a .env.example rendered from the schema (regenerate with pnpm env:example)", () => {
    const committed = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    expect(committed, "stale: run pnpm --filter @chainwatch/scoring-worker env:example").toBe(
      renderWorkerEnvExample(),
    );
  });
});
