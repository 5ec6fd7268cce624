/** Every cache entry belongs to one type; the type fixes its TTL and its metric label. */
export const CACHE_TYPES = ["prediction", "feature", "query", "model"] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

/**
 * Defaults in seconds. Predictions are deterministic per (model version, tx), so they can live long;
 * query results (recent anomalies) change as traffic arrives, so they are short.
 */
export const DEFAULT_TTL_SECONDS: Readonly<Record<CacheType, number>> = {
  prediction: 7_200,
  feature: 3_600,
  query: 300,
  model: 86_400,
};

/** Bump when the shape of a cached value changes, so old entries are never read back as the new shape. */
export const KEY_FORMAT_VERSION = "v1";

/** `chainwatch:<type>:v1:<id>`: the one place keys are formatted. */
export function cacheKey(type: CacheType, id: string): string {
  return `chainwatch:${type}:${KEY_FORMAT_VERSION}:${id}`;
}

/**
 * Predictions are keyed by model version as well as hash, so promoting a model never serves a score
 * that another model computed.
 */
export function predictionCacheId(modelVersion: string, txHash: string): string {
  return `${modelVersion}:${txHash.toLowerCase()}`;
}
