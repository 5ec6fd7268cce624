import { type EnvFragment, envFragment } from "@chainwatch/service-kit";
import { z } from "zod";
import type { Database } from "./database.ts";
import { createPostgresDatabase } from "./postgres-database.ts";

const connectionSettings = {
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
    .optional()
    .meta({
      description:
        "Schema (search_path) to use, created if missing; unset → the connection's default (public). Lets two deployments share one database.",
      example: "chainwatch",
    }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5).describe("Connections per process."),
};

/**
 * The PostgreSQL connection. With `defaultUrl` the app always needs PostgreSQL (the worker) and has a
 * local default; otherwise DATABASE_URL is optional and `whenUnset` says what its absence means (the
 * gateway's embedded database, the warmer's file-only mode).
 */
export function databaseEnvFragment(options: {
  defaultUrl: string;
}): EnvFragment<{ DATABASE_URL: z.ZodDefault<z.ZodURL> } & typeof connectionSettings>;
export function databaseEnvFragment(options: {
  whenUnset: string;
}): EnvFragment<{ DATABASE_URL: z.ZodOptional<z.ZodURL> } & typeof connectionSettings>;
export function databaseEnvFragment(options: { defaultUrl?: string; whenUnset?: string }) {
  const url = z.url();
  return envFragment("PostgreSQL", {
    DATABASE_URL: options.defaultUrl
      ? url.default(options.defaultUrl).describe("PostgreSQL every replica writes to.")
      : url.optional().meta({
          description: `PostgreSQL every replica shares. Unset → ${options.whenUnset}`,
          example: "postgres://chainwatch@127.0.0.1:5432/chainwatch",
        }),
    ...connectionSettings,
  });
}

export interface DatabaseEnv {
  DATABASE_URL?: string | undefined;
  DATABASE_SCHEMA?: string | undefined;
  DATABASE_POOL_SIZE: number;
}

/** PostgreSQL from the shared settings, the same way in every app. */
export function openPostgresFromEnv(
  env: DatabaseEnv & { DATABASE_URL: string },
  options: { applicationName: string },
): Promise<Database> {
  return createPostgresDatabase({
    connectionString: env.DATABASE_URL,
    maxConnections: env.DATABASE_POOL_SIZE,
    applicationName: options.applicationName,
    ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
  });
}
