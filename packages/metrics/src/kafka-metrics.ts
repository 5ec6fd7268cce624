import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type KafkaConsumerMetrics = ReturnType<typeof createKafkaConsumerMetrics>;
export type KafkaProducerMetrics = ReturnType<typeof createKafkaProducerMetrics>;

/**
 * The stream consumer (scoring worker). Label values are bounded: `topic` is one of the four stream topics,
 * `partition` a partition number of the input topic, `status`/`reason`/`error_type` fixed sets documented
 * on each metric.
 */
export function createKafkaConsumerMetrics(registry: Registry) {
  return {
    messagesConsumedTotal: new Counter({
      name: "kafka_messages_consumed_total",
      help: "Messages finished by the consumer, by status: scored, dead_lettered",
      labelNames: ["topic", "status"],
      registers: [registry],
    }),
    messageProcessingDurationSeconds: new Histogram({
      name: "kafka_message_processing_duration_seconds",
      help: "Time from a chunk of messages starting processing to its offsets being committable (validate, score, store, publish), per chunk",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: "kafka_consumer_lag",
      help: "Messages in the partition past the group's committed offset (high watermark - committed), refreshed periodically; the group's lag, so every worker of a group reports the same value",
      labelNames: ["topic", "partition"],
      registers: [registry],
    }),
    consumerQueueSize: new Gauge({
      name: "kafka_consumer_queue_size",
      help: "Messages fetched and not yet committed or dropped (queued plus in processing); bounded by KAFKA_MAX_QUEUE_SIZE",
      registers: [registry],
    }),
    consumerThreadsActive: new Gauge({
      name: "kafka_consumer_threads_active",
      help: "Partition chunks being processed right now; bounded by KAFKA_NUM_WORKER_THREADS",
      registers: [registry],
    }),
    consumerPaused: new Gauge({
      name: "kafka_consumer_paused",
      help: "1 while fetching is paused because the in-flight queue is full (back-pressure), else 0",
      registers: [registry],
    }),
    dlqMessagesTotal: new Counter({
      name: "kafka_dlq_messages_total",
      help: "Messages sent to the dead-letter topic, by reason: invalid_json, schema_invalid, invalid_transaction, unscoreable",
      labelNames: ["reason"],
      registers: [registry],
    }),
    errorsTotal: new Counter({
      name: "kafka_errors_total",
      help: "Failures the consumer retried or survived, by error_type: store, publish, commit, lag, crash, scoring (the model failed on a whole chunk), processing",
      labelNames: ["error_type"],
      registers: [registry],
    }),
    rebalancesTotal: new Counter({
      name: "kafka_consumer_rebalances_total",
      help: "Group joins this member took part in (start, scale out/in, crashes of other members)",
      registers: [registry],
    }),
  };
}

/** Producers: the gateway's ingest publisher and the worker's output publisher. */
export function createKafkaProducerMetrics(registry: Registry) {
  return {
    messagesPublishedTotal: new Counter({
      name: "kafka_messages_published_total",
      help: "Messages acknowledged by Kafka, by topic",
      labelNames: ["topic"],
      registers: [registry],
    }),
    publishErrorsTotal: new Counter({
      name: "kafka_publish_errors_total",
      help: "Publish calls that failed or timed out (each may cover many messages)",
      registers: [registry],
    }),
  };
}
