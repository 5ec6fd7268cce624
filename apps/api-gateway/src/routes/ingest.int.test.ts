import { randomBytes } from "node:crypto";
import {
  type BatchConsumer,
  type ConsumedMessage,
  createBatchConsumer,
  createKafkaClient,
  createStreamAdmin,
  decodeTransactionMessage,
} from "@chainwatch/kafka";
import { retryTransient, waitForTopicLeaders } from "@chainwatch/kafka/testing";
import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, expect, it } from "vitest";
import { IngestResponseSchema, StreamStatusSchema } from "../http/schemas.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const logger = createLogger({ name: "test", level: "silent" });
const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const randomAddress = () => `0x${randomBytes(20).toString("hex")}`;
/** A new transaction from a sender of its own (the input topic's key). */
const tx = (overrides: Record<string, unknown> = {}) =>
  simpleTransaction(1, { hash: randomHash(), from: randomAddress(), ...overrides });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await describeWithServices("ingest and stream status on the real Kafka", ["kafka"], () => {
  const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "test", logger });
  const admin = createStreamAdmin({ kafka, logger });
  const gateways: TestGateway[] = [];
  const topics: string[] = [];

  /** Each test gets its own gateway, input topic (created by the gateway on first use) and group. */
  async function streamingGateway(prefix: string) {
    const topic = uniqueName(`${prefix}_topic`);
    const groupId = uniqueName(`${prefix}_group`);
    topics.push(topic);
    const app = await startTestGateway({
      KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
      KAFKA_TOPIC_TRANSACTIONS: topic,
      KAFKA_TOPIC_PARTITIONS: "3",
      KAFKA_GROUP_ID: groupId,
      STREAM_STATUS_SAMPLE_INTERVAL_MS: "200",
    });
    gateways.push(app);
    const ingest = async (transactions: unknown[]) => {
      const response = await app.send("/api/v1/batch/transactions", {
        method: "POST",
        body: { transactions },
      });
      // The gateway created the topic; wait until the broker serves every partition before reading it.
      if (response.status === 202) await waitForTopicLeaders(kafka, [topic]);
      return response;
    };
    /** The stream status once it answers 200 (a partition leader may still be settling just after creation). */
    const streamStatus = async () => {
      const response = await app.send("/api/v1/stream/status");
      if (response.status !== 200) return undefined;
      const status = StreamStatusSchema.parse(response.json);
      if (status.mode !== "kafka") throw new Error("expected kafka mode");
      return status;
    };
    /** A stand-in for the scoring workers: joins the group and commits everything it reads. */
    const groupMember = (onMessage: (message: ConsumedMessage) => void): BatchConsumer => {
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
    };
    return { app, topic, groupId, ingest, streamStatus, groupMember };
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

  afterAll(async () => {
    await Promise.all(gateways.map((app) => app.stop()));
    await admin.deleteTopics(topics).catch(() => {});
    await admin.close();
  });

  it("publishes accepted transactions to the input topic (created on first use), keyed by sender (hash without one); rejected ones never", async () => {
    const { topic, ingest, streamStatus, groupMember } = await streamingGateway("cw_ingest");
    const sender = randomAddress();
    const { from: _none, ...c } = tx();
    const [a, b] = [tx({ from: sender }), tx({ from: sender.toUpperCase().replace("0X", "0x") })];
    const response = await ingest([a, { hash: "0xnope" }, b, a, c]);
    expect(response.status).toBe(202);
    const outcome = IngestResponseSchema.parse(response.json);
    expect(outcome).toMatchObject({ mode: "kafka", accepted: [a?.hash, b?.hash, c?.hash] });
    expect(outcome.rejected.map((item) => item.index)).toEqual([1]);
    const offsets = await retryTransient("ingest topic offsets", () => admin.topicOffsets(topic));
    expect(offsets.map((partition) => partition.partition)).toEqual([0, 1, 2]);

    const received: ConsumedMessage[] = [];
    const member = groupMember((message) => received.push(message));
    const decoded = () =>
      received.map((message) => {
        const result = decodeTransactionMessage(message.value);
        if (!result.ok) throw new Error(result.error);
        return { key: String(message.key), partition: message.partition, message: result.message };
      });
    const hashes = () => new Set(decoded().map((item) => String(item.message.transaction.hash)));
    await waitFor("the three transactions", async () => (hashes().size >= 3 ? true : undefined));
    // The invalid item and the duplicate were never published (a produce retried under load could
    // still add a copy of a published one: at-least-once).
    expect(hashes()).toEqual(new Set([a.hash, b.hash, c.hash]));
    const keyOf = new Map(decoded().map((item) => [String(item.message.transaction.hash), item.key]));
    // a and b: one sender (in either case), one key and partition; c has no sender: its hash.
    expect(keyOf).toEqual(
      new Map([
        [a.hash, sender],
        [b.hash, sender],
        [c.hash, c.hash],
      ]),
    );
    const sameSender = decoded().filter((item) => item.key === sender);
    expect(new Set(sameSender.map((item) => item.partition)).size).toBe(1);
    // In request order within the partition.
    expect(sameSender.map((item) => item.message.transaction.hash).slice(0, 2)).toEqual([a.hash, b.hash]);
    for (const item of decoded()) {
      expect(item.message).toMatchObject({
        schemaVersion: 1,
        source: "api",
        requestId: response.headers["x-request-id"],
      });
    }

    // Stream status from broker data: one member holding every partition, lag 0 once it committed.
    const settled = await waitFor("group settled with lag 0", async () => {
      const status = await streamStatus();
      return status?.state === "Stable" && status.totalLag === 0 ? status : undefined;
    });
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
    const { topic, groupId, ingest, streamStatus, groupMember } = await streamingGateway("cw_lag");
    // Its own group, with commits and no members (a worker fleet that stopped): consume a first batch,
    // then leave. Watched through the admin, not the status route, whose first call starts the sampling
    // window: the window must begin after this consumption.
    expect((await ingest([tx(), tx()])).status).toBe(202);
    const seen = new Set<string>();
    const member = groupMember((message) => seen.add(String(message.key)));
    await waitFor("the first batch committed", async () => {
      const lag = await retryTransient("group lag", () => admin.groupLag(groupId, topic));
      return seen.size >= 2 && lag.every((partition) => partition.lag === 0n) ? true : undefined;
    });
    await member.stop();
    const before = await waitFor("the group without members", async () => {
      const status = await streamStatus();
      return status?.state === "Empty" ? status : undefined;
    });
    expect(before.members).toHaveLength(0);

    expect((await ingest(Array.from({ length: 40 }, () => tx()))).status).toBe(202);
    const appended = (status: typeof before) =>
      status.partitions.reduce((sum, partition) => sum + Number(partition.highWatermark), 0);
    // Polled, not slept: throughput needs two samples at least a second apart, and one must see the 40.
    const after = await waitFor("the 40 sampled as produced", async () => {
      const status = await streamStatus();
      return status &&
        appended(status) - appended(before) >= 40 &&
        (status.throughput?.producedPerSecond ?? 0) > 0
        ? status
        : undefined;
    });
    expect(after.totalLag).toBe(before.totalLag + appended(after) - appended(before));
    expect(after.totalLag).toBeGreaterThanOrEqual(40);
    expect(after.throughput?.consumedPerSecond).toBe(0);
    expect(after.state).toBe("Empty");
  });
});
