import type { CacheMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import {
  CACHE_TYPES,
  type CacheType,
  cacheKey,
  DEFAULT_KEY_PREFIX,
  DEFAULT_TTL_SECONDS,
} from "./cache-types.ts";
import { createDecodedMemo } from "./decoded-memo.ts";
import type { CacheStore } from "./store.ts";

export interface CacheOptions {
  store: CacheStore;
  logger: Logger;
  metrics?: CacheMetrics;
  ttlSeconds?: Partial<Record<CacheType, number>>;
  /** First segment of every key (REDIS_KEY_PREFIX); default `chainwatch`. */
  keyPrefix?: string;
}

export interface CacheTypeStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 when nothing was looked up yet. */
  hitRate: number;
}

export interface CacheStats {
  backend: CacheStore["kind"];
  byType: Record<CacheType, CacheTypeStats>;
  hits: number;
  misses: number;
  hitRate: number;
  errors: number;
  droppedWrites: number;
  sizeBytes: number;
}

export interface CacheHealth {
  status: "ok" | "degraded";
  backend: CacheStore["kind"];
  hitRate: number;
}

export interface WarmResult {
  written: number;
  batches: number;
  failedBatches: number;
}

/**
 * The cache every app uses. Failures of the store never escape: reads become misses and writes are
 * dropped and counted (fail-open), because a cache outage must cost latency, not availability.
 */
export interface Cache {
  get<T>(type: CacheType, id: string): Promise<T | undefined>;
  set<T>(type: CacheType, id: string, value: T, ttlSeconds?: number): Promise<boolean>;
  /** One round trip; the result is aligned with `ids`. */
  batchGet<T>(type: CacheType, ids: readonly string[]): Promise<(T | undefined)[]>;
  /** One round trip for all entries. */
  batchSet<T>(
    type: CacheType,
    entries: readonly { id: string; value: T }[],
    ttlSeconds?: number,
  ): Promise<boolean>;
  delete(type: CacheType, ids: readonly string[]): Promise<number>;
  /** Writes what `loader` yields, batch by batch; a failed batch is counted and the rest still run. */
  warm<T>(type: CacheType, loader: AsyncIterable<readonly { id: string; value: T }[]>): Promise<WarmResult>;
  stats(): CacheStats;
  health(): Promise<CacheHealth>;
  ttlSeconds(type: CacheType): number;
  close(): Promise<void>;
}

