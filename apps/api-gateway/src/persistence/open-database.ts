import type { Logger } from "@chainwatch/service-kit";
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import type { GatewayEnv } from "../env.ts";

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite; migrations run before anything else. */
export async function openDatabase(env: GatewayEnv, logger: Logger): Promise<Database> {
  const database = env.DATABASE_URL
    ? await createPostgresDatabase({
        connectionString: env.DATABASE_URL,
        maxConnections: env.DATABASE_POOL_SIZE,
        applicationName: "chainwatch-api-gateway",
      })
    : await createPgliteDatabase(env.PGLITE_DATA_DIR ? { dataDir: env.PGLITE_DATA_DIR } : {});
  const { applied } = await runMigrations(database);
  logger.info(
    {
      driver: database.driver,
      applied,
      persistent: database.driver === "postgres" || env.PGLITE_DATA_DIR !== undefined,
    },
    "database ready",
  );
  return database;
}
