import { randomBytes } from "node:crypto";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import { createRedisStore, type RedisStore } from "@chainwatch/cache";
import {
  type ConsumedMessage,
  createBatchConsumer,
  createKafkaClient,
  createPublisher,
  createStreamAdmin,
  encodeMessage,
  inputMessageKey,
  type KafkaClient,
  type OutgoingMessage,
  type Publisher,
  type StreamAdmin,
  type StreamTopics,
} from "@chainwatch/kafka";
import { createTestTopics, retryTransient } from "@chainwatch/kafka/testing";
import { createLogger, type Logger } from "@chainwatch/service-kit";
import { createPostgresDatabase, type Database } from "@chainwatch/store";
import { serviceUrls, uniqueName } from "@chainwatch/testing";
import { loadEnv, type WorkerEnv } from "../env.ts";

export const silentLogger: Logger = createLogger({ name: "test", level: "silent" });

/** Topics, group and PostgreSQL schema of one test, all unique to it. */
export interface StreamScope {
  name: string;
  topics: StreamTopics;
  groupId: string;
  schema: string;
  /** Env for a worker (in-process or child) bound to this scope. */
  env(overrides?: Record<string, string>): Record<string, string>;
  workerEnv(overrides?: Record<string, string>): WorkerEnv;
}

/** Partitions of every scope topic (KAFKA_TOPIC_PARTITIONS of the scope's workers). */
export const SCOPE_PARTITIONS = 6;

export function streamScope(prefix: string): StreamScope {
  const name = uniqueName(prefix).toLowerCase();
  const topics: StreamTopics = {
    transactions: `${name}.transactions`,
    scores: `${name}.scores`,
    anomalies: `${name}.anomalies`,
    transactionsDeadLetter: `${name}.dlq`,
  };
  const groupId = `${name}.workers`;
  const schema = name.replace(/[^a-z0-9_]/g, "_");
  const env = (overrides: Record<string, string> = {}) => ({
    LOG_LEVEL: "warn",
    HEALTH_PORT: "0",
    HEALTH_HOST: "127.0.0.1",
    KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
    KAFKA_CLIENT_ID: `${name}-worker`,
    KAFKA_GROUP_ID: groupId,
    KAFKA_TOPIC_TRANSACTIONS: topics.transactions,
    KAFKA_TOPIC_SCORES: topics.scores,
    KAFKA_TOPIC_ANOMALIES: topics.anomalies,
    KAFKA_TOPIC_DLQ: topics.transactionsDeadLetter,
    KAFKA_TOPIC_PARTITIONS: String(SCOPE_PARTITIONS),
    KAFKA_TOPIC_REPLICATION_FACTOR: "1",
    // Group changes in tests (a member stopping, joining) are graceful; 10 s keeps a loaded CI machine from
    // rebalancing spuriously. The failover test runs with the production defaults (6 s / 1 s).
    KAFKA_SESSION_TIMEOUT_MS: "10000",
    KAFKA_HEARTBEAT_INTERVAL_MS: "1000",
    KAFKA_REBALANCE_TIMEOUT_MS: "10000",
    KAFKA_LAG_REFRESH_INTERVAL_MS: "500",
    KAFKA_DRAIN_TIMEOUT_MS: "8000",
    SHUTDOWN_TIMEOUT_MS: "15000",
    DATABASE_URL: serviceUrls.databaseUrl,
    DATABASE_SCHEMA: schema,
    RETRY_INITIAL_DELAY_MS: "50",
    RETRY_MAX_DELAY_MS: "500",
    ...overrides,
  });
  return { name, topics, groupId, schema, env, workerEnv: (overrides) => loadEnv(env(overrides)) };
}

export function randomHash(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}

