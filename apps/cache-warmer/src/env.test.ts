import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadEnv, renderWarmerEnvExample } from "./env.ts";

describe("cache warmer env", () => {
  it("honours the shared cache settings and requires a database for recent mode", () => {
    expect(loadEnv({ CACHE_TTL_PREDICTION_SECONDS: "60" })).toMatchObject({
      CACHE_TTL_PREDICTION_SECONDS: 60,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_COMMAND_TIMEOUT_MS: 1_000,
      MODEL_REFRESH_INTERVAL_SECONDS: 5,
    });
    expect(() => loadEnv({ WARM_RECENT: "10" })).toThrow(/DATABASE_URL is required/);
  });

  it("has a .env.example rendered from the schema (regenerate with pnpm env:example)", () => {
    const committed = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    expect(committed, "stale: run pnpm --filter @chainwatch/cache-warmer env:example").toBe(
      renderWarmerEnvExample(),
    );
  });
});
