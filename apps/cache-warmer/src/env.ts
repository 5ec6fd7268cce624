import { type EnvSource, logLevel, parseEnv } from "@chainwatch/service-kit";
import { z } from "zod";

/** Every setting of the cache warmer; documented in apps/cache-warmer/.env.example. */
export const WarmerEnvSchema = z.object({
  LOG_LEVEL: logLevel.default("info"),
  /** Redis to warm; the gateways and workers must read the same one. */
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /**
   * Model file to warm and score with when there is no DATABASE_URL (or its registry is empty or
   * unreadable); unset → the model shipped with @chainwatch/model. With DATABASE_URL the registry's active
   * set is used, like the gateway and workers.
   */
  MODEL_PATH: z.string().optional(),
  /** JSON Lines file of transactions (either input shape) whose predictions to preload. */
  WARM_INPUT_FILE: z.string().optional(),
  /** Also load the predictions of the N most recently scored transactions from PostgreSQL; 0 → off. */
  WARM_RECENT: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** Needed when WARM_RECENT > 0; when set, also the model registry (what is active). */
  DATABASE_URL: z.string().url().optional(),
  /** Transactions per cache round trip. */
  WARM_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Batches in flight at once; bounds Redis load and memory. */
  WARM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** 0 → run once and exit (job mode, e.g. a Kubernetes Job); > 0 → repeat every N seconds. */
  WARM_INTERVAL_SECONDS: z.coerce.number().min(0).default(0),
  /** Health and metrics port in interval mode. */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  HEALTH_HOST: z.string().default("0.0.0.0"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
});

export type WarmerEnv = z.infer<typeof WarmerEnvSchema>;

export function loadEnv(source: EnvSource = process.env): WarmerEnv {
  return parseEnv(
    WarmerEnvSchema.refine((env) => env.WARM_RECENT === 0 || env.DATABASE_URL !== undefined, {
      path: ["DATABASE_URL"],
      message: "DATABASE_URL is required when WARM_RECENT > 0",
    }),
    source,
  );
}
