import { TOPICS } from "@chainwatch/kafka/formats";
import { ConfigError, type EnvSource, envBoolean, logLevel, parseEnv } from "@chainwatch/service-kit";
import { z } from "zod";
import { secretWeakness } from "./auth/secret-strength.ts";

const seconds = z.coerce.number().positive();
const port = z.coerce.number().int().min(0).max(65_535);

/** Every setting of the gateway; documented with examples in apps/api-gateway/.env.example. */
export const GatewayEnvSchema = z.object({
  // --- HTTP server
  /** Interface to bind; 0.0.0.0 in containers, 127.0.0.1 for a laptop-only quick start. */
  HOST: z.string().default("0.0.0.0"),
  PORT: port.default(8080),
  LOG_LEVEL: logLevel.default("info"),
  /** Express "trust proxy": false, true, a hop count, or a comma list of subnets. Needed for client IPs behind a load balancer. */
  TRUST_PROXY: z.string().default("false"),
  /** Hard bound on graceful shutdown (drain HTTP, flush, close clients). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
  /**
   * At shutdown, how long requests in flight on open connections get to finish (answered with
   * Connection: close) before the sockets are cut; the write-behind flush runs after it, inside
   * SHUTDOWN_TIMEOUT_MS.
   */
  HTTP_DRAIN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),

  // --- Redis (cache and shared rate limits). Unset → in-process cache and limits.
  REDIS_URL: z.string().url().optional(),
  /** Defaults to true when REDIS_URL is set. */
  REDIS_ENABLED: envBoolean.optional(),
  /** Per-command timeout; a slower Redis reads as a cache miss. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(250),
  /** When true, /health/ready answers 503 while Redis is down; by default Redis is optional (degraded). */
  REDIS_REQUIRED: envBoolean.default(false),

  // --- PostgreSQL. Unset → embedded PostgreSQL (PGlite) on disk in PGLITE_DATA_DIR.
  DATABASE_URL: z.string().url().optional(),
  /**
   * Directory of the embedded database (relative to the working directory; created if missing), so keys and
   * data survive a restart. `memory` → in memory, lost on exit (throwaway runs, tests). Ignored with
   * DATABASE_URL.
   */
  PGLITE_DATA_DIR: z.string().default(".chainwatch/data"),
  /** Pool size for PostgreSQL. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  /** true → /health/ready answers 503 while the database is down. Default: scoring keeps working without it. */
  DATABASE_REQUIRED: envBoolean.default(false),
  /** Scored records held in memory for the database; past this, new ones are dropped and counted. */
  DB_WRITE_QUEUE_MAX: z.coerce.number().int().positive().default(50_000),
  /** Records per multi-row insert. */
  DB_WRITE_BATCH_SIZE: z.coerce.number().int().positive().max(5_000).default(500),
  /** How long a partial batch waits before it is written anyway. */
  DB_WRITE_FLUSH_INTERVAL_MS: z.coerce.number().int().positive().default(200),

  // --- Cache
  CACHE_TTL_PREDICTION_SECONDS: seconds.default(7_200),
  CACHE_TTL_FEATURE_SECONDS: seconds.default(3_600),
  CACHE_TTL_QUERY_SECONDS: seconds.default(300),
  CACHE_TTL_MODEL_SECONDS: seconds.default(86_400),
  /** Bounds of the in-process cache used when Redis is off. */
  MEMORY_CACHE_MAX_ENTRIES: z.coerce.number().int().positive().default(100_000),
  MEMORY_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),

  // --- Authentication
  /**
   * HMAC secret for access tokens (≥ 32 characters). Unset → a random one per process: tokens then stop
   * working at restart and are not accepted by other replicas, so set it in any multi-replica deployment.
   */
  JWT_SECRET: z
    .string()
    .min(32)
    .superRefine((secret, context) => {
      const weakness = secretWeakness(secret);
      if (weakness) context.addIssue({ code: "custom", message: `JWT_SECRET ${weakness}` });
    })
    .optional(),
  /**
   * Refuse to start without JWT_SECRET. Set in the Kubernetes base and compose, where replicas must share
   * one secret: a deployment that forgot it fails at start instead of issuing per-replica tokens.
   */
  AUTH_REQUIRE_JWT_SECRET: envBoolean.default(false),
  /** Access token lifetime; 15–30 minutes keeps a stolen token short-lived. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3_600).default(900),
  /** Refresh token lifetime (rotated on every use). */
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(14 * 86_400),
  /**
   * How long a verified credential is trusted without a database lookup. Also the bound on how long a
   * revoked key or ended session keeps working on another replica.
   */
  AUTH_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /**
   * During a database outage, callers verified within this many seconds keep access; new or unknown
   * credentials get 503. Bounds how long a revocation made just before an outage can be missed.
   */
  AUTH_STALE_ON_ERROR_SECONDS: z.coerce.number().int().min(0).max(3_600).default(600),
  /** Admin API key registered (as a hash) at start: cw_ + 64 hex. Unset while no admin exists → one is generated and printed once. */
  BOOTSTRAP_ADMIN_API_KEY: z.string().optional(),
  /** Failed logins from one source before the account is locked for that source, and for how long. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).default(900),

  // --- Kafka (ingest and stream status). Unset KAFKA_BROKERS → embedded: the ingest endpoints score in process.
  /** Comma-separated host:port list of the brokers; unset → embedded mode, no Kafka needed. */
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().default("chainwatch-api-gateway"),
  /** The scoring workers' consumer group, reported by GET /api/v1/stream/status. */
  KAFKA_GROUP_ID: z.string().default("chainwatch-scoring"),
  /** Input topic the ingest endpoints publish to. */
  KAFKA_TOPIC_TRANSACTIONS: z.string().default(TOPICS.transactions),
  /** Partitions if the gateway creates the input topic (the workers use the same default). */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(6),
  /** Bound on one publish or status read, connecting included; past it the request answers 503. */
  KAFKA_PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
  /** Stream status throughput: offsets sampled this often, rates over at most this window. */
  STREAM_STATUS_SAMPLE_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  STREAM_STATUS_WINDOW_MS: z.coerce.number().int().positive().default(60_000),

  // --- Model
  /**
   * Path to a model JSON file registered and deployed when the registry has no active model (first start);
   * unset → the model shipped with @chainwatch/model. After that the registry decides what serves.
   */
  MODEL_PATH: z.string().optional(),
  /** How often the model registry's active set is polled; a deploy or rollback serves within this + one load. */
  MODEL_REFRESH_INTERVAL_SECONDS: seconds.default(5),
  /** Scheduled drift check of recent stored traffic against the active model; 0 = off. */
  DRIFT_CHECK_INTERVAL_SECONDS: z.coerce.number().min(0).default(3_600),
  /** Training from a file (POST /api/v1/models/train) reads only under this directory; unset → refused. */
  MODEL_TRAINING_DATA_DIR: z.string().optional(),
  /** Training jobs running at once on this replica (each is a worker thread on a CPU core); more → 429. */
  MODEL_TRAINING_MAX_CONCURRENT_JOBS: z.coerce.number().int().min(1).max(16).default(1),
  /** Rows one training job reads at most; past it the job fails with TRAINING_TOO_MANY_ROWS. */
  MODEL_TRAINING_MAX_ROWS: z.coerce.number().int().min(1_000).default(1_000_000),
  /** Heap bound of a training worker thread (MiB); exceeding it fails that job, never the gateway. */
  MODEL_TRAINING_MAX_MEMORY_MB: z.coerce.number().int().min(64).default(512),
  /** Cache warm jobs running at once on this replica (each reads up to 10,000 predictions); more → 429. */
  CACHE_WARM_MAX_CONCURRENT_JOBS: z.coerce.number().int().min(1).max(16).default(2),

  // --- Middleware
  /** Requests slower than this many seconds are counted in slow_requests_total and logged. */
  SLOW_REQUEST_THRESHOLD: seconds.default(1.0),
  /** Responses smaller than this many bytes are sent uncompressed (gzip costs more than it saves). */
  GZIP_MIN_SIZE: z.coerce.number().int().min(0).default(1_000),
  /** zlib level 1 (fast) .. 9 (small); 6 is zlib's own default trade-off. */
  GZIP_COMPRESSION_LEVEL: z.coerce.number().int().min(1).max(9).default(6),
  /** Largest accepted body for /api/v1/batch/* in bytes; larger → 413 before the body is read. */
  MAX_REQUEST_SIZE: z.coerce.number().int().positive().default(10_485_760),
  /** Largest accepted body for every other route; one transaction is well under 100 KiB. */
  MAX_SMALL_REQUEST_SIZE: z.coerce.number().int().positive().default(262_144),
  /** Shape limits on parsed JSON bodies, beyond their byte size. */
  JSON_MAX_DEPTH: z.coerce.number().int().min(2).max(256).default(32),
  JSON_MAX_ARRAY_LENGTH: z.coerce.number().int().positive().default(10_000),
  JSON_MAX_STRING_LENGTH: z.coerce.number().int().positive().default(262_144),
  JSON_MAX_KEYS: z.coerce.number().int().positive().default(200_000),
  /** Items accepted by one batch request. */
  BATCH_MAX_ITEMS: z.coerce.number().int().positive().max(10_000).default(1_000),
  ENABLE_RATE_LIMITING: envBoolean.default(true),
  /** Requests per client per minute... */
  RATE_LIMIT_RPM: z.coerce.number().int().positive().default(100),
  /** ...plus this many on top, so short bursts from a well-behaved client pass. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(20),
  /** Separate, stricter tier for /api/v1/batch/* (each request can carry 1000 transactions). */
  RATE_LIMIT_BATCH_RPM: z.coerce.number().int().positive().default(30),
  /** Tier for login, refresh and registration, per client IP: slows password guessing. */
  RATE_LIMIT_LOGIN_RPM: z.coerce.number().int().positive().default(10),
  /** Comma-separated allowed origins for browsers; empty → CORS off (no CORS headers at all). */
  CORS_ORIGINS: z.string().default(""),
});

export type GatewayEnv = z.infer<typeof GatewayEnvSchema> & {
  isRedisEnabled: boolean;
  corsOrigins: string[];
};

export function loadEnv(source: EnvSource = process.env): GatewayEnv {
  const env = parseEnv(GatewayEnvSchema, source);
  if (env.AUTH_REQUIRE_JWT_SECRET && !env.JWT_SECRET) {
    const problem =
      "JWT_SECRET: required (AUTH_REQUIRE_JWT_SECRET=true); generate one with: openssl rand -hex 32";
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  return {
    ...env,
    isRedisEnabled: env.REDIS_ENABLED ?? env.REDIS_URL !== undefined,
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  };
}
