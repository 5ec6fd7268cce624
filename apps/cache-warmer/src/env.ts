import { cacheEnvFragment, redisEnvFragment } from "@chainwatch/cache";
import { modelEnvFragment } from "@chainwatch/scoring";
import { defineAppEnv, type EnvSource, envFragment, logLevel } from "@chainwatch/service-kit";
import { databaseEnvFragment } from "@chainwatch/store";
import { z } from "zod";

const processEnv = envFragment("Process", {
  LOG_LEVEL: logLevel.default("info").describe("fatal, error, warn, info, debug, trace or silent."),
  HEALTH_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(9465)
    .describe("Health and metrics port in interval mode."),
  HEALTH_HOST: z.string().default("0.0.0.0").describe("Interface of the health and metrics port."),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(25_000)
    .describe("Bound on graceful shutdown; past it the process exits 1."),
});

const warmEnv = envFragment("What to warm, and how fast", {
  WARM_INPUT_FILE: z.string().optional().meta({
    description: "JSON Lines file of transactions (simple or JSON-RPC shape) whose predictions to preload.",
    example: "/data/hot-transactions.jsonl",
  }),
  WARM_RECENT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .describe(
      "Also preload the predictions of the N most recently scored transactions from PostgreSQL (needs DATABASE_URL); 0 → off.",
    ),
  WARM_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe("Transactions per Redis round trip."),
  WARM_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe("Batches in flight at once; bounds Redis load and memory."),
  WARM_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0)
    .default(0)
    .describe(
      "0 → run once and exit (job mode, e.g. a Kubernetes Job); N → repeat every N seconds and serve health.",
    ),
});

const warmerEnv = defineAppEnv({
  app: "cache warmer",
  packageName: "@chainwatch/cache-warmer",
  fragments: [
    processEnv,
    redisEnvFragment({ commandTimeoutMs: 1_000, requiredUrl: true }),
    cacheEnvFragment,
    databaseEnvFragment({
      whenUnset: "no recent mode, and the model comes from MODEL_PATH (with it, from the model registry).",
    }),
    modelEnvFragment,
    warmEnv,
  ],
});

/** Every setting of the cache warmer; apps/cache-warmer/.env.example is rendered from it. */
export const WarmerEnvSchema = warmerEnv.schema;
export const renderWarmerEnvExample = warmerEnv.renderExample;

export type WarmerEnv = z.infer<typeof WarmerEnvSchema> & {
  /** Aliases read or ignored (REDIS_HOST, …): main.ts logs them at start. */
  configNotes: string[];
};

export function loadEnv(source: EnvSource = process.env): WarmerEnv {
  const { env, configNotes } = warmerEnv.parse(source, (schema) =>
    schema.refine((value) => value.WARM_RECENT === 0 || value.DATABASE_URL !== undefined, {
      path: ["DATABASE_URL"],
      message: "DATABASE_URL is required when WARM_RECENT > 0",
    }),
  );
  return { ...env, configNotes };
}
