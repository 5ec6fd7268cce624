import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type CacheMetrics = ReturnType<typeof createCacheMetrics>;

/** `cache_type` is one of the fixed cache types (prediction, feature, query, model). */
export function createCacheMetrics(registry: Registry) {
  return {
    hitsTotal: new Counter({
      name: "cache_hits_total",
      help: "Cache lookups that found a value",
      labelNames: ["cache_type"],
      registers: [registry],
    }),
    missesTotal: new Counter({
      name: "cache_misses_total",
      help: "Cache lookups that found nothing (a failed lookup counts as a miss)",
      labelNames: ["cache_type"],
      registers: [registry],
    }),
    hitRate: new Gauge({
      name: "cache_hit_rate",
      help: "Hits / (hits + misses) since start, 0..1",
      labelNames: ["cache_type"],
      registers: [registry],
    }),
    operationDurationSeconds: new Histogram({
      name: "cache_operation_duration_seconds",
      help: "Cache operation duration in seconds",
      labelNames: ["operation", "cache_type"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    sizeBytes: new Gauge({
      name: "cache_size_bytes",
      help: "Approximate bytes held by the in-process cache (0 for Redis, which reports its own memory)",
      registers: [registry],
    }),
    evictionsTotal: new Counter({
      name: "cache_evictions_total",
      help: "Entries evicted from the in-process cache to stay within its entry and byte bounds",
      registers: [registry],
    }),
    errorsTotal: new Counter({
      name: "cache_errors_total",
      help: "Cache operations that failed (the store was down or timed out); reads become misses, writes are dropped",
      labelNames: ["operation"],
      registers: [registry],
    }),
  };
}
