export type { Database, Queryable, QueryResult } from "./database.ts";
export { type Migration, type MigrationResult, migrations, runMigrations } from "./migrations/index.ts";
export { createPgliteDatabase, type PgliteDatabaseOptions } from "./pglite-database.ts";
export { createPostgresDatabase, type PostgresDatabaseOptions } from "./postgres-database.ts";
export { type AuthRepositories, createAuthRepositories, MAX_AUDIT_PAGE_SIZE } from "./repositories/auth.ts";
export * from "./repositories/auth-types.ts";
export * from "./repositories/index.ts";
export { isStoreValidationError, StoreValidationError } from "./store-errors.ts";
export {
  createWriteBehindQueue,
  type WriteBehindQueue,
  type WriteBehindQueueMetrics,
  type WriteBehindQueueOptions,
} from "./write-behind-queue.ts";
