export {
  type Cache,
  type CacheHealth,
  type CacheOptions,
  type CacheStats,
  type CacheTypeStats,
  createCache,
  type WarmResult,
} from "./cache.ts";
export {
  CACHE_TYPES,
  type CacheType,
  cacheKey,
  DEFAULT_TTL_SECONDS,
  KEY_FORMAT_VERSIONS,
  predictionCacheId,
} from "./cache-types.ts";
export {
  type CacheEnv,
  cacheEnvFragment,
  createCacheFromEnv,
  isRedisEnabled,
  redisEnvFragment,
} from "./env.ts";
export { createMemoryStore, type MemoryStoreOptions } from "./memory-store.ts";
export { createRedisScript, type RedisScript } from "./redis-script.ts";
export { createRedisStore, type RedisStore, type RedisStoreOptions } from "./redis-store.ts";
export type { CacheStore, StoreEntry } from "./store.ts";
