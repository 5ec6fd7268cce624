import { alertDeliveryEnvFragment, alertTargetEnvFragment } from "@chainwatch/alerts";
import { cacheEnvFragment, isRedisEnabled, redisEnvFragment } from "@chainwatch/cache";
import { chainEnvFragment, requireChainIdWithRpcUrl } from "@chainwatch/chain/env";
import { contextEnvFragment, screeningEnvFragment } from "@chainwatch/context";
import { kafkaEnvFragment } from "@chainwatch/kafka/formats";
import { modelEnvFragment } from "@chainwatch/scoring";
import {
  ConfigError,
  defineAppEnv,
  type EnvSource,
  envBoolean,
  envFragment,
  logLevel,
} from "@chainwatch/service-kit";
import { databaseEnvFragment, PGLITE_SIZE_PATTERN } from "@chainwatch/store";
import { z } from "zod";
import { secretWeakness } from "./auth/secret-strength.ts";

const seconds = z.coerce.number().positive();
const positiveInt = z.coerce.number().int().positive();

const httpEnv = envFragment("HTTP server", {
  HOST: z
    .string()
    .default("0.0.0.0")
    .describe("Interface to bind; 0.0.0.0 in containers, 127.0.0.1 for a laptop."),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080).describe("Port of the API."),
  LOG_LEVEL: logLevel.default("info").describe("fatal, error, warn, info, debug, trace or silent."),
  TRUST_PROXY: z
    .string()
    .default("false")
    .describe(
      'Express "trust proxy": false, true, a hop count (1 behind one load balancer) or a subnet list. Needed for client IPs behind a load balancer (rate limits, audit, lockout).',
    ),
  SHUTDOWN_TIMEOUT_MS: positiveInt
    .default(25_000)
    .describe("Bound on graceful shutdown (drain HTTP, flush, close clients); past it the process exits 1."),
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional().meta({
    description:
      "Serve /metrics (and /health/live) on this separate, internal port instead of the public API port; unset → /metrics on PORT. 0 picks a free port (tests).",
    example: "9464",
  }),
  HTTP_DRAIN_TIMEOUT_MS: positiveInt
    .default(10_000)
    .describe(
      "At shutdown, requests in flight get this long to finish (answered with Connection: close) before the sockets are cut; the write-behind flush runs after it, within SHUTDOWN_TIMEOUT_MS.",
    ),
});

const gatewayStorageEnv = envFragment("Gateway storage: the embedded database and the write-behind queue", {
  REDIS_REQUIRED: envBoolean
    .default(false)
    .describe(
      "true → /health/ready answers 503 while Redis is down; by default Redis is optional (degraded).",
    ),
  PGLITE_DATA_DIR: z.string().default(".chainwatch/data").meta({
    description:
      "Without DATABASE_URL: directory of the embedded PostgreSQL (PGlite), relative to the working directory, created if missing, so keys and data survive a restart. `memory` → in memory, lost on exit (throwaway runs, tests).",
    commentedOut: true,
  }),
  PGLITE_SHARED_BUFFERS: z.string().regex(PGLITE_SIZE_PATTERN, "a size like 32MB").default("32MB").meta({
    description:
      "Without DATABASE_URL: the embedded PostgreSQL's shared_buffers when an existing data directory is reopened (a new one keeps PGlite's 128MB until the next start). 32MB holds ~120 MiB less memory than 128MB.",
    commentedOut: true,
  }),
  DATABASE_REQUIRED: envBoolean
    .default(false)
    .describe(
      "true → /health/ready answers 503 while the database is down. Default: scoring keeps working without it.",
    ),
  DB_WRITE_QUEUE_MAX: positiveInt
    .optional()
    .describe(
      "Scored records held in memory for the database (~4 KB each; lowered to what a quarter of the heap limit holds). Default 50,000 with DATABASE_URL, 10,000 on the embedded PGlite (a few seconds of its writes). Full while the database writes: predict answers 503 STORE_BACKLOGGED; full while it is down: new records are dropped and counted.",
    ),
  DB_WRITE_BATCH_SIZE: positiveInt.max(5_000).default(500).describe("Records per multi-row insert."),
  DB_WRITE_FLUSH_INTERVAL_MS: positiveInt
    .default(200)
    .describe("How long a partial batch waits before it is written anyway."),
});

