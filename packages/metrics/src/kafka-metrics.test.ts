import { describe, expect, it } from "vitest";
import { createKafkaConsumerMetrics, createKafkaProducerMetrics, createMetricsRegistry } from "./index.ts";

describe("kafka metrics", () => {
  it("defines the consumer and producer families the stream dashboards rely on", async () => {
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const consumer = createKafkaConsumerMetrics(registry);
    createKafkaProducerMetrics(registry);
    consumer.consumerLag.set({ topic: "chainwatch.transactions.v1", partition: "3" }, 42);
    consumer.dlqMessagesTotal.inc({ reason: "invalid_json" });
    const text = await registry.metrics();
    for (const name of [
      "kafka_messages_consumed_total",
      "kafka_message_processing_duration_seconds",
      "kafka_consumer_lag",
      "kafka_consumer_queue_size",
      "kafka_consumer_threads_active",
      "kafka_dlq_messages_total",
      "kafka_errors_total",
      "kafka_messages_published_total",
      "kafka_publish_errors_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('kafka_consumer_lag{topic="chainwatch.transactions.v1",partition="3"} 42');
    expect(text).toContain('kafka_dlq_messages_total{reason="invalid_json"} 1');
  });
});
