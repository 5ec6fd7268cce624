import type { Scorer } from "@chainwatch/model";

/** Which role served (or shadowed) a result; the `strategy` label of `model_predictions_total`. */
export type ServingStrategy = "active" | "canary" | "shadow";

/** The models one scoring process uses right now: swapped as a whole, never piecemeal. */
export interface ServingModels {
  /** Serves every transaction the canary does not take. */
  active: Scorer;
  /** Serves transactions whose routing bucket (0..99) is below `percent`. */
  canary: { scorer: Scorer; percent: number } | null;
  /** Scored off the response path; results stored with `served: false`, never returned. */
  shadows: readonly Scorer[];
}

/**
 * Where scoring gets its models from. A provider rather than a Scorer, so the serving set can change
 * (promotion, canary, rollback) without rebuilding the components that score. `current()` is the active
 * model; `serving()` the whole set, read once per batch.
 */
export interface ModelProvider {
  current(): Scorer;
  serving(): ServingModels;
}

export function staticModelProvider(scorer: Scorer): ModelProvider {
  const models: ServingModels = { active: scorer, canary: null, shadows: [] };
  return { current: () => scorer, serving: () => models };
}

/** A provider over a set the caller swaps (the registry poller). */
export function mutableModelProvider(
  initial: ServingModels,
): ModelProvider & { set(models: ServingModels): void } {
  let models = initial;
  return {
    current: () => models.active,
    serving: () => models,
    set(next) {
      models = next;
    },
  };
}

/**
 * Stable bucket 0..99 of a transaction hash (FNV-1a, 32 bit, over the lower-cased hash): the same hash
 * always lands in the same bucket, on every replica and after every restart, so a canary at p % serves the
 * same transactions for as long as p stays.
 */
export function routingBucket(hash: string): number {
  let h = 0x811c9dc5;
  const text = hash.toLowerCase();
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 100;
}

/** The model that serves `hash` under `models`. */
export function routeTransaction(
  models: ServingModels,
  hash: string,
): { scorer: Scorer; strategy: "active" | "canary" } {
  const { canary } = models;
  if (canary && canary.percent > 0 && routingBucket(hash) < canary.percent) {
    return { scorer: canary.scorer, strategy: "canary" };
  }
  return { scorer: models.active, strategy: "active" };
}