const authEnv = envFragment("Authentication (docs/security.md)", {
  JWT_SECRET: z
    .string()
    .min(32)
    .superRefine((secret, context) => {
      const weakness = secretWeakness(secret);
      if (weakness) context.addIssue({ code: "custom", message: `JWT_SECRET ${weakness}` });
    })
    .optional()
    .meta({
      description:
        "HMAC secret for access tokens: at least 32 characters and 128 bits of entropy (openssl rand -hex 32); placeholders are refused. Unset → random per process (sessions end at restart and are not shared between replicas).",
      example: "",
    }),
  AUTH_REQUIRE_JWT_SECRET: envBoolean
    .default(false)
    .describe(
      "Refuse to start without JWT_SECRET (the Kubernetes base and compose set true: replicas must share one secret).",
    ),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(3_600)
    .default(900)
    .describe("Access token lifetime; 15–30 minutes keeps a stolen token short-lived."),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(14 * 86_400)
    .describe("Refresh token lifetime (rotated on every use)."),
  AUTH_CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(30)
    .describe(
      "Verified credentials are trusted this long without a database lookup: also the bound on how long a revoked key or ended session keeps working on another replica.",
    ),
  AUTH_STALE_ON_ERROR_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600)
    .default(600)
    .describe(
      "During a database outage, callers verified within this window keep access; unknown credentials get 503.",
    ),
  BOOTSTRAP_ADMIN_API_KEY: z.string().optional().meta({
    description:
      "Admin key registered (hashed) at every start: cw_ followed by 64 hex characters. Unset while no admin credential exists (first start) → one is generated and printed once.",
    example: "cw_<64 hex>",
  }),
  LOGIN_MAX_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .describe("Failed logins from one source before the account is locked for that source."),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).default(900).describe("How long such a lock lasts."),
});

const streamEnv = envFragment("Stream: publishing and status (Kafka mode)", {
  KAFKA_PUBLISH_TIMEOUT_MS: positiveInt
    .default(3_000)
    .describe("Bound on one publish or status read, connecting included; past it the request answers 503."),
  STREAM_STATUS_SAMPLE_INTERVAL_MS: positiveInt
    .default(5_000)
    .describe("Stream status throughput: offsets are sampled this often..."),
  STREAM_STATUS_WINDOW_MS: positiveInt
    .default(60_000)
    .describe("...and rates computed over at most this window."),
});

const shippedListsEnv = envFragment("Shipped screening lists (docs/screening.md)", {
  SCREENING_SEED_SHIPPED_LISTS: envBoolean
    .default(true)
    .describe(
      "At start, load the shipped deny lists (Forta, 14,183 labels) unless this release's are already stored.",
    ),
});

const modelOperationsEnv = envFragment("Model operations: drift checks and training jobs", {
  DRIFT_CHECK_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0)
    .default(3_600)
    .describe("Scheduled drift check of recent stored traffic against the active model; 0 = off."),
  MODEL_TRAINING_DATA_DIR: z.string().optional().meta({
    description:
      "Training from a file (POST /api/v1/models/train) reads only under this directory; unset → refused.",
    example: "/data/training",
  }),
  MODEL_TRAINING_MAX_CONCURRENT_JOBS: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(1)
    .describe(
      "Training jobs running at once on this replica (each is a worker thread on a CPU core); more → 429.",
    ),
  MODEL_TRAINING_MAX_ROWS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(1_000_000)
    .describe("Rows one training job reads at most; past it the job fails with TRAINING_TOO_MANY_ROWS."),
  MODEL_TRAINING_MAX_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(64)
    .default(512)
    .describe(
      "Heap bound of a training worker thread (MiB); exceeding it fails that job, never the gateway.",
    ),
  CACHE_WARM_MAX_CONCURRENT_JOBS: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe(
      "Cache warm jobs running at once on this replica (each loads up to 10,000 predictions); more → 429.",
    ),
});