export function createCache(options: CacheOptions): Cache {
  const { store, logger, metrics } = options;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const ttls: Record<CacheType, number> = { ...DEFAULT_TTL_SECONDS, ...options.ttlSeconds };
  const counts = Object.fromEntries(CACHE_TYPES.map((type) => [type, { hits: 0, misses: 0 }])) as Record<
    CacheType,
    { hits: number; misses: number }
  >;
  let errors = 0;
  let droppedWrites = 0;
  // Logged once per outage rather than once per command, so a Redis outage does not flood the logs.
  let isFailing = false;

  const rateOf = ({ hits, misses }: { hits: number; misses: number }) =>
    hits + misses === 0 ? 0 : hits / (hits + misses);

  const record = (type: CacheType, hits: number, misses: number) => {
    const count = counts[type];
    count.hits += hits;
    count.misses += misses;
    if (metrics) {
      if (hits > 0) metrics.hitsTotal.inc({ cache_type: type }, hits);
      if (misses > 0) metrics.missesTotal.inc({ cache_type: type }, misses);
      metrics.hitRate.set({ cache_type: type }, rateOf(count));
    }
  };

  const failed = (operation: string, type: CacheType, error: unknown) => {
    errors += 1;
    metrics?.errorsTotal.inc({ operation });
    if (!isFailing) {
      isFailing = true;
      logger.warn(
        { operation, cacheType: type, backend: store.kind, err: error },
        "cache store failing; serving misses",
      );
    }
  };

  const succeeded = () => {
    if (isFailing) {
      isFailing = false;
      logger.info({ backend: store.kind }, "cache store recovered");
    }
  };

  async function timed<T>(operation: string, type: CacheType, action: () => Promise<T>): Promise<T> {
    const stopTimer = metrics?.operationDurationSeconds.startTimer({ operation, cache_type: type });
    try {
      return await action();
    } finally {
      stopTimer?.();
      if (metrics && store.kind === "memory") metrics.sizeBytes.set(store.sizeBytes());
    }
  }

  // Predictions only: they are immutable per key and re-read constantly; other types (query results, model
  // files) may be large or read once, and their callers get fresh objects as before.
  // A prediction's text is ~600 characters; longer ones (rare) are decoded each time rather than kept.
  const predictionMemo = createDecodedMemo({ maxEntries: 10_000, maxTextLength: 1_536 });
  const decode = <T>(type: CacheType, raw: string | null): T | undefined => {
    if (raw === null) return undefined;
    try {
      return (type === "prediction" ? predictionMemo.parse(raw) : JSON.parse(raw)) as T;
    } catch {
      return undefined;
    }
  };

  async function batchGet<T>(type: CacheType, ids: readonly string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return [];
    try {
      const raw = await timed("mget", type, () => store.mget(ids.map((id) => cacheKey(type, id, keyPrefix))));
      succeeded();
      const values = raw.map((value) => decode<T>(type, value));
      const hits = values.filter((value) => value !== undefined).length;
      record(type, hits, values.length - hits);
      return values;
    } catch (error) {
      failed("mget", type, error);
      record(type, 0, ids.length);
      return ids.map(() => undefined);
    }
  }

  async function batchSet<T>(
    type: CacheType,
    entries: readonly { id: string; value: T }[],
    ttlSeconds = ttls[type],
  ): Promise<boolean> {
    if (entries.length === 0) return true;
    try {
      await timed("mset", type, () =>
        store.mset(
          entries.map(({ id, value }) => ({
            key: cacheKey(type, id, keyPrefix),
            value: JSON.stringify(value),
            ttlSeconds,
          })),
        ),
      );
      succeeded();
      return true;
    } catch (error) {
      failed("mset", type, error);
      droppedWrites += entries.length;
      return false;
    }
  }

  return {
    async get<T>(type: CacheType, id: string) {
      const [value] = await batchGet<T>(type, [id]);
      return value;
    },
    set: (type, id, value, ttlSeconds) => batchSet(type, [{ id, value }], ttlSeconds),
    batchGet,
    batchSet,
    async delete(type, ids) {
      try {
        const deleted = await timed("del", type, () =>
          store.del(ids.map((id) => cacheKey(type, id, keyPrefix))),
        );
        succeeded();
        return deleted;
      } catch (error) {
        failed("del", type, error);
        return 0;
      }
    },
    async warm(type, loader) {
      const result: WarmResult = { written: 0, batches: 0, failedBatches: 0 };
      for await (const batch of loader) {
        result.batches += 1;
        if (await batchSet(type, batch)) result.written += batch.length;
        else result.failedBatches += 1;
      }
      return result;
    },
    stats() {
      const byType = Object.fromEntries(
        CACHE_TYPES.map((type) => [type, { ...counts[type], hitRate: rateOf(counts[type]) }]),
      ) as Record<CacheType, CacheTypeStats>;
      const hits = CACHE_TYPES.reduce((sum, type) => sum + counts[type].hits, 0);
      const misses = CACHE_TYPES.reduce((sum, type) => sum + counts[type].misses, 0);
      return {
        backend: store.kind,
        byType,
        hits,
        misses,
        hitRate: rateOf({ hits, misses }),
        errors,
        droppedWrites,
        sizeBytes: store.sizeBytes(),
      };
    },
    async health() {
      const isUp = await store.ping();
      return { status: isUp ? "ok" : "degraded", backend: store.kind, hitRate: rateOf(counts.prediction) };
    },
    ttlSeconds: (type) => ttls[type],
    close: () => store.close(),
  };
}
