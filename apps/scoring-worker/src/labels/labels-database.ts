import { mkdirSync } from "node:fs";
import path from "node:path";
import { composeEnvSchema, type EnvSource, envFragment, parseEnv } from "@chainwatch/service-kit";
import {
  createPgliteDatabase,
  type Database,
  databaseEnvFragment,
  openPostgresFromEnv,
  runMigrations,
} from "@chainwatch/store";
import { z } from "zod";

/**
 * Where `chainwatch labels` writes: the PostgreSQL every replica shares (DATABASE_URL, DATABASE_SCHEMA),
 * else an embedded PGlite directory read like the gateway's (PGLITE_DATA_DIR, default .chainwatch/data in
 * the working directory; `npm start` keeps it in apps/api-gateway/), so the CLI run in the gateway's
 * folder, or with --pglite-dir, fills the database the gateway opens next. PGlite is one process's
 * database: stop the gateway before running the CLI against its directory.
 */
export const labelsCliEnvSchema = composeEnvSchema([
  databaseEnvFragment({ whenUnset: "the embedded PostgreSQL in PGLITE_DATA_DIR." }),
  envFragment("Embedded database", {
    PGLITE_DATA_DIR: z
      .string()
      .default(".chainwatch/data")
      .describe(
        "Without DATABASE_URL: the embedded PostgreSQL's directory (the gateway's PGLITE_DATA_DIR), relative to the working directory.",
      ),
  }),
]);
export type LabelsCliEnv = z.infer<typeof labelsCliEnvSchema>;

export function loadLabelsCliEnv(source: EnvSource): LabelsCliEnv {
  return parseEnv(labelsCliEnvSchema, source);
}

export interface OpenedDatabase {
  db: Database;
  /** What the summary says about it: the driver and the schema or directory. */
  description: { driver: Database["driver"]; schema?: string; dataDir?: string };
}

/** Opens and migrates the database; `pgliteDir` (the --pglite-dir flag) wins over PGLITE_DATA_DIR. */
export async function openLabelsDatabase(env: LabelsCliEnv, pgliteDir?: string): Promise<OpenedDatabase> {
  if (env.DATABASE_URL && pgliteDir === undefined) {
    const db = await openPostgresFromEnv(
      { ...env, DATABASE_URL: env.DATABASE_URL },
      { applicationName: "chainwatch-labels" },
    );
    await runMigrations(db);
    return {
      db,
      description: { driver: "postgres", ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}) },
    };
  }
  const dataDir = path.resolve(pgliteDir ?? env.PGLITE_DATA_DIR);
  // PGlite creates only the last level of its directory.
  mkdirSync(dataDir, { recursive: true });
  const db = await createPgliteDatabase({ dataDir });
  await runMigrations(db);
  return { db, description: { driver: "pglite", dataDir } };
}
