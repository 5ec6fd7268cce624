export { reportContentConflicts } from "./conflict-report.ts";
export { type ModelEnv, modelEnvFragment, openRegistryModelsFromEnv } from "./env.ts";
export {
  type ModelProvider,
  mutableModelProvider,
  routeTransaction,
  routingBucket,
  type ServingModels,
  type ServingStrategy,
  staticModelProvider,
} from "./model-provider.ts";
export {
  bootstrapRegistryModel,
  createRegistryModelProvider,
  loadBootstrapModelFile,
  ModelLoadError,
  openRegistryModels,
  type RegistryModelProvider,
  type RegistryModelProviderOptions,
  registerModelFile,
  servingRoles,
} from "./registry-poller.ts";
export { newlyScoredRecords, shadowRecords, toScoredRecord } from "./scored-record.ts";
export {
  type BatchScoreOutcome,
  createScoringService,
  type IncidentCorrection,
  MODEL_ONLY_SUFFIX,
  type ScoreResult,
  type ScoringByproducts,
  type ScoringService,
  type ScoringServiceOptions,
  type ShadowScoreOutcome,
} from "./scoring-service.ts";
export {
  createTransactionPipeline,
  type DeferredWritesOptions,
  isScoringFailedError,
  type PipelineItem,
  type PipelineOutcome,
  type ProcessOptions,
  type RejectedItem,
  type RejectionReason,
  type ScoredItem,
  ScoringFailedError,
  type TransactionPipeline,
  type TransactionPipelineOptions,
  validateItem,
  WriteBacklogError,
} from "./transaction-pipeline.ts";
export { type WarmRecentProgress, warmRecentPredictions } from "./warm-recent.ts";
