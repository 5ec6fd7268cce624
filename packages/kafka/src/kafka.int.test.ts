import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import type { EachBatchPayload } from "kafkajs";
import { afterAll, expect, it } from "vitest";
import { createKafkaClient } from "./client.ts";
import { createTestTopics } from "./testing.ts";

await describeWithServices("kafka (real broker)", ["kafka"], () => {
  const kafka = createKafkaClient({
    brokers: serviceUrls.kafkaBrokers,
    clientId: "chainwatch-test",
    logger: createLogger({ name: "test", level: "silent" }),
  });
  const topic = uniqueName("smoke");
  const groupId = uniqueName("smoke-group");
  const admin = kafka.admin();

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("smoke: Kafka produce → consume with a group → commit round-trip", async () => {
    await admin.connect();
    await createTestTopics(kafka, [{ topic, numPartitions: 3 }]);

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, index) => ({
      key: `k${index}`,
      value: JSON.stringify({ index }),
    }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // At-least-once: a rebalance while the group forms can redeliver uncommitted messages, so count
    // distinct messages; exactly-once effects are the consumer's job (idempotent writes), tested there.
    const received = new Set<number>();
    const allReceived = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
          for (const message of batch.messages) {
            received.add((JSON.parse(String(message.value)) as { index: number }).index);
            resolveOffset(message.offset);
          }
          await consumer.commitOffsets([
            { topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
          ]);
          await commitOffsetsIfNecessary();
          if (received.size >= sent.length) resolve();
        },
      });
    });
    await allReceived;
    await consumer.disconnect();

    expect([...received].sort((a, b) => a - b)).toEqual(sent.map((_, index) => index));
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedTotal = (committed?.partitions ?? []).reduce(
      (sum, partition) => sum + Number(partition.offset),
      0,
    );
    expect(committedTotal).toBe(sent.length);
  });
});
