export { AUTO_THRESHOLD, type Contamination, type Severity } from "./calibration.ts";
export {
  ModelFileError,
  type ModelFileErrorCode,
  TransactionValidationError,
  type ValidationIssue,
} from "./errors.ts";
export {
  describeFeature,
  extractFeatureMatrix,
  extractFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
} from "./features.ts";
export { type CompiledForest, compileForest } from "./forest/compiled-forest.ts";
export { type FitOptions, type FittedForest, fitIsolationForest } from "./forest/fit-isolation-forest.ts";
export { anomalyScoreFromPathLength, averagePathLength, maxTreeDepth } from "./forest/path-length.ts";
export type { TreeArrays } from "./forest/tree-arrays.ts";
export {
  type ModelContent,
  ModelContentSchema,
  type ModelFile,
  ModelFileSchema,
  parseModelFile,
  readModelFile,
  serializeModel,
  writeModelFile,
} from "./model-file.ts";
export {
  type NormalizedTransaction,
  type NormalizeResult,
  normalizeTransaction,
  safeNormalizeTransaction,
} from "./normalize-transaction.ts";
export {
  createScorer,
  type FeatureContribution,
  loadDefaultModel,
  type Prediction,
  type Scorer,
} from "./scorer.ts";
export { rocAuc } from "./stats.ts";
export {
  generateSyntheticTraffic,
  type OutlierKind,
  type SyntheticTraffic,
  type SyntheticTrafficOptions,
} from "./synthetic-traffic.ts";
export { type FeatureMatrix, type TrainOptions, trainModel } from "./train-model.ts";
export {
  isRpcShaped,
  type RpcTransactionInput,
  RpcTransactionInputSchema,
  type SimpleTransactionInput,
  SimpleTransactionInputSchema,
  type TransactionInput,
  TransactionInputSchema,
} from "./transaction-schema.ts";
export { formatWeiAsEth, MAX_UINT256, WEI_PER_ETH, WEI_PER_GWEI } from "./units.ts";
