import { createServer, type Server, type Socket } from "node:net";
import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, expect, it } from "vitest";
import { createStreamAdmin } from "./admin.ts";
import { createBatchConsumer } from "./batch-consumer.ts";
import { createKafkaClient } from "./client.ts";
import { decodeTransactionMessage, encodeMessage, transactionKey } from "./messages.ts";
import { createPublisher, KafkaUnavailableError } from "./publisher.ts";
import { retryTransient, waitForTopicLeaders } from "./testing.ts";

const logger = createLogger({ name: "test", level: "silent" });

await describeWithServices("kafka stream interfaces (real broker)", ["kafka"], () => {
  const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "chainwatch-test", logger });
  const admin = createStreamAdmin({ kafka, logger });
  const input = uniqueName("cw_in");
  const output = uniqueName("cw_out");
  const groupId = uniqueName("cw_group");

  afterAll(async () => {
    await admin.deleteTopics([input, output]).catch(() => {});
    await admin.close();
  });

  it("creates topics idempotently, keys by hash to the same partition in every topic, and reports lag and members", async () => {
    const specs = [input, output].map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 }));
    expect((await admin.ensureTopics(specs)).created.sort()).toEqual([input, output].sort());
    expect((await admin.ensureTopics(specs)).created).toEqual([]);
    // Created by the code under test: wait until the broker serves every partition before reading offsets.
    await waitForTopicLeaders(kafka, [input, output], { partitions: { [input]: 4, [output]: 4 } });
    expect(
      (await retryTransient("input offsets", () => admin.topicOffsets(input))).map((p) => p.partition),
    ).toEqual([0, 1, 2, 3]);

    const publisher = createPublisher({ kafka, logger, timeoutMs: 10_000 });
    const hashes = Array.from({ length: 40 }, (_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}`);
    const message = (hash: string) => ({
      key: transactionKey(hash),
      value: encodeMessage({
        schemaVersion: 1,
        transaction: { hash, value: 1, gas: 21_000, gasPrice: 20 },
        source: "test",
        publishedAt: new Date().toISOString(),
      }),
    });
    await publisher.publish([
      { topic: input, messages: hashes.map(message) },
      { topic: output, messages: hashes.map(message) },
    ]);
    const lagBefore = await admin.groupLag(groupId, input);
    // Without commits the lag is the whole log (40, or more if a produce retried under load).
    expect(lagBefore.reduce((sum, p) => sum + p.lag, 0n)).toBe(
      lagBefore.reduce((sum, p) => sum + p.high, 0n),
    );
    expect(lagBefore.reduce((sum, p) => sum + p.lag, 0n)).toBeGreaterThanOrEqual(40n);
    expect(lagBefore.every((p) => p.committed === null)).toBe(true);

    // Consume both topics' partitions and check the key → partition mapping agrees.
    const partitionOf = new Map<string, Map<string, number>>();
    const consumers = [input, output].map((topic) =>
      createBatchConsumer({
        kafka,
        logger,
        groupId: `${groupId}_${topic === input ? "in" : "out"}`,
        topic,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        rebalanceTimeoutMs: 10_000,
        partitionsConsumedConcurrently: 2,
      }),
    );
    const done = [input, output].map(
      (topic, index) =>
        new Promise<void>((resolve) => {
          const seen = new Map<string, number>();
          partitionOf.set(topic, seen);
          void consumers[index]?.run(async (batch, control) => {
            for (const consumed of batch.messages) {
              const decoded = decodeTransactionMessage(consumed.value);
              expect(decoded.ok).toBe(true);
              seen.set(String(consumed.key), consumed.partition);
            }
            const last = batch.messages.at(-1);
            if (last) {
              control.markTaken(last.offset);
              await consumers[index]?.commit([
                { topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) },
              ]);
            }
            if (seen.size === hashes.length) resolve();
          });
        }),
    );
    await Promise.all(done);
    expect(partitionOf.get(input)).toEqual(partitionOf.get(output));
    expect(new Set(partitionOf.get(input)?.values()).size).toBeGreaterThan(1);

    const group = await admin.describeGroup(`${groupId}_in`);
    expect(group.state).toBe("Stable");
    expect(group.members).toHaveLength(1);
    expect(group.members[0]?.assignment[input]).toEqual([0, 1, 2, 3]);
    const lagAfter = await admin.groupLag(`${groupId}_in`, input);
    expect(lagAfter.map((p) => p.lag)).toEqual([0n, 0n, 0n, 0n]);

    await Promise.all(consumers.map((consumer) => consumer.stop()));
    expect((await admin.describeGroup(`${groupId}_in`)).members).toHaveLength(0);
    await publisher.close();
  });

  it("fails a publish to a refusing broker with KafkaUnavailableError", async () => {
    const deadKafka = createKafkaClient({
      brokers: ["127.0.0.1:1"],
      clientId: "chainwatch-test",
      logger,
      connectionTimeoutMs: 500,
      retries: 1,
    });
    const publisher = createPublisher({ kafka: deadKafka, logger, timeoutMs: 2_000 });
    const error = await publisher
      .publish([{ topic: input, messages: [{ key: "k", value: "{}" }] }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    await publisher.close();
  });

  it("fails a publish to a broker that never answers with KafkaUnavailableError at its own bound", async () => {
    // A TCP server that accepts and never replies: kafkajs waits for its request timeout (60 s here), so the
    // only way the publish can end within the test is the publisher's own bound. Its message proves which
    // ended it, with no clock in the assertion.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const silentKafka = createKafkaClient({
      brokers: [`127.0.0.1:${address.port}`],
      clientId: "chainwatch-test",
      logger,
      connectionTimeoutMs: 60_000,
      requestTimeoutMs: 60_000,
      retries: 0,
    });
    const publisher = createPublisher({ kafka: silentKafka, logger, timeoutMs: 2_000 });
    try {
      const error = await publisher
        .publish([{ topic: input, messages: [{ key: "k", value: "{}" }] }])
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KafkaUnavailableError);
      expect((error as Error).message).toBe("kafka publish timed out after 2000 ms");
      expect(sockets.size).toBeGreaterThan(0); // it did reach the silent broker
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await publisher.close();
    }
  });
});
