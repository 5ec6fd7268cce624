import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TopicSpec } from "./admin.ts";
import type { KafkaClient } from "./client.ts";
import { isTransientKafkaError, TRANSIENT_ERROR_TYPES } from "./transient-errors.ts";

/**
 * Test-only helpers (imported as `@chainwatch/kafka/testing`, never by app code): create topics and wait
 * until the broker really serves them.
 *
 * Why: a CI run failed with `KafkaJSProtocolError: This server is not the leader for that
 * topic-partition` (NOT_LEADER_FOR_PARTITION, code 6, retriable) from `admin.fetchTopicOffsets` right
 * after the topic was created. `createTopics({ waitForLeaders: true })` only waits until the metadata
 * names a leader; the broker may still answer ListOffsets with "not the leader" for a moment, and
 * kafkajs's fetchTopicOffsets retries only UNKNOWN_TOPIC_OR_PARTITION. So tests wait for the state they
 * need (every partition led and answering offsets), bounded, instead of hoping it is there.
 */

/** Errors a partition or group answers with until its leader or coordinator serves (transient-errors.ts). */
export const TRANSIENT_TOPIC_ERROR_TYPES = TRANSIENT_ERROR_TYPES;

/** Bound on waiting for a new topic; on a busy 2-core CI machine leaders take up to a few seconds. */
export const TOPIC_READY_TIMEOUT_MS = 30_000;

/** Retriable kafkajs errors of a transient type, unwrapped from kafkajs's own wrappers. */
export const isTransientTopicError = isTransientKafkaError;

