import type { ChainFollowerStatus } from "@chainwatch/chain";
import { parseBrokerList } from "@chainwatch/kafka/formats";
import { createKafkaProducerMetrics, type Registry } from "@chainwatch/metrics";
import type { ScoredItem, TransactionPipeline } from "@chainwatch/scoring";
import { type Logger, withTimeout } from "@chainwatch/service-kit";
import type { GatewayEnv } from "../env.ts";
import type { DependencyCheck } from "../http/dependencies.ts";
import { createEmbeddedIngest, createKafkaIngest, type IngestService } from "./ingest.ts";
import {
  createEmbeddedStreamStatus,
  createKafkaStreamStatus,
  type StreamStatusService,
} from "./stream-status.ts";

export interface Streaming {
  ingest: IngestService;
  status: StreamStatusService;
  /** Kafka mode only: /health reports it (never required: an outage answers 503 on ingest, not on reads). */
  dependency?: DependencyCheck;
  stop(): Promise<void>;
}

export interface StreamingOptions {
  env: GatewayEnv;
  logger: Logger;
  registry: Registry;
  /** Embedded mode scores and stores through it, durably, before answering. */
  pipeline: TransactionPipeline;
  /** Embedded mode: queues the alerts of what was just stored, before answering. */
  afterScored?: (scored: readonly ScoredItem<number>[]) => Promise<void>;
  /** Embedded mode with CHAIN_RPC_URL: the follower's status, shown in the stream status. */
  chainStatus?: () => ChainFollowerStatus;
}

/**
 * The ingest path: Kafka when KAFKA_BROKERS is set, otherwise embedded. Kafka mode uses short connection
 * and request timeouts and a hard bound per publish (KAFKA_PUBLISH_TIMEOUT_MS), so an outage answers 503
 * in about that long instead of holding requests. The Kafka client (kafkajs, ~0.2 s to load) is imported
 * only in Kafka mode, so the embedded quick start does not pay for it.
 */
export async function createStreaming(options: StreamingOptions): Promise<Streaming> {
  const { env } = options;
  const logger = options.logger.child({ component: "streaming" });
  const brokers = parseBrokerList(env.KAFKA_BROKERS ?? "");

  if (brokers.length === 0) {
    const ingest = createEmbeddedIngest({
      logger,
      pipeline: options.pipeline,
      ...(options.afterScored ? { afterScored: options.afterScored } : {}),
    });
    const status = createEmbeddedStreamStatus({
      ingest,
      sampleIntervalMs: env.STREAM_STATUS_SAMPLE_INTERVAL_MS,
      windowMs: env.STREAM_STATUS_WINDOW_MS,
      ...(options.chainStatus ? { chain: options.chainStatus } : {}),
    });
    return { ingest, status, stop: async () => status.stop() };
  }

  const { createKafkaClientFromEnv, createPublisher, createStreamAdmin } = await import("@chainwatch/kafka");
  const kafka = createKafkaClientFromEnv(env, {
    logger,
    connectionTimeoutMs: Math.min(1_000, env.KAFKA_PUBLISH_TIMEOUT_MS),
    requestTimeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    retries: 2,
  });
  const admin = createStreamAdmin({ kafka, logger });
  const publisher = createPublisher({
    kafka,
    logger,
    timeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    metrics: createKafkaProducerMetrics(options.registry),
  });
  let topicReady: Promise<void> | undefined;
  const ensureTopic = () => {
    topicReady ??= withTimeout(
      admin
        .ensureTopics([{ topic: env.KAFKA_TOPIC_TRANSACTIONS, numPartitions: env.KAFKA_TOPIC_PARTITIONS }])
        .then(() => {}),
      env.KAFKA_PUBLISH_TIMEOUT_MS,
      "kafka topic check timed out",
    ).catch((error: unknown) => {
      topicReady = undefined;
      throw error;
    });
    return topicReady;
  };
  const ingest = createKafkaIngest({ publisher, topic: env.KAFKA_TOPIC_TRANSACTIONS, ensureTopic, logger });
  const status = createKafkaStreamStatus({
    admin,
    topic: env.KAFKA_TOPIC_TRANSACTIONS,
    groupId: env.KAFKA_GROUP_ID,
    sampleIntervalMs: env.STREAM_STATUS_SAMPLE_INTERVAL_MS,
    windowMs: env.STREAM_STATUS_WINDOW_MS,
    timeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    logger,
  });
  return {
    ingest,
    status,
    dependency: {
      name: "kafka",
      isRequired: false,
      // Passive: the latest publish decides, so probes never add load on Kafka.
      check: async () => {
        const { lastFailedAt, lastSucceededAt } = ingest.totals();
        const isUp = lastFailedAt === null || (lastSucceededAt !== null && lastSucceededAt >= lastFailedAt);
        return { isUp, detail: { brokers, topic: env.KAFKA_TOPIC_TRANSACTIONS, lastFailedAt } };
      },
    },
    async stop() {
      status.stop();
      await publisher.close();
      await admin.close();
    },
  };
}
