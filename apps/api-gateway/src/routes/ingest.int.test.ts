import { randomBytes } from "node:crypto";
import {
  type BatchConsumer,
  type ConsumedMessage,
  createBatchConsumer,
  createKafkaClient,
  createStreamAdmin,
  decodeTransactionMessage,
} from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { IngestResponseSchema, StreamStatusSchema } from "../http/schemas.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const logger = createLogger({ name: "test", level: "silent" });
const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const tx = () => simpleTransaction(1, { hash: randomHash() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await describeWithServices("ingest and stream status on the real Kafka", ["kafka"], () => {
  const topic = uniqueName("cw_ingest");
  const groupId = uniqueName("cw_ingest_group");
  const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "test", logger });
  const admin = createStreamAdmin({ kafka, logger });
  let app: TestGateway;

  /** A stand-in for the scoring workers: joins the group and commits everything it reads. */
  function groupMember(onMessage: (message: ConsumedMessage) => void): BatchConsumer {
    const consumer = createBatchConsumer({
      kafka,
      logger,
      groupId,
      topic,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 10_000,
      partitionsConsumedConcurrently: 3,
      maxWaitTimeMs: 200,
    });
    void consumer.run(async (batch, control) => {
      for (const message of batch.messages) onMessage(message);
      const last = batch.messages.at(-1);
      if (!last) return;
      control.markTaken(last.offset);
      await consumer.commit([
        { topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) },
      ]);
    });
    return consumer;
  }

  async function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    app = await startTestGateway({
      KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
      KAFKA_TOPIC_TRANSACTIONS: topic,
      KAFKA_TOPIC_PARTITIONS: "3",
      KAFKA_GROUP_ID: groupId,
      STREAM_STATUS_SAMPLE_INTERVAL_MS: "200",
    });
  });
  afterAll(async () => {
    await app.stop();
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  });

  it("publishes accepted transactions to the input topic (created on first use), keyed by hash; rejected ones never", async () => {
    const [a, b, c] = [tx(), tx(), tx()];
    const response = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: [a, { hash: "0xnope" }, b, a, c] },
    });
    expect(response.status).toBe(202);
    const outcome = IngestResponseSchema.parse(response.json);
    expect(outcome).toMatchObject({ mode: "kafka", accepted: [a?.hash, b?.hash, c?.hash] });
    expect(outcome.rejected.map((item) => item.index)).toEqual([1]);
    expect((await admin.topicOffsets(topic)).map((partition) => partition.partition)).toEqual([0, 1, 2]);

    const received: ConsumedMessage[] = [];
    const member = groupMember((message) => received.push(message));
    const keys = () => new Set(received.map((message) => String(message.key)));
    await waitFor("the three transactions", async () => (keys().size >= 3 ? true : undefined));
    // The invalid item and the duplicate were never published (a produce retried under load could
    // still add a copy of a published one: at-least-once).
    expect(keys()).toEqual(new Set([a?.hash, b?.hash, c?.hash]));
    const decoded = received.map((message) => {
      const result = decodeTransactionMessage(message.value);
      if (!result.ok) throw new Error(result.error);
      return { key: String(message.key), message: result.message };
    });
    expect(new Set(decoded.map((item) => item.key))).toEqual(new Set([a?.hash, b?.hash, c?.hash]));
    for (const item of decoded) {
      expect(item.message).toMatchObject({
        schemaVersion: 1,
        source: "api",
        requestId: response.headers["x-request-id"],
        transaction: { hash: item.key },
      });
    }

    // Stream status from broker data: one member holding every partition, lag 0 once it committed.
    const settled = await waitFor("group settled with lag 0", async () => {
      const status = StreamStatusSchema.parse((await app.send("/api/v1/stream/status")).json);
      return status.mode === "kafka" && status.state === "Stable" && status.totalLag === 0
        ? status
        : undefined;
    });
    if (settled.mode !== "kafka") throw new Error("expected kafka mode");
    expect(settled.members).toHaveLength(1);
    expect(settled.members[0]?.partitions).toEqual([0, 1, 2]);
    expect(settled.partitions.every((partition) => partition.memberId === settled.members[0]?.memberId)).toBe(
      true,
    );
    expect(settled.partitions.reduce((sum, partition) => sum + Number(partition.highWatermark), 0)).toBe(
      received.length,
    );
    await member.stop();
  });

  it("shows lag rising while no member consumes, and throughput from offsets sampled over time", async () => {
    const before = StreamStatusSchema.parse((await app.send("/api/v1/stream/status")).json);
    if (before.mode !== "kafka") throw new Error("expected kafka mode");
    expect(before.members).toHaveLength(0);
    const response = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: Array.from({ length: 40 }, () => tx()) },
    });
    expect(response.status).toBe(202);
    await sleep(1_200);
    const after = StreamStatusSchema.parse((await app.send("/api/v1/stream/status")).json);
    if (after.mode !== "kafka") throw new Error("expected kafka mode");
    const appended = (status: typeof after) =>
      status.partitions.reduce((sum, partition) => sum + Number(partition.highWatermark), 0);
    expect(appended(after) - appended(before)).toBeGreaterThanOrEqual(40);
    expect(after.totalLag).toBe(before.totalLag + appended(after) - appended(before));
    expect(after.throughput?.producedPerSecond).toBeGreaterThan(0);
    expect(after.throughput?.consumedPerSecond).toBe(0);
    expect(after.state).toBe("Empty");
  });
});
