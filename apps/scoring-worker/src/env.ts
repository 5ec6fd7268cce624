import { cacheEnvFragment, isRedisEnabled, redisEnvFragment } from "@chainwatch/cache";
import { contextEnvFragment, screeningEnvFragment } from "@chainwatch/context";
import {
  DEFAULT_STREAM_TOPICS,
  kafkaEnvFragment,
  kafkaTopicName,
  parseBrokerList,
  type StreamTopics,
} from "@chainwatch/kafka";
import { modelEnvFragment } from "@chainwatch/scoring";
import { defineAppEnv, type EnvSource, envBoolean, envFragment, logLevel } from "@chainwatch/service-kit";
import { databaseEnvFragment } from "@chainwatch/store";
import { z } from "zod";

const ms = z.coerce.number().int().positive();
const topicName = kafkaTopicName;

const processEnv = envFragment("Process: logs, health and metrics, shutdown", {
  LOG_LEVEL: logLevel.default("info").describe("fatal, error, warn, info, debug, trace or silent."),
  HEALTH_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(9464)
    .describe(
      "Health and metrics endpoint: /health/live, /health/ready, /health (assignment, queue, lag), /metrics.",
    ),
  HEALTH_HOST: z.string().default("0.0.0.0").describe("Interface of the health and metrics endpoint."),
  SHUTDOWN_TIMEOUT_MS: ms
    .default(25_000)
    .describe(
      "Hard bound on graceful shutdown (drain in-flight work, commit, leave the group, close clients).",
    ),
});

const consumerEnv = envFragment("Kafka: output topics and the consumer group's behaviour", {
  KAFKA_TOPIC_SCORES: topicName.default(DEFAULT_STREAM_TOPICS.scores).describe("Every result."),
  KAFKA_TOPIC_ANOMALIES: topicName.default(DEFAULT_STREAM_TOPICS.anomalies).describe("Flagged results only."),
  KAFKA_TOPIC_DLQ: topicName
    .default(DEFAULT_STREAM_TOPICS.transactionsDeadLetter)
    .describe("Dead letters: messages that can never be scored, with the reason."),
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce
    .number()
    .int()
    .min(-1)
    .max(10)
    .default(-1)
    .describe("Replicas of each created topic; -1 → the broker's default.replication.factor."),
  KAFKA_NUM_WORKER_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe(
      "Partition chunks scored and written at once (p-limit; also kafkajs partitionsConsumedConcurrently).",
    ),
  KAFKA_MAX_QUEUE_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(10_000)
    .describe(
      "Messages fetched and not yet committed, all partitions together; at the cap (or a partition's fair share of it) fetching pauses and resumes at half. A partition's share is also its largest chunk (one store statement, one publish, one commit): 10000 scored 1.7-2x the transactions per second of 1000 in the Kafka bench, at ~10x the in-flight messages and ~100-200 MiB more RSS.",
    ),
  KAFKA_SESSION_TIMEOUT_MS: ms
    .default(6_000)
    .describe(
      "A member silent this long is removed and its partitions reassigned: how long a killed worker's partitions stand still. 6000/1000: a SIGKILLed member's partitions progressed again 6.5 s later (30000/3000: 31.5 s), no spurious rebalance under load. 6000 is the broker's group.min.session.timeout.ms; raise both only if stalls longer than a few seconds cause rebalances (docs/operations.md, \"Group timing\").",
    ),
  KAFKA_HEARTBEAT_INTERVAL_MS: ms
    .default(1_000)
    .describe(
      "Heartbeat period; at most a third of the session timeout (the survivor learns of a rebalance on one).",
    ),
  KAFKA_REBALANCE_TIMEOUT_MS: ms
    .default(60_000)
    .describe(
      "kafkajs's counterpart of max.poll.interval.ms: once a rebalance starts, each member has this long to return from its batch and rejoin. Batches only enqueue here, so this is reached only by a hang.",
    ),
  KAFKA_FETCH_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(1_048_576)
    .describe("Fetch size bound per partition (bytes)."),
  KAFKA_FROM_BEGINNING: envBoolean
    .default(true)
    .describe(
      "A group without committed offsets starts at the oldest retained message (true) or only new ones.",
    ),
  KAFKA_LAG_REFRESH_INTERVAL_MS: ms
    .default(10_000)
    .describe("kafka_consumer_lag refresh period: high watermark - committed offset, per partition."),
  KAFKA_DRAIN_TIMEOUT_MS: ms
    .default(15_000)
    .describe(
      "On SIGTERM, how long in-flight messages may take to finish; the rest stays uncommitted and is redelivered to the next owner. Must be less than SHUTDOWN_TIMEOUT_MS.",
    ),
});

const retryEnv = envFragment(
  "Retries of store writes and result publishing (transient failures never skip a message)",
  {
    RETRY_INITIAL_DELAY_MS: ms.default(100).describe("First back-off delay."),
    RETRY_MAX_DELAY_MS: ms.default(5_000).describe("Back-off ceiling; retries go on until the fault clears."),
  },
);

const workerEnv = defineAppEnv({
  app: "scoring worker",
  packageName: "@chainwatch/scoring-worker",
  fragments: [
    processEnv,
    kafkaEnvFragment({ clientId: "chainwatch-scoring-worker", defaultBrokers: "127.0.0.1:9092" }),
    consumerEnv,
    databaseEnvFragment({ defaultUrl: "postgres://postgres@127.0.0.1:5432/test" }),
    retryEnv,
    redisEnvFragment({ commandTimeoutMs: 250 }),
    cacheEnvFragment,
    modelEnvFragment,
    contextEnvFragment,
    screeningEnvFragment,
  ],
});

/** Every setting of the scoring worker; apps/scoring-worker/.env.example is rendered from it. */
export const WorkerEnvSchema = workerEnv.schema;
export const renderWorkerEnvExample = workerEnv.renderExample;

export type WorkerEnv = z.infer<typeof WorkerEnvSchema> & {
  kafkaBrokers: string[];
  topics: StreamTopics;
  isRedisEnabled: boolean;
  /** Aliases read or ignored (KAFKA_BOOTSTRAP_SERVERS, …): main.ts logs them at start. */
  configNotes: string[];
};

export function loadEnv(source: EnvSource = process.env): WorkerEnv {
  const { env, configNotes } = workerEnv.parse(source, (schema) =>
    schema
      .refine((value) => value.KAFKA_DRAIN_TIMEOUT_MS < value.SHUTDOWN_TIMEOUT_MS, {
        path: ["KAFKA_DRAIN_TIMEOUT_MS"],
        message: "must be less than SHUTDOWN_TIMEOUT_MS (the group still has to be left and clients closed)",
      })
      .refine((value) => value.KAFKA_HEARTBEAT_INTERVAL_MS * 3 <= value.KAFKA_SESSION_TIMEOUT_MS, {
        path: ["KAFKA_HEARTBEAT_INTERVAL_MS"],
        message: "must be at most a third of KAFKA_SESSION_TIMEOUT_MS",
      }),
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
    isRedisEnabled: isRedisEnabled(env),
    configNotes,
  };
}