export interface SettleOptions {
  /** Give up after this long (the last error is the `cause`); default TOPIC_READY_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Pause between attempts; default 100 ms. */
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, retrying only transient topic errors (see isTransientTopicError),
 * for at most `timeoutMs`. Any other error is thrown at once: a real failure must still fail the test.
 */
export async function retryTransient<T>(
  what: string,
  operation: () => Promise<T>,
  options: SettleOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? TOPIC_READY_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientTopicError(error)) throw error;
      if (Date.now() + intervalMs > deadline) {
        throw new Error(`${what}: still failing after ${attempt} attempts in ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await sleep(intervalMs);
    }
  }
}

interface PartitionReadiness {
  partitionId: number;
  leader: number;
  partitionErrorCode: number;
}

/**
 * Waits until every partition of every topic has a leader (`fetchTopicMetadata`) and that leader answers
 * for it (`fetchTopicOffsets`, the call that failed in CI), and, when `partitions` gives a count for a
 * topic, until the topic has that many. Throws after `timeoutMs` with what it saw last.
 */
export async function waitForTopicLeaders(
  kafka: KafkaClient,
  topics: readonly string[],
  options: SettleOptions & { partitions?: Readonly<Record<string, number>> } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? TOPIC_READY_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const admin = kafka.admin();
  await admin.connect();
  let lastSeen: unknown = "nothing yet";
  try {
    while (true) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
        const notReady = topics.flatMap((topic) => {
          const found = metadata.topics.find((candidate) => candidate.name === topic);
          const partitions = (found?.partitions ?? []) as PartitionReadiness[];
          const wanted = options.partitions?.[topic];
          const isLed = partitions.every((p) => p.leader >= 0 && p.partitionErrorCode === 0);
          const hasCount = partitions.length > 0 && (wanted === undefined || partitions.length === wanted);
          return isLed && hasCount
            ? []
            : [{ topic, partitions: partitions.map((p) => ({ id: p.partitionId, leader: p.leader })) }];
        });
        if (notReady.length === 0) {
          // Metadata names a leader before the broker serves the partition; ask it.
          for (const topic of topics) await admin.fetchTopicOffsets(topic);
          return;
        }
        lastSeen = notReady;
      } catch (error) {
        if (!isTransientTopicError(error)) throw error;
        lastSeen = { type: (error as { type?: unknown }).type, message: (error as Error).message };
      }
      if (Date.now() + intervalMs > deadline) {
        throw new Error(
          `topics ${topics.join(", ")} not led and serving after ${timeoutMs} ms (last seen: ${JSON.stringify(lastSeen)})`,
        );
      }
      await sleep(intervalMs);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics (replication factor 1 unless given; existing ones are kept) and waits until every
 * partition is led and serving (waitForTopicLeaders). The one way tests create topics.
 */
export async function createTestTopics(
  kafka: KafkaClient,
  specs: readonly TopicSpec[],
  options: SettleOptions = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retryTransient(
      `create topics ${specs.map((spec) => spec.topic).join(", ")}`,
      () =>
        admin.createTopics({
          waitForLeaders: true,
          topics: specs.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.numPartitions,
            replicationFactor: spec.replicationFactor ?? 1,
          })),
        }),
      options,
    );
  } finally {
    await admin.disconnect();
  }
  await waitForTopicLeaders(
    kafka,
    specs.map((spec) => spec.topic),
    {
      ...options,
      partitions: Object.fromEntries(specs.map((spec) => [spec.topic, spec.numPartitions])),
    },
  );
}

export type JavaCompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/**
 * The jars of the local broker (deploy/local/services.sh caches them with mvn): kafka-clients and its
 * codecs (lz4-java, snappy-java, zstd-jni) are among them.
 */
export function localKafkaJarsDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheDir = env.CHAINWATCH_CACHE_DIR ?? join(homedir(), ".cache", "chainwatch");
  return join(cacheDir, `kafka-${env.KAFKA_VERSION ?? "4.1.2"}`, "lib");
}

const javaProducerSource = fileURLToPath(new URL("../test/java/JavaTestProducer.java", import.meta.url));
let javaProducerClasses: string | undefined;

/** Compiles test/java/JavaTestProducer.java once per source version (javac, ~1-2 s), into the temp dir. */
function compileJavaProducer(jars: string): string {
  if (javaProducerClasses) return javaProducerClasses;
  const source = readFileSync(javaProducerSource);
  const digest = createHash("sha256").update(source).update(jars).digest("hex").slice(0, 12);
  const out = join(tmpdir(), `chainwatch-java-producer-${digest}`);
  if (!existsSync(join(out, "JavaTestProducer.class"))) {
    mkdirSync(out, { recursive: true });
    execFileSync("javac", ["-cp", `${jars}/*`, "-d", out, javaProducerSource], { stdio: "pipe" });
  }
  javaProducerClasses = out;
  return out;
}

/**
 * Produces `messages` to `topic` with Kafka's own Java client and `compression.type` (batched: linger 50
 * ms, 64 KiB batches), and resolves once every record is acknowledged. Keys and values must not contain
 * tabs or newlines (JSON values do not). Throws if Java, javac or the broker's jars are missing.
 */
export function produceWithJavaClient(options: {
  brokers: readonly string[];
  topic: string;
  compression: JavaCompressionType;
  messages: readonly { key: string | null; value: string }[];
}): void {
  const jars = localKafkaJarsDir();
  if (!existsSync(join(jars, ".complete"))) {
    throw new Error(`no Kafka jars in ${jars}: run bash deploy/local/services.sh up`);
  }
  const classes = compileJavaProducer(jars);
  const input = join(tmpdir(), `chainwatch-java-producer-${process.pid}-${Date.now()}.tsv`);
  writeFileSync(
    input,
    options.messages.map(({ key, value }) => (key === null ? value : `${key}\t${value}`)).join("\n"),
  );
  try {
    execFileSync(
      "java",
      [
        "-cp",
        `${classes}:${jars}/*`,
        "JavaTestProducer",
        options.brokers.join(","),
        options.topic,
        options.compression,
        input,
      ],
      { stdio: "pipe", timeout: 120_000 },
    );
  } finally {
    rmSync(input, { force: true });
  }
}