/** A valid transaction in the simple shape; every `anomalyEvery`-th one is extreme enough to be flagged. */
export function transaction(index: number, anomalyEvery = 50): Record<string, unknown> {
  const isAnomalous = index % anomalyEvery === anomalyEvery - 1;
  return isAnomalous
    ? { hash: randomHash(), value: 250_000 + index, gas: 7_900_000, gasPrice: 9_000 }
    : {
        hash: randomHash(),
        value: 0.01 + (index % 50) * 0.1,
        gas: 21_000 + (index % 7) * 1_000,
        gasPrice: 20 + (index % 30),
      };
}

/** The input message of a transaction, keyed as producers key it: by sender, by hash without one. */
export function transactionMessage(tx: Record<string, unknown>): OutgoingMessage {
  return {
    key: inputMessageKey({
      hash: String(tx.hash),
      from:
        typeof tx.from === "string" ? tx.from : typeof tx.from_address === "string" ? tx.from_address : null,
    }),
    value: encodeMessage({
      schemaVersion: 1,
      transaction: tx,
      source: "test",
      publishedAt: new Date().toISOString(),
    }),
  };
}

export interface KafkaHarness {
  kafka: KafkaClient;
  admin: StreamAdmin;
  publisher: Publisher;
  /**
   * Creates the scope's four topics (6 partitions, as the scope's env configures) and waits until every
   * partition is led and serving, so the test's first offset read cannot meet a leader still settling.
   */
  createTopics(scope: StreamScope): Promise<void>;
  /** Publishes in chunks of 1000 (one produce request each). */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Reads `topic` from the beginning until `until` is true of what was read (or the timeout passes). */
  readTopic(
    topic: string,
    until: (messages: ConsumedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<ConsumedMessage[]>;
  close(): Promise<void>;
}

export function kafkaHarness(): KafkaHarness {
  const kafka = createKafkaClient({
    brokers: serviceUrls.kafkaBrokers,
    clientId: "chainwatch-test",
    logger: silentLogger,
  });
  const admin = createStreamAdmin({ kafka, logger: silentLogger });
  const publisher = createPublisher({ kafka, logger: silentLogger, timeoutMs: 30_000 });
  return {
    kafka,
    admin,
    publisher,
    createTopics: (scope) =>
      createTestTopics(
        kafka,
        Object.values(scope.topics).map((topic) => ({ topic, numPartitions: SCOPE_PARTITIONS })),
      ),
    async publish(topic, messages) {
      for (let start = 0; start < messages.length; start += 1_000) {
        await publisher.publish([{ topic, messages: messages.slice(start, start + 1_000) }]);
      }
    },
    async readTopic(topic, until, timeoutMs = 60_000) {
      const consumer = createBatchConsumer({
        kafka,
        logger: silentLogger,
        groupId: uniqueName("reader"),
        topic,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        rebalanceTimeoutMs: 10_000,
        partitionsConsumedConcurrently: 6,
        maxWaitTimeMs: 200,
      });
      const read: ConsumedMessage[] = [];
      let isDone = false;
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        void consumer.run(async (batch, control) => {
          if (isDone) return;
          read.push(...batch.messages);
          control.markTaken(batch.messages.at(-1)?.offset ?? "0");
          if (until(read)) {
            isDone = true;
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await done;
      await consumer.stop();
      return read;
    },
    async close() {
      await publisher.close();
      await admin.close();
    },
  };
}

/**
 * The group's committed offsets and the topic's high watermarks, summed over partitions. Tests compare
 * against these rather than against how many messages they sent: a producer retry under load can append a
 * batch twice (at-least-once publishing), which the worker absorbs but a fixed count would not.
 */
export async function offsetTotals(
  admin: StreamAdmin,
  groupId: string,
  topic: string,
): Promise<{ committed: number; high: number }> {
  // Retried while a partition's leader settles (NOT_LEADER_FOR_PARTITION and the like), bounded.
  const lag = await retryTransient(`offsets of ${topic}`, () => admin.groupLag(groupId, topic));
  return {
    committed: lag.reduce((sum, partition) => sum + Number(partition.committed ?? 0n), 0),
    high: lag.reduce((sum, partition) => sum + Number(partition.high), 0),
  };
}

/** A PostgreSQL connection into the scope's schema (created by the worker's migrations). */
export async function openScopeDatabase(scope: StreamScope): Promise<Database> {
  return createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema: scope.schema });
}

export async function storedCounts(database: Database): Promise<{ predictions: number; distinct: number }> {
  const { rows } = await database.query<{ predictions: string; distinct: string }>(
    "SELECT count(*) AS predictions, count(DISTINCT (tx_hash, model_version)) AS distinct FROM predictions",
  );
  return { predictions: Number(rows[0]?.predictions ?? 0), distinct: Number(rows[0]?.distinct ?? 0) };
}

/**
 * Polls until `probe` returns a value other than undefined; throws with `what` (and what `state` says at
 * that moment, to diagnose a flaky wait) after the timeout.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 100,
  state?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const seen = state
    ? ` (state: ${JSON.stringify(await state(), (_key, value) => (typeof value === "bigint" ? String(value) : value))})`
    : "";
  throw new Error(`timed out waiting for ${what}${seen}`);
}

/** Deletes the scope's topics and drops its schema. */
export async function cleanupScope(scope: StreamScope, harness: KafkaHarness): Promise<void> {
  await harness.admin.deleteTopics(Object.values(scope.topics)).catch(() => {});
  // A plain connection (no search_path into the schema being dropped), retried: a worker killed a moment
  // ago may still hold locks until PostgreSQL notices its connection is gone.
  const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await database.query(`DROP SCHEMA IF EXISTS ${scope.schema} CASCADE`);
        return;
      } catch (error) {
        if (attempt >= 3) {
          process.stderr.write(
            `cleanup: could not drop schema ${scope.schema}: ${(error as Error).message}\n`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  } finally {
    await database.close();
  }
}

/**
 * A TCP proxy to host:port on a random local port that a test can cut: `cut()` drops every connection and
 * leaves new ones hanging unanswered (a host that stopped answering), `restore()` forwards again.
 */
export async function startTcpProxy(
  host: string,
  port: number,
): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let isCut = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (isCut) return;
    const upstream = tcpConnect({ host, port });
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Deletes every key under the prefix (address state, hash markers, cached predictions). */
export async function deleteRedisPrefix(redis: RedisStore, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
    if (keys.length > 0) await redis.client.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A Redis connection for a test file, ready or the test fails. */
export async function openTestRedis(): Promise<RedisStore> {
  const redis = createRedisStore({
    url: serviceUrls.redisUrl,
    commandTimeoutMs: 5_000,
    connectionName: "test",
  });
  if (!(await redis.waitUntilReady(5_000))) throw new Error(`redis at ${serviceUrls.redisUrl} is not ready`);
  return redis;
}

/** A type, not an interface: it goes where Record<string, unknown> is expected. */
export type SimplePayment = {
  hash: string;
  from: string;
  to: string;
  value: string;
  gas: number;
  gasPrice: number;
  nonce: number;
  timestamp: number;
};

/**
 * A quiet sender's history and burst: one 0.1 ETH payment a day for three days, then twelve to new
 * recipients one block (12 s) apart. The j-th payment's burst (and fan-out) evidence against μ = 0.6 is
 * 1.42 decades at j = 4, 3.33 at j = 7, 4.01 at j = 8 (the scoring package's burst test), so the 8th
 * opens an incident that names the 1st–7th.
 */
export function quietSenderBurst(
  sender: string,
  start: number,
): { history: SimplePayment[]; burst: SimplePayment[] } {
  const day = 86_400;
  const payment = (nonce: number, timestamp: number): SimplePayment => ({
    hash: randomHash(),
    from: sender,
    to: `0x${randomBytes(20).toString("hex")}`,
    value: "0.10",
    gas: 21_000,
    gasPrice: 20,
    nonce,
    timestamp,
  });
  return {
    history: [0, 1, 2].map((nonce) => payment(nonce, start + nonce * day)),
    burst: Array.from({ length: 12 }, (_, j) => payment(3 + j, start + 3 * day + 12 * j)),
  };
}
