import { readFileSync } from "node:fs";
import { ConfigError } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { loadEnv, renderGatewayEnvExample } from "./env.ts";

describe("gateway env", () => {
  it("has the documented defaults", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 8080,
      SLOW_REQUEST_THRESHOLD: 1,
      GZIP_MIN_SIZE: 1_000,
      GZIP_COMPRESSION_LEVEL: 6,
      MAX_REQUEST_SIZE: 10 * 1024 * 1024,
      RATE_LIMIT_RPM: 100,
      RATE_LIMIT_BURST: 20,
      ENABLE_RATE_LIMITING: true,
      CACHE_TTL_PREDICTION_SECONDS: 7_200,
      CACHE_TTL_QUERY_SECONDS: 300,
      isRedisEnabled: false,
      corsOrigins: [],
    });
  });

  it("enables Redis when a URL is given unless told otherwise", () => {
    expect(loadEnv({ REDIS_URL: "redis://cache:6379" }).isRedisEnabled).toBe(true);
    expect(loadEnv({ REDIS_URL: "redis://cache:6379", REDIS_ENABLED: "false" }).isRedisEnabled).toBe(false);
  });

  it("refuses placeholder and low-entropy JWT secrets without echoing them, and a missing one where required", () => {
    for (const secret of ["REPLACE_ME_with_at_least_32_random_characters", "a".repeat(64)]) {
      expect(() => loadEnv({ JWT_SECRET: secret })).toThrow(/JWT_SECRET/);
      expect(() => loadEnv({ JWT_SECRET: secret })).not.toThrow(secret);
    }
    expect(() => loadEnv({ AUTH_REQUIRE_JWT_SECRET: "true" })).toThrow(/JWT_SECRET: required/);
    const secret = "3f9c2a7e51b04d8e9a6c1f0b72d5e83a4c9b1e6f07a2d58c3e9f1b4a6d7c2e05";
    expect(loadEnv({ AUTH_REQUIRE_JWT_SECRET: "true", JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
  });

  it("rejects invalid settings at start-up, naming each one", () => {
    expect(() =>
      loadEnv({ PORT: "http", GZIP_COMPRESSION_LEVEL: "11", ENABLE_RATE_LIMITING: "maybe" }),
    ).toThrow(ConfigError);
    try {
      loadEnv({ PORT: "http", GZIP_COMPRESSION_LEVEL: "11" });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/GZIP_COMPRESSION_LEVEL/);
    }
  });

  it("treats empty values as unset", () => {
    expect(loadEnv({ PORT: "", CORS_ORIGINS: "" }).PORT).toBe(8080);
  });

  it("has a .env.example rendered from the schema (regenerate with pnpm env:example)", () => {
    const committed = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    expect(committed, "stale: run pnpm --filter @chainwatch/api-gateway env:example").toBe(
      renderGatewayEnvExample(),
    );
  });

  it("reads the original system's names as aliases and notes each one", () => {
    const env = loadEnv({ KAFKA_BOOTSTRAP_SERVERS: "kafka:9092", MODEL_CACHE_ENABLED: "true" });
    expect(env.KAFKA_BROKERS).toBe("kafka:9092");
    expect(env.configNotes).toEqual([
      "KAFKA_BOOTSTRAP_SERVERS is read as KAFKA_BROKERS; rename it",
      expect.stringMatching(/^MODEL_CACHE_ENABLED has no effect/),
    ]);
  });

  it("follows a chain only with both CHAIN_RPC_URL and CHAIN_ID; several URLs fail over in order", () => {
    expect(loadEnv({}).CHAIN_RPC_URL).toBeUndefined();
    expect(() => loadEnv({ CHAIN_RPC_URL: "http://127.0.0.1:8545" })).toThrow(
      "CHAIN_ID is required when CHAIN_RPC_URL is set",
    );
    const env = loadEnv({
      CHAIN_RPC_URL: "http://127.0.0.1:8545, https://backup.example/rpc",
      CHAIN_ID: "31337",
      CHAIN_START_BLOCK: "12",
    });
    expect(env).toMatchObject({
      CHAIN_RPC_URL: ["http://127.0.0.1:8545", "https://backup.example/rpc"],
      CHAIN_ID: 31_337,
      CHAIN_START_BLOCK: 12,
      CONFIRMATIONS: 0,
      CHAIN_POLL_INTERVAL_MS: 1_000,
    });
    expect(loadEnv({}).CHAIN_START_BLOCK).toBe("head");
    expect(() => loadEnv({ CHAIN_RPC_URL: "ftp://127.0.0.1:8546", CHAIN_ID: "1" })).toThrow(ConfigError);
  });

  it("takes a WebSocket node for subscriptions, and mempool mode off unless asked for", () => {
    expect(loadEnv({ CHAIN_RPC_URL: "ws://127.0.0.1:8546", CHAIN_ID: "1" }).CHAIN_RPC_URL).toEqual([
      "ws://127.0.0.1:8546",
    ]);
    const env = loadEnv({
      CHAIN_RPC_URL: "https://rpc.example",
      CHAIN_WS_URL: "wss://rpc.example/ws",
      CHAIN_ID: "1",
      CHAIN_MEMPOOL: "true",
      CHAIN_MEMPOOL_MAX_PENDING: "500",
    });
    expect(env).toMatchObject({
      CHAIN_WS_URL: "wss://rpc.example/ws",
      CHAIN_MEMPOOL: true,
      CHAIN_MEMPOOL_MAX_PENDING: 500,
      CHAIN_MEMPOOL_DROP_AFTER_SECONDS: 600,
      CHAIN_SUBSCRIBED_POLL_INTERVAL_MS: 30_000,
    });
    expect(loadEnv({}).CHAIN_MEMPOOL).toBe(false);
    expect(() => loadEnv({ CHAIN_WS_URL: "http://127.0.0.1:8545" })).toThrow(ConfigError);
    expect(() => loadEnv({ CHAIN_MEMPOOL: "maybe" })).toThrow(ConfigError);
  });
});
