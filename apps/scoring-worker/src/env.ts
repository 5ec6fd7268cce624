import { type EnvSource, envBoolean, logLevel, parseEnv } from "@chainwatch/service-kit";
import { z } from "zod";

/** Every setting of the scoring worker; documented in apps/scoring-worker/.env.example. */
export const WorkerEnvSchema = z.object({
  LOG_LEVEL: logLevel.default("info"),
  /** Port of the health and metrics endpoint (/health/live, /health/ready, /metrics). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  HEALTH_HOST: z.string().default("0.0.0.0"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),

  // --- Kafka
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z.string().default("127.0.0.1:9092"),
  KAFKA_CLIENT_ID: z.string().default("chainwatch-scoring-worker"),
  /** Workers with the same group id share the input topic's partitions. */
  KAFKA_GROUP_ID: z.string().default("chainwatch-scoring"),

  // --- Redis (prediction cache shared with the gateway)
  REDIS_URL: z.string().url().optional(),
  REDIS_ENABLED: envBoolean.optional(),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema> & { kafkaBrokers: string[] };

export function loadEnv(source: EnvSource = process.env): WorkerEnv {
  const env = parseEnv(WorkerEnvSchema, source);
  return { ...env, kafkaBrokers: env.KAFKA_BROKERS.split(",").map((broker) => broker.trim()) };
}
