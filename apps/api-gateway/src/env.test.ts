import { ConfigError } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { loadEnv } from "./env.ts";

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
});
