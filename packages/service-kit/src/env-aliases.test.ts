import { describe, expect, it } from "vitest";
import { resolveEnvAliases } from "./env-aliases.ts";

const keys = new Set(["KAFKA_BROKERS", "REDIS_URL", "DATABASE_URL", "PORT"]);

describe("env aliases", () => {
  it("reads known aliases as the schema's names and says so", () => {
    const { source, notes } = resolveEnvAliases(
      { KAFKA_BOOTSTRAP_SERVERS: "kafka:9092", REDIS_HOST: "cache", MODEL_CACHE_ENABLED: "true" },
      keys,
    );
    expect(source).toMatchObject({ KAFKA_BROKERS: "kafka:9092", REDIS_URL: "redis://cache:6379" });
    expect(notes).toEqual([
      "KAFKA_BOOTSTRAP_SERVERS is read as KAFKA_BROKERS; rename it",
      "REDIS_HOST/REDIS_PORT are read as REDIS_URL; set REDIS_URL instead",
      "MODEL_CACHE_ENABLED has no effect: the model cache is always on; CACHE_TTL_MODEL_SECONDS sets how long entries live",
    ]);
  });

  it("lets the canonical name win, and ignores aliases of settings the app does not have", () => {
    const { source, notes } = resolveEnvAliases(
      { DB_URL: "postgres://a/b", DATABASE_URL: "postgres://c/d", KAFKA_CONSUMER_GROUP: "g" },
      keys,
    );
    expect(source.DATABASE_URL).toBe("postgres://c/d");
    expect(source.KAFKA_GROUP_ID).toBeUndefined();
    expect(notes).toEqual(["DB_URL is ignored: DATABASE_URL is set too"]);
  });
});
