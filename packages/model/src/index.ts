export { AUTO_THRESHOLD, type Contamination, type Severity, scoreTailProbability } from "./calibration.ts";
export {
  badRowOption,
  CLI_EXIT,
  contaminationOption,
  InputError,
  integerOption,
  runCli,
  UsageError,
  validTransactions,
  whereOption,
} from "./cli/cli-support.ts";
export { type ReadOptions, type RowOutcome, readTransactions } from "./cli/read-transactions.ts";
export {
  CONTENT_FINGERPRINT_FIELDS,
  CONTENT_FINGERPRINT_PATTERN,
  CONTENT_FINGERPRINT_VERSION,
  canonicalContent,
  contentFingerprint,
} from "./content-fingerprint.ts";
export {
  type DetectDriftOptions,
  DRIFT_MIN_ROWS,
  DRIFT_THRESHOLDS,
  type DriftReport,
  type DriftSeverity,
  detectDrift,
  driftSeverity,
  type FeatureDrift,
  isFeatureDrifted,
} from "./drift/detect-drift.ts";
export {
  DRIFT_BIN_COUNT,
  type DriftReference,
  DriftReferenceSchema,
  type FeatureReference,
  REFERENCE_SAMPLE_SIZE,
} from "./drift/drift-reference.ts";
export {
  binProportions,
  type KsResult,
  kolmogorovQ,
  ksTwoSample,
  MIN_REFERENCE_STD,
  meanShift,
  PSI_EPSILON,
  populationStabilityIndex,
} from "./drift/drift-stats.ts";
export { MAX_RECENT_DRIFT_ROWS, recentFeatureMatrix } from "./drift/recent-features.ts";
export {
  DriftError,
  type DriftErrorCode,
  ModelFileError,
  type ModelFileErrorCode,
  TrainingError,
  type TrainingErrorCode,
  TransactionValidationError,
  type ValidationIssue,
} from "./errors.ts";
export {
  CONTEXT_FEATURE_NAMES,
  describeFeature,
  extractFeatureMatrix,
  extractFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
  FEATURE_SPECS,
  featurePhrase,
  SPEC_2_FEATURE_COUNT,
  SPEC_2_FEATURE_NAMES,
  type TrainingRow,
  type TransactionSummary,
  usesContextFeatures,
  writeFeatures,
  writeTrainingRowFeatures,
} from "./features.ts";
export { type CompiledForest, compileForest } from "./forest/compiled-forest.ts";
export { type FitOptions, type FittedForest, fitIsolationForest } from "./forest/fit-isolation-forest.ts";
export { anomalyScoreFromPathLength, averagePathLength, maxTreeDepth } from "./forest/path-length.ts";
export type { TreeArrays } from "./forest/tree-arrays.ts";
export {
  describeModel,
  MODEL_FORMAT_VERSION,
  type ModelContent,
  ModelContentSchema,
  type ModelFile,
  ModelFileSchema,
  type ModelMetadata,
  parseModelFile,
  readModelFile,
  SUPPORTED_MODEL_FORMAT_VERSIONS,
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
  loadDefaultModelFile,
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
export {
  type FeatureMatrix,
  type TrainingPhase,
  type TrainingProgress,
  type TrainOptions,
  trainModel,
} from "./train-model.ts";
export {
  type StartTrainingWorkerOptions,
  startTrainingWorker,
  TRAIN_WORKER_URL,
  type TrainingWorkerHandle,
} from "./training/start-training-worker.ts";
export {
  type FeatureRow,
  type TrainFromRowsOptions,
  type TrainFromRowsResult,
  trainModelFromFeatureRows,
  trainModelFromRows,
} from "./training/train-from-rows.ts";
export {
  type StoredFeaturesTrainingResult,
  trainSpec2FromStoredFeatures,
} from "./training/train-from-stored-features.ts";
export {
  DEFAULT_TRAINING_PARAMETERS,
  MAX_TREES,
  type TrainingParameters,
  TrainingParametersSchema,
  trainOptionsFrom,
} from "./training/training-parameters.ts";
export type {
  TrainingInput,
  TrainingJobOutput,
  TrainWorkerData,
} from "./training/worker-protocol.ts";
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
