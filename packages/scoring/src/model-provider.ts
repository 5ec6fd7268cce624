import type { Scorer } from "@chainwatch/model";

/**
 * Where scoring gets the model from. A provider rather than a Scorer, so the active model can change
 * (promotion, rollback) without rebuilding the components that score.
 */
export interface ModelProvider {
  current(): Scorer;
}

export function staticModelProvider(scorer: Scorer): ModelProvider {
  return { current: () => scorer };
}