const reviewLoopEnv = envFragment('Review loop: re-screening jobs (docs/screening.md, "Re-screening")', {
  RESCREEN_MAX_CONCURRENT_JOBS: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(1)
    .describe(
      "Re-screening jobs running at once on this replica (each reads an address's stored results of up to 90 days); more → 429.",
    ),
});

const rate = z.coerce.number().gt(0).max(1);

const autoBaselineEnv = envFragment(
  'Auto-baseline: a fresh deployment learns its chain (docs/model.md, "Auto-baseline")',
  {
    AUTO_BASELINE_ENABLED: envBoolean
      .default(true)
      .describe("Train a spec-2 model on served traffic, shadow it, promote it when the gates pass."),
    AUTO_BASELINE_CHECK_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .min(10)
      .default(300)
      .describe("How often the policy takes its next step (train, judge the shadow, or wait)."),
    AUTO_BASELINE_MIN_TRANSACTIONS: z.coerce
      .number()
      .int()
      .min(100)
      .default(20_000)
      .describe("Served transactions with context before a baseline is trained (and between two)."),
    AUTO_BASELINE_RETRAIN_INTERVAL_HOURS: z.coerce
      .number()
      .positive()
      .default(24)
      .describe("A new baseline is trained this long after the previous one."),
    AUTO_BASELINE_TRAINING_ROWS: z.coerce
      .number()
      .int()
      .min(100)
      .max(500_000)
      .default(100_000)
      .describe("Newest served feature vectors a baseline is trained on."),
    AUTO_BASELINE_SHADOW_MIN_TRANSACTIONS: z.coerce
      .number()
      .int()
      .min(1)
      .default(5_000)
      .describe("Transactions the shadow must score before it is judged."),
    AUTO_BASELINE_MAX_FLAG_RATE: rate
      .default(0.02)
      .describe(
        "Gate: the shadow flags at most this share of transactions (the ratio gate below guards against regressions; this caps the analysts' queue).",
      ),
    AUTO_BASELINE_MAX_FLAG_RATE_RATIO: z.coerce
      .number()
      .min(1)
      .default(2)
      .describe("Gate: and at most this many times the active model's share."),
    AUTO_BASELINE_MIN_AGREEMENT: rate
      .default(0.98)
      .describe("Gate: the two agree on at least this share of the transactions both scored."),
  },
);

