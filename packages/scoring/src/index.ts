export { type ModelProvider, staticModelProvider } from "./model-provider.ts";
export {
  type BatchScoreOutcome,
  createScoringService,
  type ScoreResult,
  type ScoringService,
  type ScoringServiceOptions,
} from "./scoring-service.ts";
