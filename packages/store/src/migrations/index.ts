export { migrations } from "./list.ts";
export type { Migration } from "./migration.ts";
export { type MigrationResult, runMigrations } from "./run-migrations.ts";
