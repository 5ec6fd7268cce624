import { serviceUrls, uniqueName } from "@chainwatch/testing";
import type { Database } from "../database.ts";
import { createPostgresDatabase } from "../postgres-database.ts";

/**
 * A connection into a new schema of the local PostgreSQL. Its `close()` drops the schema first, so suites
 * that close what they were given leave the server clean.
 */
export async function scratchPostgresDatabase(prefix: string): Promise<Database> {
  const schema = uniqueName(prefix).toLowerCase();
  const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
  return {
    ...db,
    close: async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}
