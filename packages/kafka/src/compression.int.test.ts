import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import kafkajs from "kafkajs";
import { afterAll, expect, it } from "vitest";
import { type ConsumedMessage, createBatchConsumer } from "./batch-consumer.ts";
import { createKafkaClient } from "./client.ts";
import { codecs } from "./compression-codecs.ts";
import { createTestTopics, type JavaCompressionType, produceWithJavaClient } from "./testing.ts";

const { CompressionCodecs, CompressionTypes } = kafkajs;
const logger = createLogger({ name: "test", level: "silent" });

await describeWithServices("record batches of Kafka's Java producer (real broker)", ["kafka"], () => {
  const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "chainwatch-test", logger });
  const admin = kafka.admin();
  const topics: string[] = [];

  afterAll(async () => {
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  });

  /** Reads `topic` from the beginning with a fresh group until `until` holds (bounded). */
  async function readAll(topic: string, until: (read: ConsumedMessage[]) => boolean) {
    const consumer = createBatchConsumer({
      kafka,
      logger,
      groupId: uniqueName("codec-reader"),
      topic,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 10_000,
      partitionsConsumedConcurrently: 1,
      maxWaitTimeMs: 200,
    });
    const read: ConsumedMessage[] = [];
    let crashed: Error | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic}: ${read.length} read`)),
        60_000,
      );
      void consumer.run(
        async (batch, control) => {
          read.push(...batch.messages);
          control.markTaken(batch.messages.at(-1)?.offset ?? "0");
          if (until(read)) {
            clearTimeout(timer);
            resolve();
          }
        },
        {
          onCrash: (error) => {
            crashed = error;
          },
        },
      );
    });
    await consumer.stop();
    expect(crashed).toBeUndefined();
    return read;
  }

  const values = (count: number, tag: string) =>
    Array.from({ length: count }, (_, index) => ({
      key: `k${index % 7}`,
      value: JSON.stringify({ tag, index, pad: "x".repeat(200) }),
    }));

  for (const compression of ["lz4", "snappy", "zstd", "gzip"] satisfies JavaCompressionType[]) {
    it(`reads 200 messages the Java client produced with compression.type=${compression}`, async () => {
      const topic = uniqueName(`codec-${compression}`);
      topics.push(topic);
      await createTestTopics(kafka, [{ topic, numPartitions: 1 }]);
      const sent = values(200, compression);
      produceWithJavaClient({ brokers: serviceUrls.kafkaBrokers, topic, compression, messages: sent });
      const read = await readAll(topic, (messages) => messages.length >= sent.length);
      expect(read.map((message) => String(message.value))).toEqual(sent.map((message) => message.value));
      expect(read.map((message) => String(message.key))).toEqual(sent.map((message) => message.key));
      expect(read.every((message) => message.undecodable === undefined)).toBe(true);
    });
  }

  it("hands over a batch it cannot decode as one marked message at the batch's end and goes on after it", async () => {
    const topic = uniqueName("codec-undecodable");
    topics.push(topic);
    await createTestTopics(kafka, [{ topic, numPartitions: 1 }]);
    produceWithJavaClient({
      brokers: serviceUrls.kafkaBrokers,
      topic,
      compression: "lz4",
      messages: values(50, "lz4"),
    });
    // Then readable ones after it.
    produceWithJavaClient({
      brokers: serviceUrls.kafkaBrokers,
      topic,
      compression: "none",
      messages: values(5, "plain"),
    });
    // What a corrupt payload or a failing codec looks like to the decoder.
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: codecs.lz4.compress,
      decompress: async () => {
        throw new Error("corrupt LZ4 frame");
      },
    });
    try {
      const read = await readAll(topic, (messages) => messages.some((message) => message.offset === "54"));
      const undecodable = read.filter((message) => message.undecodable);
      expect(undecodable.length).toBeGreaterThanOrEqual(1);
      // Together the marked batches cover offsets 0..49 exactly once, each at its last offset.
      const covered = undecodable.map((message) => [
        Number(message.undecodable?.firstOffset),
        Number(message.offset),
      ]);
      expect(covered[0]?.[0]).toBe(0);
      expect(covered.at(-1)?.[1]).toBe(49);
      expect(undecodable[0]?.undecodable).toMatchObject({
        compression: 3,
        error: "Error: corrupt LZ4 frame",
      });
      expect(read.filter((message) => !message.undecodable).map((message) => Number(message.offset))).toEqual(
        [50, 51, 52, 53, 54],
      );
    } finally {
      CompressionCodecs[CompressionTypes.LZ4] = () => codecs.lz4;
    }
  });
});
