import {
  DEFAULT_PARTITIONS,
  DEFAULT_STREAM_TOPICS,
  parseBrokerList,
  type StreamTopics,
} from "@chainwatch/kafka";
import { type EnvSource, envBoolean, logLevel, parseEnv } from "@chainwatch/service-kit";
import { z } from "zod";

const ms = z.coerce.number().int().positive();
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "must be a valid Kafka topic name");

/** Every setting of the scoring worker; documented in apps/scoring-worker/.env.example. */
export const WorkerEnvSchema = z.object({
  LOG_LEVEL: logLevel.default("info"),
  /** Port of the health and metrics endpoint (/health/live, /health/ready, /metrics). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  HEALTH_HOST: z.string().default("0.0.0.0"),
  /** Hard bound on graceful shutdown (drain, commit, leave the group, close clients); past it exit 1. */
  SHUTDOWN_TIMEOUT_MS: ms.default(25_000),

  // --- Kafka
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z.string().default("127.0.0.1:9092"),
  KAFKA_CLIENT_ID: z.string().default("chainwatch-scoring-worker"),
  /** Workers with the same group id share the input topic's partitions. */
  KAFKA_GROUP_ID: z.string().min(1).default("chainwatch-scoring"),
  /** Topic names; override only to isolate environments or tests. */
  KAFKA_TOPIC_TRANSACTIONS: topicName.default(DEFAULT_STREAM_TOPICS.transactions),
  KAFKA_TOPIC_SCORES: topicName.default(DEFAULT_STREAM_TOPICS.scores),
  KAFKA_TOPIC_ANOMALIES: topicName.default(DEFAULT_STREAM_TOPICS.anomalies),
  KAFKA_TOPIC_DLQ: topicName.default(DEFAULT_STREAM_TOPICS.transactionsDeadLetter),
  /** Partitions of each topic when the worker creates it at start; the most workers a group can use. */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(DEFAULT_PARTITIONS),
  /** Replicas of each created topic; -1 → the broker's default.replication.factor. */
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(-1).max(10).default(-1),
  /** Partition chunks scored and written at once (p-limit); also kafkajs partitionsConsumedConcurrently. */
  KAFKA_NUM_WORKER_THREADS: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Messages fetched and not yet committed, all partitions together; past it, fetching pauses. A partition's
   * share is its largest chunk (one store statement, one publish, one commit): 10,000 (~1,700 per chunk on
   * 6 partitions) scored 1.7-2x the transactions per second of 1,000 in the Kafka bench.
   */
  KAFKA_MAX_QUEUE_SIZE: z.coerce.number().int().min(1).max(100_000).default(10_000),
  /**
   * A member silent for this long is removed from the group and its partitions reassigned: the time a
   * killed worker's partitions stand still. 6 s (the broker's group.min.session.timeout.ms) with a 1 s
   * heartbeat: the survivor progressed on them 6.5 s after a SIGKILL, against 31.5 s at 30 s / 3 s, with no
   * spurious rebalance under load (docs/operations.md, "Group timing").
   */
  KAFKA_SESSION_TIMEOUT_MS: ms.default(6_000),
  /** Heartbeat period; at most a third of the session timeout (the survivor learns of a rebalance on one). */
  KAFKA_HEARTBEAT_INTERVAL_MS: ms.default(1_000),
  /**
   * kafkajs's counterpart of max.poll.interval.ms: once a rebalance starts, members have this long to
   * finish their batch and rejoin. Batches here only enqueue (processing runs beside the fetch loop), so it
   * is reached only if a handler hangs.
   */
  KAFKA_REBALANCE_TIMEOUT_MS: ms.default(60_000),
  /** Fetch size bound per partition (bytes). */
  KAFKA_FETCH_MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(1_024).default(1_048_576),
  /** A group with no committed offset starts at the oldest retained message (true) or at new ones only. */
  KAFKA_FROM_BEGINNING: envBoolean.default(true),
  /** How often kafka_consumer_lag is recomputed from committed and high-watermark offsets. */
  KAFKA_LAG_REFRESH_INTERVAL_MS: ms.default(10_000),
  /** On shutdown, how long in-flight messages may take to finish; the rest is left uncommitted (redelivered). */
  KAFKA_DRAIN_TIMEOUT_MS: ms.default(15_000),

  // --- PostgreSQL (required: every worker of a group writes to the same store)
  DATABASE_URL: z.string().url().default("postgres://postgres@127.0.0.1:5432/test"),
  /** Schema (search_path) to use, created if missing; unset → the connection's default (public). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
    .optional(),
  /** Pool size; one connection per worker thread plus one for migrations and health. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),

  // --- Retries of store writes and result publishing (transient failures never skip a message)
  RETRY_INITIAL_DELAY_MS: ms.default(100),
  RETRY_MAX_DELAY_MS: ms.default(5_000),

  // --- Redis (prediction cache shared with the gateway). Unset → in-process cache.
  REDIS_URL: z.string().url().optional(),
  /** Defaults to true when REDIS_URL is set. */
  REDIS_ENABLED: envBoolean.optional(),
  /** A slower command counts as a cache miss (the cache fails open, see docs/decisions/0002). */
  REDIS_COMMAND_TIMEOUT_MS: ms.default(250),

  // --- Model (the registry in PostgreSQL decides what serves; shared with the gateway)
  /**
   * Path to a model JSON file registered and deployed when the registry has no active model (first start);
   * unset → the model shipped with @chainwatch/model. After that the registry decides what serves.
   */
  MODEL_PATH: z.string().optional(),
  /** How often the registry's active set is polled; a deploy or rollback serves within this + one load. */
  MODEL_REFRESH_INTERVAL_SECONDS: z.coerce.number().positive().default(5),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema> & {
  kafkaBrokers: string[];
  topics: StreamTopics;
  isRedisEnabled: boolean;
};

export function loadEnv(source: EnvSource = process.env): WorkerEnv {
  const env = parseEnv(
    WorkerEnvSchema.refine((value) => value.KAFKA_DRAIN_TIMEOUT_MS < value.SHUTDOWN_TIMEOUT_MS, {
      path: ["KAFKA_DRAIN_TIMEOUT_MS"],
      message: "must be less than SHUTDOWN_TIMEOUT_MS (the group still has to be left and clients closed)",
    }).refine((value) => value.KAFKA_HEARTBEAT_INTERVAL_MS * 3 <= value.KAFKA_SESSION_TIMEOUT_MS, {
      path: ["KAFKA_HEARTBEAT_INTERVAL_MS"],
      message: "must be at most a third of KAFKA_SESSION_TIMEOUT_MS",
    }),
    source,
  );
  return {
    ...env,
    kafkaBrokers: parseBrokerList(env.KAFKA_BROKERS),
    topics: {
      transactions: env.KAFKA_TOPIC_TRANSACTIONS,
      scores: env.KAFKA_TOPIC_SCORES,
      anomalies: env.KAFKA_TOPIC_ANOMALIES,
      transactionsDeadLetter: env.KAFKA_TOPIC_DLQ,
    },
    isRedisEnabled: env.REDIS_ENABLED ?? env.REDIS_URL !== undefined,
  };
}
