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

/**
 * The version segment of each type's keys. Bump a type's version when the shape of its values or the
 * meaning of its ids changes, so old entries are never read back as the new kind. `prediction` is v2 since
 * its id gained the content fingerprint: a v1 id (model version + hash) served the verdict of whatever
 * content was scored first under a hash to every later request for that hash. v3: values carry the
 * combined verdict (riskScore, riskLevel, reasons), which v2 values lack.
 */
export const KEY_FORMAT_VERSIONS: Readonly<Record<CacheType, string>> = {
  prediction: "v3",
  feature: "v1",
  query: "v1",
  model: "v1",
};

/** The first segment of every key unless REDIS_KEY_PREFIX says otherwise. */
export const DEFAULT_KEY_PREFIX = "chainwatch";

/**
 * `<prefix>:<type>:<version>:<id>`: the one place keys are formatted. The prefix lets two deployments share
 * one Redis without reading each other's entries.
 */
export function cacheKey(type: CacheType, id: string, prefix: string = DEFAULT_KEY_PREFIX): string {
  return `${prefix}:${type}:${KEY_FORMAT_VERSIONS[type]}:${id}`;
}

/**
 * Predictions are keyed by model version, hash and content fingerprint (@chainwatch/model
 * `contentFingerprint`): promoting a model never serves a score another model computed, and a hash sent
 * again with other content (a benign-looking request first, the real 250,000 ETH transaction later) is
 * scored afresh instead of getting the verdict of the first content.
 */
export function predictionCacheId(modelVersion: string, txHash: string, contentFingerprint: string): string {
  return `${modelVersion}:${txHash.toLowerCase()}:${contentFingerprint}`;
}
