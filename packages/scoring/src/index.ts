export { type ModelProvider, staticModelProvider } from "./model-provider.ts";
export { newlyScoredRecords, toScoredRecord } from "./scored-record.ts";
export {
  type BatchScoreOutcome,
  createScoringService,
  type ScoreResult,
  type ScoringService,
  type ScoringServiceOptions,
} from "./scoring-service.ts";
export { type WarmRecentProgress, warmRecentPredictions } from "./warm-recent.ts";
