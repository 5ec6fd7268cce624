import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@chainwatch/service-kit";
import {
  createThreadedPgliteDatabase,
  type Database,
  openPostgresFromEnv,
  runMigrations,
} from "@chainwatch/store";
import type { GatewayEnv } from "../env.ts";

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite; migrations run before anything else. */
export async function openDatabase(env: GatewayEnv, logger: Logger): Promise<Database> {
  const database = env.DATABASE_URL
    ? await openPostgresFromEnv(
        { ...env, DATABASE_URL: env.DATABASE_URL },
        { applicationName: "chainwatch-api-gateway" },
      )
    : await openEmbedded(embeddedDataDir(env), env.PGLITE_SHARED_BUFFERS);
  const { applied } = await runMigrations(database);
  logger.info(
    {
      driver: database.driver,
      applied,
      dataDir: env.DATABASE_URL ? undefined : (embeddedDataDir(env) ?? "memory"),
    },
    "database ready",
  );
  return database;
}

/** The embedded database's absolute directory, or undefined when it runs in memory (or PostgreSQL is used). */
export function embeddedDataDir(
  env: Pick<GatewayEnv, "DATABASE_URL" | "PGLITE_DATA_DIR">,
): string | undefined {
  if (env.DATABASE_URL || env.PGLITE_DATA_DIR === "memory") return undefined;
  return path.resolve(env.PGLITE_DATA_DIR);
}

/**
 * PGlite in a worker thread, on disk or in memory: on the event loop its WebAssembly held up every request
 * (under overload /health went unanswered for minutes, docs/benchmarks.md issue #21).
 */
function openEmbedded(dataDir: string | undefined, sharedBuffers: string): Promise<Database> {
  if (!dataDir) return createThreadedPgliteDatabase();
  const settings = embeddedSettings(dataDir, sharedBuffers);
  // PGlite creates only the last level of its directory.
  mkdirSync(dataDir, { recursive: true });
  return createThreadedPgliteDatabase({ dataDir, ...settings });
}

/**
 * PGLITE_SHARED_BUFFERS applies when the gateway reopens an existing database: measured 529 → 408 MiB of
 * RSS at rest (32MB against PGlite's 128MB). A first start (initdb, migrations, the shipped screening lists)
 * measured 700 → 900 MiB with it, and PGlite's memory never shrinks, so a new database keeps PGlite's
 * default until the next start (docs/benchmarks.md, issue #21).
 */
export function embeddedSettings(dataDir: string, sharedBuffers: string): { sharedBuffers?: string } {
  return existsSync(path.join(dataDir, "PG_VERSION")) ? { sharedBuffers } : {};
}
