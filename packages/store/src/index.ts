export type { Database, Queryable, QueryResult } from "./database.ts";
export { createPgliteDatabase, type PgliteDatabaseOptions } from "./pglite-database.ts";
export { createPostgresDatabase, type PostgresDatabaseOptions } from "./postgres-database.ts";
