import type { CacheMetrics } from "@chainwatch/metrics";
import { envBoolean, envFragment, type Logger } from "@chainwatch/service-kit";
import { z } from "zod";
import { type Cache, createCache } from "./cache.ts";
import { DEFAULT_KEY_PREFIX } from "./cache-types.ts";
import { createMemoryStore } from "./memory-store.ts";
import { createRedisStore, type RedisStore } from "./redis-store.ts";

const positiveInt = z.coerce.number().int().positive();

/**
 * The Redis connection, for every app that reads or writes the shared cache. `requiredUrl`: the app has no
 * in-process fallback (the cache warmer), so REDIS_URL has a default instead of being optional.
 */
export function redisEnvFragment(options: { commandTimeoutMs: number; requiredUrl?: boolean }) {
  return envFragment("Redis (shared prediction cache). Unset REDIS_URL → an in-process cache.", {
    REDIS_URL: options.requiredUrl
      ? z.string().url().default("redis://127.0.0.1:6379").describe("Redis the gateways and workers read.")
      : z.string().url().optional().meta({
          description: "Redis shared by every replica; unset → in-process.",
          example: "redis://127.0.0.1:6379",
        }),
    REDIS_ENABLED: envBoolean.optional().describe("Defaults to true when REDIS_URL is set."),
    REDIS_COMMAND_TIMEOUT_MS: positiveInt
      .default(options.commandTimeoutMs)
      .describe("Per-command bound in ms; a slower Redis reads as a cache miss (the cache fails open)."),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "1..64 of [A-Za-z0-9_-]")
      .default(DEFAULT_KEY_PREFIX)
      .describe(
        "First segment of every Redis key (cache entries and shared rate limits); give two deployments that share one Redis different prefixes. Every app of a deployment must use the same one.",
      ),
  });
}

const ttlSeconds = z.coerce.number().positive();

/** Entry lifetimes and the in-process store's bounds: honoured the same way by every app. */
export const cacheEnvFragment = envFragment("Cache: entry lifetimes, and the in-process store's bounds", {
  CACHE_TTL_PREDICTION_SECONDS: ttlSeconds.default(7_200).describe("Lifetime of a cached prediction."),
  CACHE_TTL_FEATURE_SECONDS: ttlSeconds.default(3_600).describe("Lifetime of cached features."),
  CACHE_TTL_QUERY_SECONDS: ttlSeconds.default(300).describe("Lifetime of a cached anomaly query page."),
  CACHE_TTL_MODEL_SECONDS: ttlSeconds.default(86_400).describe("Lifetime of a cached model file."),
  MEMORY_CACHE_MAX_ENTRIES: positiveInt
    .default(100_000)
    .describe("Entries the in-process cache (used without Redis) holds; the least recently used go first."),
  MEMORY_CACHE_MAX_BYTES: positiveInt
    .default(64 * 1024 * 1024)
    .describe("Approximate bytes the in-process cache holds (64 MiB)."),
});

export interface CacheEnv {
  REDIS_URL?: string | undefined;
  REDIS_ENABLED?: boolean | undefined;
  REDIS_COMMAND_TIMEOUT_MS: number;
  REDIS_KEY_PREFIX: string;
  CACHE_TTL_PREDICTION_SECONDS: number;
  CACHE_TTL_FEATURE_SECONDS: number;
  CACHE_TTL_QUERY_SECONDS: number;
  CACHE_TTL_MODEL_SECONDS: number;
  MEMORY_CACHE_MAX_ENTRIES: number;
  MEMORY_CACHE_MAX_BYTES: number;
}

/** Redis is used when REDIS_URL is set, unless REDIS_ENABLED says otherwise. */
export const isRedisEnabled = (env: Pick<CacheEnv, "REDIS_URL" | "REDIS_ENABLED">) =>
  env.REDIS_ENABLED ?? env.REDIS_URL !== undefined;

/** The cache every app builds from the same settings: Redis when enabled, otherwise the bounded LRU. */
export function createCacheFromEnv(
  env: CacheEnv,
  options: { logger: Logger; metrics?: CacheMetrics; connectionName: string },
): { cache: Cache; redisStore: RedisStore | undefined } {
  const redisStore = isRedisEnabled(env)
    ? createRedisStore({
        url: env.REDIS_URL ?? "redis://127.0.0.1:6379",
        commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
        connectionName: options.connectionName,
      })
    : undefined;
  const cache = createCache({
    store:
      redisStore ??
      createMemoryStore({
        maxEntries: env.MEMORY_CACHE_MAX_ENTRIES,
        maxBytes: env.MEMORY_CACHE_MAX_BYTES,
        onEvict: () => options.metrics?.evictionsTotal.inc(),
      }),
    logger: options.logger.child({ component: "cache" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    keyPrefix: env.REDIS_KEY_PREFIX,
    ttlSeconds: {
      prediction: env.CACHE_TTL_PREDICTION_SECONDS,
      feature: env.CACHE_TTL_FEATURE_SECONDS,
      query: env.CACHE_TTL_QUERY_SECONDS,
      model: env.CACHE_TTL_MODEL_SECONDS,
    },
  });
  return { cache, redisStore };
}
