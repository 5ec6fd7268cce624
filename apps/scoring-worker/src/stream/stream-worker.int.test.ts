import {
  AnomalyMessageSchema,
  DeadLetterMessageSchema,
  decodeMessage,
  partitionForKey,
  ScoreMessageSchema,
} from "@chainwatch/kafka";
import { produceWithJavaClient } from "@chainwatch/kafka/testing";
import { createKafkaConsumerMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { createHealthServer } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls } from "@chainwatch/testing";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  cleanupScope,
  type KafkaHarness,
  kafkaHarness,
  offsetTotals,
  openScopeDatabase,
  SCOPE_PARTITIONS,
  type StreamScope,
  silentLogger,
  startTcpProxy,
  storedCounts,
  streamScope,
  transaction,
  transactionMessage,
  waitUntil,
} from "../testing/stream-fixtures.ts";
import { createScoringWorker, type ScoringWorker } from "../worker.ts";
import { createLagMonitor } from "./lag-monitor.ts";

await describeWithServices("scoring worker on the real Kafka and PostgreSQL", ["kafka", "postgres"], () => {
  let harness: KafkaHarness;
  const scopes: StreamScope[] = [];
  const workers: ScoringWorker[] = [];

  /** A scope whose topics exist and serve every partition before any worker or reader starts. */
  const scope = async (prefix: string) => {
    const created = streamScope(prefix);
    scopes.push(created);
    await harness.createTopics(created);
    return created;
  };
  const startWorker = async (streamScopeOf: StreamScope, overrides: Record<string, string> = {}) => {
    const worker = createScoringWorker({ env: streamScopeOf.workerEnv(overrides), logger: silentLogger });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  beforeAll(() => {
    harness = kafkaHarness();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    for (const created of scopes) await cleanupScope(created, harness);
    await harness.close();
  });

  it("N published → N stored, N score messages, and every flagged one on the anomalies topic", async () => {
    const test = await scope("cw_e2e");
    const worker = await startWorker(test);
    const database = await openScopeDatabase(test);
    const transactions = Array.from({ length: 3_000 }, (_, index) => transaction(index));
    const startedAt = performance.now();
    await harness.publish(test.topics.transactions, transactions.map(transactionMessage));
    await waitUntil("all stored", async () =>
      (await storedCounts(database)).predictions >= transactions.length ? true : undefined,
    );
    const seconds = (performance.now() - startedAt) / 1000;
    process.stdout.write(
      `e2e: ${transactions.length} tx published, scored and stored in ${seconds.toFixed(2)} s (${Math.round(transactions.length / seconds)} tx/s)\n`,
    );

    expect(await storedCounts(database)).toEqual({
      predictions: transactions.length,
      distinct: transactions.length,
    });
    // Until every hash is seen: a retried produce may add copies (at-least-once), never gaps.
    const scores = await harness.readTopic(
      test.topics.scores,
      (read) => new Set(read.map((message) => String(message.key))).size >= transactions.length,
    );
    const decodedScores = scores.map((message) => decodeMessage(ScoreMessageSchema, message.value));
    expect(decodedScores.every((decoded) => decoded.ok)).toBe(true);
    const scoredHashes = new Set(
      decodedScores.flatMap((decoded) => (decoded.ok ? [decoded.message.hash] : [])),
    );
    expect(scoredHashes).toEqual(new Set(transactions.map((tx) => String(tx.hash))));
    // Keyed by hash and in the partition murmur2 of the hash picks (the input is keyed by sender, so its
    // partition number says nothing about the hash's).
    expect(scores.every((message) => String(message.key) === decodeScoreHash(message.value))).toBe(true);
    expect(
      scores.every((message) => message.partition === partitionForKey(String(message.key), SCOPE_PARTITIONS)),
    ).toBe(true);
    // The combined verdict travels with every score.
    expect(
      decodedScores.every(
        (decoded) =>
          decoded.ok && decoded.message.riskScore !== undefined && decoded.message.reasons !== undefined,
      ),
    ).toBe(true);

    const { rows } = await database.query<{ count: string }>("SELECT count(*) FROM anomalies");
    const anomalyCount = Number(rows[0]?.count);
    expect(anomalyCount).toBeGreaterThanOrEqual(transactions.length / 50);
    const anomalies = await harness.readTopic(
      test.topics.anomalies,
      (read) => new Set(read.map((message) => String(message.key))).size >= anomalyCount,
    );
    const decodedAnomalies = anomalies.map((message) => decodeMessage(AnomalyMessageSchema, message.value));
    expect(decodedAnomalies.every((decoded) => decoded.ok && decoded.message.isAnomaly)).toBe(true);
    expect(new Set(anomalies.map((message) => String(message.key))).size).toBe(anomalyCount);

    const { high } = await waitUntil("all committed", async () => {
      const reading = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
      return reading.committed === reading.high ? reading : undefined;
    });
    // Every input message consumed once (copies from a retried produce included), none twice.
    const metrics = await worker.registry.metrics();
    expect(metrics).toMatch(
      new RegExp(`kafka_messages_consumed_total\\{[^}]*status="scored"[^}]*\\} ${high}\\n`),
    );
    expect(metrics).toContain("transactions_scored_total");
    expect(metrics).toMatch(/anomalies_detected_total\{[^}]*severity=/);
    await database.close();
  });

  it("two workers in one group split the partitions; stopping one hands its partitions over; each tx stored once", async () => {
    const test = await scope("cw_group");
    const first = await startWorker(test);
    const second = await startWorker(test);
    await waitUntil("both workers assigned", () =>
      first.stats().assignedPartitions.length > 0 &&
      second.stats().assignedPartitions.length > 0 &&
      first.stats().assignedPartitions.length + second.stats().assignedPartitions.length === 6
        ? true
        : undefined,
    );
    const split = [first.stats().assignedPartitions, second.stats().assignedPartitions];
    expect([...(split[0] ?? []), ...(split[1] ?? [])].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const group = await harness.admin.describeGroup(test.groupId);
    expect(group.members).toHaveLength(2);

    const database = await openScopeDatabase(test);
    const before = Array.from({ length: 2_000 }, (_, index) => transaction(index));
    await harness.publish(test.topics.transactions, before.map(transactionMessage));
    await waitUntil("first half stored", async () =>
      (await storedCounts(database)).predictions >= before.length ? true : undefined,
    );
    expect(first.stats().scored).toBeGreaterThan(0);
    expect(second.stats().scored).toBeGreaterThan(0);

    await first.stop();
    await waitUntil("second worker owns every partition", () =>
      second.stats().assignedPartitions.length === 6 ? true : undefined,
    );
    const after = Array.from({ length: 2_000 }, (_, index) => transaction(index + 10_000));
    await harness.publish(test.topics.transactions, after.map(transactionMessage));
    await waitUntil("second half stored", async () =>
      (await storedCounts(database)).predictions >= before.length + after.length ? true : undefined,
    );
    expect(await storedCounts(database)).toEqual({ predictions: 4_000, distinct: 4_000 });
    const { rows } = await database.query<{ count: string }>(
      "SELECT count(*) FROM (SELECT tx_hash FROM predictions GROUP BY tx_hash HAVING count(*) > 1) AS dup",
    );
    expect(Number(rows[0]?.count)).toBe(0);
    expect((await harness.admin.describeGroup(test.groupId)).members).toHaveLength(1);
    await database.close();
  });

  it("sends poison messages of every kind to the dead-letter topic with reasons and scores the valid ones around them", async () => {
    const test = await scope("cw_poison");
    const worker = await startWorker(test);
    const database = await openScopeDatabase(test);
    const valid = Array.from({ length: 20 }, (_, index) => transaction(index));
    const key = "poison";
    const poison = [
      { key, value: "{this is not json" },
      { key, value: Buffer.from([0xc3, 0x28, 0xff]) },
      { key, value: JSON.stringify({ schemaVersion: 2, transaction: valid[0] }) },
      { key, value: JSON.stringify({ hash: "0x1", value: 1 }) },
      { ...transactionMessage({ hash: "0x1234", value: -1, gas: 21_000, gasPrice: 1 }), key },
      // Valid input whose transaction type does not fit the store's column: unscoreable, not retryable.
      {
        ...transactionMessage({
          hash: `0x${"ab".repeat(32)}`,
          value: "0x1",
          gas: "0x5208",
          gasPrice: "0x1",
          type: "0xffffff",
        }),
        key,
      },
    ];
    // Interleave: valid, poison, valid, poison, ... all with one key so they share a partition.
    const messages = valid.flatMap((tx, index) => {
      const message = { ...transactionMessage(tx), key };
      const bad = poison[index];
      return bad ? [message, bad] : [message];
    });
    await harness.publish(test.topics.transactions, messages);
    await waitUntil("valid ones stored", async () =>
      (await storedCounts(database)).predictions >= valid.length ? true : undefined,
    );
    const deadLetters = await harness.readTopic(
      test.topics.transactionsDeadLetter,
      (read) => read.length >= poison.length,
    );
    // In original-offset order; the first six (a retried produce could append another copy of the batch).
    const decoded = deadLetters.map((message) => {
      const result = decodeMessage(DeadLetterMessageSchema, message.value);
      if (!result.ok) throw new Error(result.error);
      return result.message;
    });
    decoded.sort((a, b) => Number(a.original.offset) - Number(b.original.offset));
    decoded.splice(poison.length);
    expect(decoded.map((message) => message.reason)).toEqual([
      "invalid_json",
      "invalid_json",
      "schema_invalid",
      // A bare transaction (no envelope) is read as the transaction: this one fails validation.
      "invalid_transaction",
      "invalid_transaction",
      "unscoreable",
    ]);
    expect(decoded[0]?.original).toMatchObject({
      topic: test.topics.transactions,
      key,
      value: "{this is not json",
      valueEncoding: "utf8",
    });
    expect(decoded[1]?.original.valueEncoding).toBe("base64");
    expect(decoded[4]?.issues?.map((issue) => issue.path)).toContain("hash");
    expect(new Set(decoded.map((message) => message.original.partition)).size).toBe(1);
    // Original offsets are the poison messages' own: every second message from offset 1.
    expect(decoded.map((message) => Number(message.original.offset))).toEqual([1, 3, 5, 7, 9, 11]);
    expect(await storedCounts(database)).toEqual({ predictions: valid.length, distinct: valid.length });

    const totals = await waitUntil("committed past the poison", async () => {
      const reading = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
      return reading.committed === reading.high ? reading : undefined;
    });
    expect(totals.committed).toBeGreaterThanOrEqual(messages.length);
    const metrics = await worker.registry.metrics();
    expect(metrics).toMatch(/kafka_dlq_messages_total\{[^}]*reason="invalid_json"[^}]*\} 2/);
    expect(metrics).toMatch(/kafka_dlq_messages_total\{[^}]*reason="unscoreable"[^}]*\} 1/);
    await database.close();
  });

  it("scores 200 transactions per codec that Kafka's Java client produced with lz4, snappy, zstd and gzip", async () => {
    const test = await scope("cw_codecs");
    const worker = await startWorker(test);
    const database = await openScopeDatabase(test);
    const codecs = ["lz4", "snappy", "zstd", "gzip"] as const;
    const hashesByCodec = new Map<string, string[]>();
    for (const compression of codecs) {
      const transactions = Array.from({ length: 200 }, (_, index) => transaction(index));
      hashesByCodec.set(
        compression,
        transactions.map((tx) => String(tx.hash)),
      );
      produceWithJavaClient({
        brokers: serviceUrls.kafkaBrokers,
        topic: test.topics.transactions,
        compression,
        messages: transactions.map((tx) => {
          const message = transactionMessage(tx);
          return { key: message.key, value: String(message.value) };
        }),
      });
    }
    await waitUntil("all stored", async () =>
      (await storedCounts(database)).predictions >= 800 ? true : undefined,
    );
    for (const [compression, hashes] of hashesByCodec) {
      const { rows } = await database.query<{ count: string }>(
        "SELECT count(*) FROM predictions WHERE tx_hash = ANY($1)",
        [hashes],
      );
      expect(Number(rows[0]?.count), compression).toBe(200);
    }
    expect(worker.stats()).toMatchObject({ deadLettered: 0, skipped: 0 });
    expect(worker.isReady()).toBe(true);
    await database.close();
  });

  it("a poison message with a ~600 KB key is dead-lettered within the broker's limit and the partition moves on", async () => {
    const test = await scope("cw_bigkey");
    const worker = await startWorker(test);
    const database = await openScopeDatabase(test);
    const key = "k".repeat(600_000);
    const valid = Array.from({ length: 10 }, (_, index) => ({
      ...transactionMessage(transaction(index)),
      key: "p",
    }));
    // A value that is not JSON, under a ~600 KB key (the message itself is within the broker's limit),
    // from the Java client: kafkajs's own murmur2 (Long arithmetic) takes ~60 s on a 600 KB key.
    await harness.publish(test.topics.transactions, valid.slice(0, 5));
    produceWithJavaClient({
      brokers: serviceUrls.kafkaBrokers,
      topic: test.topics.transactions,
      compression: "none",
      messages: [{ key, value: `{"not json${"x".repeat(300_000)}` }],
    });
    await harness.publish(test.topics.transactions, valid.slice(5));
    const totals = await waitUntil("committed past the poison", async () => {
      const reading = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
      return reading.committed === reading.high && reading.high >= 11 ? reading : undefined;
    });
    expect(totals.committed).toBeGreaterThanOrEqual(11);
    expect((await storedCounts(database)).predictions).toBe(10);
    const [deadLetter] = await harness.readTopic(
      test.topics.transactionsDeadLetter,
      (read) => read.length >= 1,
    );
    const decoded = decodeMessage(DeadLetterMessageSchema, deadLetter?.value ?? null);
    expect(decoded.ok && decoded.message.original).toMatchObject({
      keyTruncated: true,
      keyBytes: 600_000,
      valueTruncated: true,
    });
    expect(String(deadLetter?.key)).toMatch(/^sha256:/);
    expect(worker.stats()).toMatchObject({ deadLettered: 1, skipped: 0 });
    expect(await worker.registry.metrics()).not.toMatch(/kafka_errors_total\{[^}]*error_type="publish/);
    await database.close();
  });

  it("health: degraded with reasons while PostgreSQL does not answer, ok again once it does", async () => {
    // The worker reaches PostgreSQL through a proxy this test can cut: an outage for this worker alone.
    const target = new URL(serviceUrls.databaseUrl);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const test = await scope("cw_health");
    const viaProxy = new URL(serviceUrls.databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const worker = await startWorker(test, { DATABASE_URL: viaProxy.toString() });
    const server = createHealthServer({
      port: 0,
      host: "127.0.0.1",
      isReady: () => worker.isReady(),
      report: () => worker.health(),
      metrics: { contentType: "text/plain", text: async () => "" },
    });
    await server.start();
    const probe = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port()}${path}`);
      return { code: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      expect(await probe("/health")).toMatchObject({
        code: 200,
        body: {
          status: "ok",
          dependencies: { database: { status: "up" }, kafka: { status: "up" } },
          reasons: [],
        },
      });
      proxy.cut();
      const degraded = await waitUntil("degraded", async () => {
        const reading = await probe("/health");
        return reading.body.status === "degraded" ? reading : undefined;
      });
      expect(degraded).toMatchObject({
        code: 200,
        body: { dependencies: { database: { status: "down", required: false }, kafka: { status: "up" } } },
      });
      expect(String((degraded.body.reasons as string[])[0])).toContain("database");
      expect(await probe("/health/ready")).toMatchObject({ code: 200, body: { status: "degraded" } });
      proxy.restore();
      await waitUntil("ok again", async () =>
        (await probe("/health")).body.status === "ok" ? true : undefined,
      );
    } finally {
      proxy.restore();
      await server.stop();
      await worker.stop();
      await proxy.close();
    }
  });

  it("publishes a chunk larger than the broker's message size limit in pieces (queue cap 20,000, one partition)", async () => {
    const test = await scope("cw_bigchunk");
    const worker = await startWorker(test, { KAFKA_MAX_QUEUE_SIZE: "20000" });
    const database = await openScopeDatabase(test);
    // One key: everything lands in one partition; with a share of 3,333 per partition a chunk is a whole
    // 1 MiB fetch (~3,000 messages, ~2 MiB of score messages), over the broker's 1 MiB batch limit.
    const messages = Array.from({ length: 4_000 }, (_, index) => ({
      ...transactionMessage(transaction(index)),
      key: "one-partition",
    }));
    await harness.publish(test.topics.transactions, messages);
    await waitUntil("all committed", async () => {
      const { committed, high } = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
      return committed === high && high >= 4_000 ? true : undefined;
    });
    expect(await storedCounts(database)).toEqual({ predictions: 4_000, distinct: 4_000 });
    expect(worker.stats().commitsFailed).toBe(0);
    expect(await worker.registry.metrics()).not.toMatch(/kafka_errors_total\{[^}]*error_type="publish"/);
    await database.close();
  });

  it("a store outage holds the partitions uncommitted (no dead letters, nothing skipped) until it ends", async () => {
    const test = await scope("cw_outage");
    const worker = await startWorker(test);
    const database = await openScopeDatabase(test);
    const totals = () => offsetTotals(harness.admin, test.groupId, test.topics.transactions);
    const allCommitted = async () => {
      const reading = await totals();
      return reading.committed === reading.high && reading.high > 0 ? reading : undefined;
    };
    await harness.publish(
      test.topics.transactions,
      Array.from({ length: 300 }, (_, index) => transactionMessage(transaction(index))),
    );
    const before = await waitUntil("first part committed", allCommitted);

    // The worker's inserts now fail with "relation does not exist": a transient error, like PostgreSQL down.
    await database.query("ALTER TABLE predictions RENAME TO predictions_away");
    await harness.publish(
      test.topics.transactions,
      Array.from({ length: 200 }, (_, index) => transactionMessage(transaction(index + 1_000))),
    );
    const storeErrors = async () =>
      [
        ...(await worker.registry.metrics()).matchAll(
          /^kafka_errors_total\{[^}]*error_type="store"[^}]*\} (\d+)$/gm,
        ),
      ].reduce((sum, match) => sum + Number(match[1]), 0);
    const firstFailures = await waitUntil("store failures", async () => {
      const count = await storeErrors();
      return count > 0 ? count : undefined;
    });
    // Not a fixed sleep: wait until the worker has retried the held chunk several more times, which proves
    // it is in the outage state (holding, not skipping); only then is "nothing committed" meaningful.
    await waitUntil("store failures retried", async () =>
      (await storeErrors()) >= firstFailures + 3 ? true : undefined,
    );
    const during = await totals();
    expect(during.committed).toBe(before.committed);
    expect(during.high).toBeGreaterThanOrEqual(before.high + 200);
    expect(worker.stats()).toMatchObject({ deadLettered: 0 });

    await database.query("ALTER TABLE predictions_away RENAME TO predictions");
    const after = await waitUntil("everything committed", async () => {
      const reading = await allCommitted();
      return reading && reading.high >= during.high ? reading : undefined;
    });
    expect(await storedCounts(database)).toEqual({ predictions: 500, distinct: 500 });
    expect(worker.stats()).toMatchObject({ scored: after.high, deadLettered: 0 });
    await database.close();
  });

  it("kafka_consumer_lag rises while the group's workers are stopped and returns to 0 once one catches up", {
    timeout: 120_000,
  }, async () => {
    const test = await scope("cw_lag");
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const monitor = createLagMonitor({
      admin: harness.admin,
      groupId: test.groupId,
      topic: test.topics.transactions,
      intervalMs: 200,
      logger: silentLogger,
      metrics: createKafkaConsumerMetrics(registry),
    });
    const totalLag = async () => {
      const text = await registry.metrics();
      return [...text.matchAll(/^kafka_consumer_lag\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };
    const state = async () => ({
      lag: await harness.admin.groupLag(test.groupId, test.topics.transactions),
      gauge: await totalLag(),
      workers: workers.map((worker) => worker.stats()),
    });
    const first = await startWorker(test);
    await monitor.start();
    await harness.publish(
      test.topics.transactions,
      Array.from({ length: 500 }, (_, i) => transactionMessage(transaction(i))),
    );
    await waitUntil(
      "caught up",
      async () => {
        const reading = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
        return reading.high >= 500 && reading.committed === reading.high && (await totalLag()) === 0
          ? true
          : undefined;
      },
      60_000,
      100,
      state,
    );

    await first.stop();
    const stopped = await offsetTotals(harness.admin, test.groupId, test.topics.transactions);
    await harness.publish(
      test.topics.transactions,
      Array.from({ length: 700 }, (_, i) => transactionMessage(transaction(i + 1_000))),
    );
    const backlog =
      (await offsetTotals(harness.admin, test.groupId, test.topics.transactions)).high - stopped.high;
    expect(backlog).toBeGreaterThanOrEqual(700);
    await waitUntil(
      "lag shows the backlog",
      async () => ((await totalLag()) === backlog ? true : undefined),
      30_000,
      100,
      state,
    );

    const second = await startWorker(test);
    await waitUntil(
      "lag back to 0",
      async () => ((await totalLag()) === 0 ? true : undefined),
      60_000,
      100,
      state,
    );
    // It resumed exactly at the first worker's commits: every message after them, once.
    expect(second.stats().scored).toBe(backlog);
    // The worker's own gauge agrees once it refreshed.
    await waitUntil("worker gauge at 0", () => (second.lag()?.every((p) => p.lag === 0n) ? true : undefined));
    await monitor.stop();
  });
});

function decodeScoreHash(value: Buffer | null): string {
  const decoded = decodeMessage(ScoreMessageSchema, value);
  return decoded.ok ? decoded.message.hash : "";
}