const middlewareEnv = envFragment(
  "Middleware: slow requests, compression, body and JSON limits, rate limits, CORS",
  {
    SLOW_REQUEST_THRESHOLD: seconds
      .default(1.0)
      .describe("Requests slower than this many seconds are counted in slow_requests_total and logged."),
    GZIP_MIN_SIZE: z.coerce
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe(
        "Responses smaller than this many bytes are sent uncompressed (gzip costs more than it saves).",
      ),
    GZIP_COMPRESSION_LEVEL: z.coerce
      .number()
      .int()
      .min(1)
      .max(9)
      .default(6)
      .describe("zlib level 1 (fast) .. 9 (small); 6 is zlib's own default trade-off."),
    MAX_REQUEST_SIZE: positiveInt
      .default(10_485_760)
      .describe("Largest accepted body for /api/v1/batch/* in bytes; larger → 413 before the body is read."),
    MAX_SMALL_REQUEST_SIZE: positiveInt
      .default(262_144)
      .describe("Largest accepted body for every other route; one transaction is well under 100 KiB."),
    JSON_MAX_DEPTH: z.coerce
      .number()
      .int()
      .min(2)
      .max(256)
      .default(32)
      .describe("Nesting depth of a parsed body."),
    JSON_MAX_ARRAY_LENGTH: positiveInt.default(10_000).describe("Items of any array in a parsed body."),
    JSON_MAX_STRING_LENGTH: positiveInt
      .default(262_144)
      .describe("Characters of any string in a parsed body."),
    JSON_MAX_KEYS: positiveInt.default(200_000).describe("Keys in a parsed body, all objects together."),
    BATCH_MAX_ITEMS: positiveInt.max(10_000).default(1_000).describe("Items accepted by one batch request."),
    ENABLE_RATE_LIMITING: envBoolean
      .default(true)
      .describe("Per-client rate limits (shared through Redis when set)."),
    RATE_LIMIT_RPM: positiveInt.default(100).describe("Requests per client per minute (default tier)..."),
    RATE_LIMIT_BURST: z.coerce
      .number()
      .int()
      .min(0)
      .default(20)
      .describe("...plus this many on top, so short bursts from a well-behaved client pass."),
    RATE_LIMIT_BATCH_RPM: positiveInt
      .default(30)
      .describe("Stricter tier for /api/v1/batch/* (each request can carry 1000 transactions)."),
    RATE_LIMIT_LOGIN_RPM: positiveInt
      .default(10)
      .describe("Tier for login and refresh, per client IP: slows password guessing."),
    CORS_ORIGINS: z
      .string()
      .default("")
      .describe(
        "Comma-separated browser origins allowed by CORS; empty → CORS off (no CORS headers at all).",
      ),
  },
);

/** The gateway's settings, in the order .env.example shows them; each package owns its own fragment. */
const gatewayEnv = defineAppEnv({
  app: "API gateway",
  packageName: "@chainwatch/api-gateway",
  fragments: [
    httpEnv,
    redisEnvFragment({ commandTimeoutMs: 250 }),
    cacheEnvFragment,
    databaseEnvFragment({ whenUnset: "the embedded PostgreSQL (PGLITE_DATA_DIR)." }),
    gatewayStorageEnv,
    authEnv,
    kafkaEnvFragment({
      clientId: "chainwatch-api-gateway",
      whenUnset: "embedded: the ingest endpoints score and store in process, no Kafka needed.",
    }),
    streamEnv,
    chainEnvFragment({ whenUnset: "no chain is followed (transactions come through the API only)." }),
    modelEnvFragment,
    contextEnvFragment,
    screeningEnvFragment,
    shippedListsEnv,
    reviewLoopEnv,
    modelOperationsEnv,
    autoBaselineEnv,
    middlewareEnv,
    alertTargetEnvFragment,
    alertDeliveryEnvFragment,
  ],
});

/** Every setting of the gateway; apps/api-gateway/.env.example is rendered from it. */
export const GatewayEnvSchema = gatewayEnv.schema;
/** The committed .env.example; a test fails when it differs. */
export const renderGatewayEnvExample = gatewayEnv.renderExample;

export type GatewayEnv = z.infer<typeof GatewayEnvSchema> & {
  isRedisEnabled: boolean;
  corsOrigins: string[];
  /** Aliases read or ignored (KAFKA_BOOTSTRAP_SERVERS, …): main.ts logs them at start. */
  configNotes: string[];
};

export function loadEnv(source: EnvSource = process.env): GatewayEnv {
  const { env, configNotes } = gatewayEnv.parse(source);
  if (!requireChainIdWithRpcUrl.check(env)) {
    const problem = `CHAIN_ID: ${requireChainIdWithRpcUrl.message}`;
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  if (env.AUTH_REQUIRE_JWT_SECRET && !env.JWT_SECRET) {
    const problem =
      "JWT_SECRET: required (AUTH_REQUIRE_JWT_SECRET=true); generate one with: openssl rand -hex 32";
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  return {
    ...env,
    isRedisEnabled: isRedisEnabled(env),
    configNotes,
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  };
}
