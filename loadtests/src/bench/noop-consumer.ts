/**
 * The Kafka client's ceiling: a consumer group member on the same topic that decodes nothing, scores
 * nothing and stores nothing: it takes each batch, marks it and commits the offsets, like the worker's
 * commit step. Prints "noop consumed <n> in <ms> ms" when it has `BENCH_EXPECTED` messages.
 */
import { createBatchConsumer, createKafkaClient } from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";

const expected = Number(process.env.BENCH_EXPECTED ?? 0);
const logger = createLogger({ name: "noop-consumer", level: "warn" });
const kafka = createKafkaClient({
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  clientId: "chainwatch-bench-noop",
  logger,
});
const consumer = createBatchConsumer({
  kafka,
  logger,
  groupId: process.env.BENCH_GROUP ?? "chainwatch-bench-noop",
  topic: process.env.BENCH_TOPIC ?? "",
  fromBeginning: true,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  // The same concurrency and fetch size as the worker's defaults (KAFKA_NUM_WORKER_THREADS, 1 MiB).
  partitionsConsumedConcurrently: Number(process.env.BENCH_CONCURRENCY ?? 4),
});
let consumed = 0;
let firstAt: number | undefined;
const startedAt = performance.now();
void consumer.run(async (batch, control) => {
  firstAt ??= performance.now();
  const last = batch.messages.at(-1);
  if (!last) return;
  consumed += batch.messages.length;
  control.markTaken(last.offset);
  await consumer.commit([
    { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
  ]);
  if (consumed >= expected) {
    const now = performance.now();
    process.stdout.write(
      `noop consumed ${consumed} in ${Math.round(now - (firstAt ?? startedAt))} ms (${Math.round(now - startedAt)} ms with start-up)\n`,
    );
    setImmediate(() => {
      void consumer.stop().then(() => process.exit(0));
    });
  }
});
process.once("SIGTERM", () => {
  void consumer.stop().then(() => process.exit(0));
});
