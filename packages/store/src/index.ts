export type { Database, Queryable, QueryResult } from "./database.ts";
export { type DatabaseEnv, databaseEnvFragment, openPostgresFromEnv } from "./env.ts";
export { type Migration, type MigrationResult, migrations, runMigrations } from "./migrations/index.ts";
export {
  createPgliteDatabase,
  PGLITE_SIZE_PATTERN,
  type PgliteDatabaseOptions,
} from "./pglite-database.ts";
export { createThreadedPgliteDatabase } from "./pglite-thread-database.ts";
export { createPostgresDatabase, type PostgresDatabaseOptions } from "./postgres-database.ts";
export { type AuthRepositories, createAuthRepositories, MAX_AUDIT_PAGE_SIZE } from "./repositories/auth.ts";
export * from "./repositories/auth-types.ts";
export {
  type ChainBlockRef,
  type ChainCheckpoint,
  type ChainStateRepository,
  createChainStateRepository,
  HEAD_READER,
  type Retraction,
} from "./repositories/chain-state.ts";
export {
  createDriftReports,
  DRIFT_SEVERITIES,
  DRIFT_TRIGGERS,
  type DriftReportInput,
  type DriftReportQuery,
  type DriftReportSeverity,
  type DriftReports,
  type DriftTrigger,
  MAX_DRIFT_REPORT_PAGE,
  type StoredDriftReport,
} from "./repositories/drift-reports.ts";
export * from "./repositories/index.ts";
export { createLabelRepository, type LabelRepository } from "./repositories/labels.ts";
export * from "./repositories/labels-types.ts";
export {
  createModelRegistry,
  MAX_DEPLOYMENT_HISTORY,
  type ModelRegistry,
} from "./repositories/model-registry.ts";
export * from "./repositories/model-registry-types.ts";
export {
  createPendingTransactionsRepository,
  type MinedTransactionRef,
  type PendingOutcome,
  type PendingResolution,
  type PendingSeen,
  type PendingTransactionsRepository,
} from "./repositories/pending-transactions.ts";
export { MAX_RESCREEN_PAGE, type RescreenCursor, type RescreenPage } from "./repositories/rescreen.ts";
export { createReviewRepository, type ReviewRepository } from "./repositories/review.ts";
export * from "./repositories/review-types.ts";
export {
  countStoredTransactions,
  MAX_STORED_TRANSACTION_BATCH,
  newestWindowStart,
  type StoredTransaction,
  type StoredTransactionWindow,
  streamStoredTransactions,
} from "./repositories/stored-transactions.ts";
export {
  isLabelStoreError,
  isModelRegistryError,
  isStoreValidationError,
  LabelStoreError,
  type LabelStoreErrorCode,
  ModelRegistryError,
  type ModelRegistryErrorCode,
  StoreValidationError,
} from "./store-errors.ts";
export {
  createWriteBehindQueue,
  type WriteBehindQueue,
  type WriteBehindQueueMetrics,
  type WriteBehindQueueOptions,
} from "./write-behind-queue.ts";
