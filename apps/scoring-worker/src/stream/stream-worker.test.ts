import { createCache, createMemoryStore } from "@chainwatch/cache";
import {
  AnomalyMessageSchema,
  type BatchConsumer,
  type BatchHandler,
  type ConsumedMessage,
  type ConsumerListeners,
  DeadLetterMessageSchema,
  encodeMessage,
  KafkaPublishRejectedError,
  KafkaUnavailableError,
  type OutgoingMessage,
  type PartitionOffset,
  type Publisher,
  ScoreMessageSchema,
  type TopicMessages,
} from "@chainwatch/kafka";
import { loadDefaultModel } from "@chainwatch/model";
import {
  createScoringService,
  createTransactionPipeline,
  staticModelProvider,
  type TransactionPipeline,
} from "@chainwatch/scoring";
import { createLogger } from "@chainwatch/service-kit";
import type { RecordScoredResult, ScoredTransactionRecord } from "@chainwatch/store";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DEAD_LETTER_HEADER_VALUE_MAX_BYTES,
  DEAD_LETTER_HEADERS_MAX,
  DEAD_LETTER_KEY_MAX_BYTES,
  DEAD_LETTER_MAX_BYTES,
  DEAD_LETTER_VALUE_MAX_BYTES,
  deadLetterMessage,
  outgoingBytes,
} from "./output-messages.ts";
import { createStreamWorker } from "./stream-worker.ts";

const logger = createLogger({ name: "test", level: "silent" });
const TOPIC = "in";
const topics = {
  transactions: TOPIC,
  scores: "scores",
  anomalies: "anomalies",
  transactionsDeadLetter: "dlq",
};
const scorer = loadDefaultModel();

/** An in-memory BatchConsumer: the test delivers batches and watches commits, pauses and marks. */
function fakeConsumer() {
  let handler: BatchHandler | undefined;
  let listeners: ConsumerListeners = {};
  const events: string[] = [];
  const commits: PartitionOffset[] = [];
  const paused = new Set<number>();
  const taken = new Map<number, string>();
  const heartbeats = { count: 0 };
  let isRunning = true;
  const consumer: BatchConsumer = {
    async run(runHandler, runListeners = {}) {
      handler = runHandler;
      listeners = runListeners;
    },
    pause: (partitions) => {
      for (const tp of partitions) paused.add(tp.partition);
    },
    resume: (partitions) => {
      for (const tp of partitions) paused.delete(tp.partition);
    },
    async commit(offsets) {
      events.push(`commit:${offsets.map((o) => `${o.partition}@${o.offset}`).join(",")}`);
      commits.push(...offsets);
    },
    async stop() {
      isRunning = false;
      events.push("consumer-stop");
    },
  };
  return {
    consumer,
    events,
    commits,
    paused,
    taken,
    heartbeats,
    assign(partitions: number[]) {
      listeners.onAssigned?.(partitions.map((partition) => ({ topic: TOPIC, partition })));
    },
    /** Hands a batch to the worker the way kafkajs would; resolves when the handler returns. */
    deliver(partition: number, messages: ConsumedMessage[]) {
      if (!handler) throw new Error("not running");
      return handler(
        { topic: TOPIC, partition, highWatermark: "0", messages },
        {
          markTaken: (offset) => void taken.set(partition, offset),
          heartbeat: async () => {
            heartbeats.count++;
          },
          isRunning: () => isRunning,
        },
      );
    },
    committed(partition: number) {
      return commits.filter((commit) => commit.partition === partition).at(-1)?.offset;
    },
  };
}

function fakePublisher() {
  const published: TopicMessages[] = [];
  return {
    published,
    publisher: {
      async publish(batches: readonly TopicMessages[]) {
        published.push(...batches.filter((batch) => batch.messages.length > 0));
      },
    },
    on(topic: string) {
      return published.filter((batch) => batch.topic === topic).flatMap((batch) => batch.messages);
    },
  };
}

/** A store that can be gated (blocked until released) and made to fail. */
function fakeStore() {
  const stored = new Set<string>();
  const records: ScoredTransactionRecord[] = [];
  let failuresLeft = 0;
  let gate: Promise<void> | undefined;
  let release: (() => void) | undefined;
  let active = 0;
  let maxActive = 0;
  let failures = 0;
  return {
    stored,
    /** Every record written, in order. */
    records,
    /** Writes in progress now, and the most there ever were at once. */
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    /** Writes that failed so far. */
    get failures() {
      return failures;
    },
    failNext(count: number) {
      failuresLeft = count;
    },
    block() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    unblock() {
      release?.();
      gate = undefined;
    },
    async recordScored(batch: ScoredTransactionRecord[]): Promise<RecordScoredResult> {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        if (gate !== undefined) await gate;
        if (failuresLeft > 0) {
          failuresLeft--;
          failures++;
          throw new Error("connection refused");
        }
        for (const record of batch) stored.add(record.transaction.hash);
        records.push(...batch);
        return { transactions: batch.length, predictions: batch.length, anomalies: 0 };
      } finally {
        active--;
      }
    },
  };
}

let nextHash = 1;
/** Every test transaction's sender: the input key, as producers set it. */
const SENDER = "0xc0ffee0000000000000000000000000000000001";
function message(partition: number, offset: number, value?: string | null): ConsumedMessage {
  const hash = `0x${(nextHash++).toString(16).padStart(64, "0")}`;
  const payload =
    value !== undefined
      ? value
      : encodeMessage({
          schemaVersion: 1,
          transaction: { hash, value: 1, gas: 21_000, gasPrice: 20, from: SENDER },
          source: "test",
          publishedAt: new Date().toISOString(),
        });
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    key: Buffer.from(SENDER),
    value: payload === null ? null : Buffer.from(payload),
    timestamp: "0",
  };
}
const messages = (partition: number, from: number, count: number) =>
  Array.from({ length: count }, (_, index) => message(partition, from + index));

function setup(
  options: {
    maxQueueSize?: number;
    concurrency?: number;
    /** Wraps the real pipeline (to make it fail) . */
    wrapPipeline?: (pipeline: TransactionPipeline) => TransactionPipeline;
    /** Stands between the worker and the recording publisher (to make publishing fail). */
    wrapPublisher?: (publisher: Pick<Publisher, "publish">) => Pick<Publisher, "publish">;
  } = {},
) {
  const kafka = fakeConsumer();
  const output = fakePublisher();
  const store = fakeStore();
  const cache = createCache({ store: createMemoryStore(), logger });
  const pipeline = createTransactionPipeline({
    scoring: createScoringService({ models: staticModelProvider(scorer), cache }),
    recordScored: (records) => store.recordScored(records),
    storeRetry: { initialDelayMs: 1, maxDelayMs: 5 },
  });
  const worker = createStreamWorker({
    consumer: kafka.consumer,
    publisher: options.wrapPublisher ? options.wrapPublisher(output.publisher) : output.publisher,
    pipeline: options.wrapPipeline ? options.wrapPipeline(pipeline) : pipeline,
    topics,
    groupId: "g",
    logger,
    maxQueueSize: options.maxQueueSize ?? 1_000,
    concurrency: options.concurrency ?? 4,
    heartbeatIntervalMs: 10,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    drainTimeoutMs: 500,
    commitRetryIntervalMs: 20,
  });
  return { kafka, output, store, worker };
}

/** Polls until `check` holds; fails with `what` after a bound generous enough for a loaded CI machine. */
async function eventually(check: () => boolean, what = "condition", timeoutMs = 10_000) {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out: ${what}`);
    },
    { timeout: timeoutMs, interval: 2 },
  );
}

describe("stream worker", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("scores, dead-letters poison with its reason and coordinates, then commits past the whole chunk", async () => {
    const { kafka, output, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    const batch = [
      message(0, 0),
      message(0, 1, "{nope"),
      message(0, 2),
      message(
        0,
        3,
        encodeMessage({
          schemaVersion: 1,
          transaction: { hash: "0x1" },
          source: "t",
          publishedAt: new Date().toISOString(),
        }),
      ),
      message(0, 4, null),
    ];
    await kafka.deliver(0, batch);
    await eventually(() => kafka.committed(0) === "5", "commit");
    expect(store.stored.size).toBe(2);
    expect(
      output.on("scores").map((m) => ScoreMessageSchema.parse(JSON.parse(String(m.value))).source.offset),
    ).toEqual(["0", "2"]);
    const deadLetters = output
      .on("dlq")
      .map((m) => DeadLetterMessageSchema.parse(JSON.parse(String(m.value))));
    expect(deadLetters.map((d) => [d.original.offset, d.reason])).toEqual([
      ["1", "invalid_json"],
      ["3", "invalid_transaction"],
      ["4", "invalid_json"],
    ]);
    expect(deadLetters[0]?.original.value).toBe("{nope");
    expect(kafka.taken.get(0)).toBe("4");
    expect(worker.stats()).toMatchObject({ scored: 2, deadLettered: 3, queueSize: 0 });
    await worker.stop();
  });

  it("keys outputs by hash and leaves their partition to the key (the input is keyed by sender); dead letters by hash when the transaction names one", async () => {
    const { kafka, output, worker } = setup();
    await worker.start();
    kafka.assign([3]);
    const transactionMessage = (offset: number, transaction: Record<string, unknown>) =>
      message(
        3,
        offset,
        encodeMessage({
          schemaVersion: 1,
          transaction: { value: 1, gas: 21_000, gasPrice: 20, from: SENDER, ...transaction },
          source: "test",
          publishedAt: new Date().toISOString(),
        }),
      );
    const scored = transactionMessage(0, { hash: `0x${"CD".repeat(32)}` });
    const invalid = transactionMessage(2, { hash: `0x${"AB".repeat(32)}`, value: "lots" });
    await kafka.deliver(3, [scored, message(3, 1, "{bad"), invalid]);
    await eventually(() => kafka.committed(3) === "3", "commit");
    const scores = output.on("scores");
    const deadLetters = output.on("dlq");
    expect(scores.map((m) => m.key)).toEqual([`0x${"cd".repeat(32)}`]);
    // Not JSON: no hash to key by, so the input's key (the sender); a named transaction: its lower-case hash.
    expect(deadLetters.map((m) => m.key)).toEqual([SENDER, `0x${"ab".repeat(32)}`]);
    expect([...scores, ...deadLetters].map((m) => m.partition)).toEqual([undefined, undefined, undefined]);
    // The input's key is kept in the dead letter, whatever its record key.
    expect(
      deadLetters.map((m) => DeadLetterMessageSchema.parse(JSON.parse(String(m.value))).original.key),
    ).toEqual([SENDER, SENDER]);
    await worker.stop();
  });

  it("publishes the combined verdict: riskScore, riskLevel and reasons on every score, and the anomalies topic follows isAnomaly", async () => {
    const contextReason = {
      kind: "context" as const,
      code: "sender_burst" as const,
      message: "14 transactions in 60 s; this sender usually sends 0.2",
      surprise: 4.2,
      data: { count: 14, expected: 0.2 },
    };
    const { kafka, output, worker } = setup({
      wrapPipeline: (pipeline) => ({
        ...pipeline,
        async process(items, processOptions) {
          const outcome = await pipeline.process(items, processOptions);
          // The second one is flagged by its context although the model finds it ordinary.
          const flagged = outcome.scored[1];
          if (flagged) {
            flagged.result = {
              ...flagged.result,
              isAnomaly: true,
              riskScore: 0.62,
              riskLevel: "critical",
              reasons: [contextReason, ...flagged.result.reasons],
            };
          }
          return outcome;
        },
      }),
    });
    await worker.start();
    kafka.assign([0]);
    const batch = messages(0, 0, 3);
    await kafka.deliver(0, batch);
    await eventually(() => kafka.committed(0) === "3", "commit");
    const scores = output.on("scores").map((m) => ScoreMessageSchema.parse(JSON.parse(String(m.value))));
    expect(scores).toHaveLength(3);
    for (const score of scores) {
      expect(score.riskScore).toBeTypeOf("number");
      expect(score.riskLevel).toMatch(/^(low|medium|high|critical)$/);
      // Ordinary ones carry no reason above 1 decade of evidence, but the field is always written.
      expect(Array.isArray(score.reasons)).toBe(true);
    }
    expect(scores.map((score) => score.isAnomaly)).toEqual([false, true, false]);
    const anomalies = output
      .on("anomalies")
      .map((m) => AnomalyMessageSchema.parse(JSON.parse(String(m.value))));
    expect(anomalies.map((anomaly) => anomaly.hash)).toEqual([scores[1]?.hash]);
    expect(anomalies[0]).toMatchObject({
      isAnomaly: true,
      riskScore: 0.62,
      riskLevel: "critical",
      severity: scores[1]?.severity,
      transaction: { from: SENDER },
    });
    expect(anomalies[0]?.reasons?.[0]).toEqual(contextReason);
    await worker.stop();
  });

  it("retries a failing store write without committing, and commits once it is durable", async () => {
    const { kafka, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    store.failNext(3);
    await kafka.deliver(0, messages(0, 0, 10));
    await eventually(() => kafka.committed(0) === "10", "commit after recovery");
    // Every commit came after the store write succeeded: no commit while it was failing.
    expect(kafka.commits).toEqual([{ topic: TOPIC, partition: 0, offset: "10" }]);
    expect(store.stored.size).toBe(10);
    await worker.stop();
  });

  it("applies back-pressure: admits up to the in-flight cap, pauses the partition, and takes the rest as work finishes", async () => {
    const { kafka, store, worker } = setup({ maxQueueSize: 10 });
    await worker.start();
    kafka.assign([0]);
    store.block();
    const delivering = kafka.deliver(0, messages(0, 0, 25));
    await eventually(() => worker.stats().queueSize === 10, "queue full");
    expect(kafka.paused.has(0)).toBe(true);
    // Only what was admitted is marked taken; the rest would be fetched again if the batch were abandoned.
    expect(kafka.taken.get(0)).toBe("9");
    expect(kafka.commits).toEqual([]);
    // While the batch waits for room it keeps the group membership alive.
    await eventually(() => kafka.heartbeats.count >= 2, "heartbeats while waiting");
    store.unblock();
    await delivering;
    await eventually(() => kafka.committed(0) === "25", "all committed");
    await eventually(() => !kafka.paused.has(0), "resumed");
    expect(store.stored.size).toBe(25);
    await worker.stop();
  });

  it("bounds concurrency across partitions and commits each partition only up to its finished chunks", async () => {
    const { kafka, store, worker } = setup({ concurrency: 2 });
    await worker.start();
    kafka.assign([0, 1, 2, 3]);
    store.block();
    for (const partition of [0, 1, 2, 3]) await kafka.deliver(partition, messages(partition, 0, 5));
    // Every batch was admitted (deliver returns once the handler has queued it), and two chunks are in
    // the store: the other two have had every chance to start. No sleep: nothing else can happen until
    // the store answers, so the checks below hold for as long as it is blocked.
    expect(worker.stats().queueSize).toBe(20);
    await eventually(() => store.active === 2, "two chunks running");
    expect(store.maxActive).toBe(2);
    expect(kafka.commits).toEqual([]);
    store.unblock();
    await eventually(
      () => [0, 1, 2, 3].every((partition) => kafka.committed(partition) === "5"),
      "all partitions",
    );
    expect(store.maxActive).toBe(2);
    await worker.stop();
  });

  it("a partition revoked during a store outage stops retrying and commits nothing for it", async () => {
    const { kafka, store, worker } = setup();
    await worker.start();
    kafka.assign([0, 1]);
    store.failNext(Number.MAX_SAFE_INTEGER);
    await kafka.deliver(0, messages(0, 0, 3));
    // Revoke only once the chunk is observably in its store-retry loop (failed, and retried).
    await eventually(() => store.failures >= 2, "store write failing and retried");
    kafka.assign([1]);
    await eventually(() => worker.stats().queueSize === 0, "revoked work released");
    store.failNext(0);
    await kafka.deliver(1, messages(1, 0, 2));
    await eventually(() => kafka.committed(1) === "2", "partition 1 committed");
    expect(kafka.committed(0)).toBeUndefined();
    expect(worker.stats().assignedPartitions).toEqual([1]);
    await worker.stop();
  });

  it("skips what it already stored when a rebalance restarts the partition at an older commit", async () => {
    const { kafka, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    const first = messages(0, 0, 5);
    await kafka.deliver(0, first);
    await eventually(() => kafka.committed(0) === "5", "first commit");
    kafka.assign([0]);
    const stored = store.stored.size;
    // Redelivered from offset 0 (as if the commit had been lost), plus two new ones.
    await kafka.deliver(0, [...first, ...messages(0, 5, 2)]);
    await eventually(() => kafka.committed(0) === "7", "second commit");
    expect(store.stored.size).toBe(stored + 2);
    expect(worker.stats().scored).toBe(7);
    await worker.stop();
  });

  it("on stop, finishes admitted work and commits it before leaving the group", async () => {
    const { kafka, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    store.block();
    await kafka.deliver(0, messages(0, 0, 8));
    await eventually(() => store.active === 1, "the chunk in the store");
    const stopping = worker.stop();
    // Stopping observably began (it pauses every partition first); a batch arriving now is not taken.
    await eventually(() => kafka.paused.has(0), "paused for stopping");
    await kafka.deliver(0, messages(0, 8, 2));
    expect(kafka.taken.get(0)).toBe("7");
    expect(worker.stats().queueSize).toBe(8);
    store.unblock();
    await stopping;
    expect(kafka.events).toEqual(["commit:0@8", "consumer-stop"]);
  });

  it("on stop, abandons work still failing after the drain bound: nothing committed, consumer still stopped", async () => {
    // Fake timers: the drain bound (500 ms here) is checked exactly, not with a wall clock.
    vi.useFakeTimers();
    const { kafka, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    store.failNext(Number.MAX_SAFE_INTEGER);
    await kafka.deliver(0, messages(0, 0, 4));
    await vi.advanceTimersByTimeAsync(20);
    expect(store.failures).toBeGreaterThan(1);
    let isStopped = false;
    const stopping = worker.stop().then(() => {
      isStopped = true;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(isStopped).toBe(false);
    expect(kafka.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(kafka.events).toEqual(["consumer-stop"]);
    expect(kafka.committed(0)).toBeUndefined();
  });

  it("at-least-once: a non-store error in the pipeline commits nothing until a retry of the same messages succeeds", async () => {
    let failuresLeft = 2;
    const attempts: string[][] = [];
    const { kafka, store, worker } = setup({
      wrapPipeline: (pipeline) => ({
        ...pipeline,
        async process(items, processOptions) {
          attempts.push(items.map((item) => String((item.ref as ConsumedMessage).offset)));
          if (failuresLeft > 0) {
            failuresLeft--;
            // Not a store error (those retry inside the pipeline): a bug, a value nobody expected.
            throw new TypeError("cannot read properties of undefined");
          }
          return pipeline.process(items, processOptions);
        },
      }),
    });
    await worker.start();
    kafka.assign([0]);
    await kafka.deliver(0, messages(0, 0, 6));
    await eventually(() => attempts.length >= 2, "two failed attempts");
    // Failing: nothing stored, nothing committed (committing here would lose the 6 messages for good).
    expect(kafka.commits).toEqual([]);
    expect(store.stored.size).toBe(0);
    await eventually(() => kafka.committed(0) === "6", "commit after the retry succeeded");
    // Every attempt was the whole chunk, from its first offset: retried, never skipped.
    expect(attempts).toEqual([0, 1, 2].map(() => ["0", "1", "2", "3", "4", "5"]));
    expect(kafka.commits).toEqual([{ topic: TOPIC, partition: 0, offset: "6" }]);
    expect(store.stored.size).toBe(6);
    await worker.stop();
  });

  it("retries a failed publish with only what Kafka did not acknowledge: nothing published twice", async () => {
    let failuresLeft = 1;
    const { kafka, output, worker } = setup({
      wrapPublisher: (inner) => ({
        async publish(batches) {
          if (failuresLeft-- > 0) {
            // The scores were written, then Kafka stopped answering: only anomalies and dead letters are left.
            const [scores, ...rest] = batches;
            await inner.publish(scores ? [scores] : []);
            throw new KafkaUnavailableError("timed out", {
              unacknowledged: rest.filter((b) => b.messages.length),
            });
          }
          await inner.publish(batches);
        },
      }),
    });
    await worker.start();
    kafka.assign([0]);
    await kafka.deliver(0, [...messages(0, 0, 4), message(0, 4, "{bad")]);
    await eventually(() => kafka.committed(0) === "5", "commit");
    const published = output.published.flatMap((batch) => batch.messages);
    expect(new Set(published).size).toBe(published.length);
    expect(output.on("scores")).toHaveLength(4);
    expect(output.on("dlq")).toHaveLength(1);
    await worker.stop();
  });

  it("a dead letter the broker refuses goes without content; refused again, the message is skipped and counted, never retried forever", async () => {
    for (const refuseFallback of [false, true]) {
      const sent: OutgoingMessage[] = [];
      const { kafka, output, worker } = setup({
        wrapPublisher: (inner) => ({
          async publish(batches) {
            const refused = batches.flatMap(({ topic, messages }) =>
              messages
                .filter(
                  (m) => topic === "dlq" && (refuseFallback || !String(m.value).includes("contentOmitted")),
                )
                .map((m) => ({ topic, message: m, errorType: "MESSAGE_TOO_LARGE", error: "too large" })),
            );
            const accepted = batches.map(({ topic, messages }) => ({
              topic,
              messages: messages.filter((m) => !refused.some((r) => r.message === m)),
            }));
            sent.push(...batches.flatMap((batch) => batch.messages));
            await inner.publish(accepted);
            if (refused.length > 0) throw new KafkaPublishRejectedError(refused);
          },
        }),
      });
      await worker.start();
      kafka.assign([0]);
      const poison = { ...message(0, 1, "{not json"), key: Buffer.alloc(600_000, 0x61) };
      await kafka.deliver(0, [message(0, 0), poison, message(0, 2)]);
      await eventually(
        () => kafka.committed(0) === "3",
        `commit past the poison (refuseFallback ${refuseFallback})`,
      );
      expect(output.on("scores")).toHaveLength(2);
      const deadLetters = output
        .on("dlq")
        .map((m) => DeadLetterMessageSchema.parse(JSON.parse(String(m.value))));
      if (refuseFallback) {
        expect(deadLetters).toEqual([]);
        expect(worker.stats()).toMatchObject({ scored: 2, deadLettered: 0, skipped: 1 });
      } else {
        expect(deadLetters.map((d) => d.original)).toEqual([
          expect.objectContaining({
            offset: "1",
            contentOmitted: true,
            keyBytes: 600_000,
            key: null,
            value: null,
          }),
        ]);
        expect(worker.stats()).toMatchObject({ scored: 2, deadLettered: 1, skipped: 0 });
      }
      // The scores were published once: the acknowledged part of the chunk was never sent again.
      expect(sent.filter((m) => output.on("scores").includes(m))).toHaveLength(2);
      await worker.stop();
    }
  });

  it("dead-letters a record batch the consumer could not decode, once, and commits past its last offset", async () => {
    const { kafka, output, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    const undecodable: ConsumedMessage = {
      ...message(0, 9, null),
      key: null,
      value: Buffer.from([0x04, 0x22, 0x4d, 0x18, 0xff]),
      undecodable: { error: "Error: corrupt frame", compression: 3, firstOffset: "2" },
    };
    await kafka.deliver(0, [message(0, 0), message(0, 1), undecodable, message(0, 10)]);
    await eventually(() => kafka.committed(0) === "11", "commit");
    const [deadLetter] = output
      .on("dlq")
      .map((m) => DeadLetterMessageSchema.parse(JSON.parse(String(m.value))));
    expect(deadLetter).toMatchObject({
      reason: "undecodable_batch",
      original: { offset: "9", firstOffset: "2", valueEncoding: "base64", value: "BCJNGP8=" },
    });
    expect(deadLetter?.error).toContain("offsets 2..9 (lz4)");
    expect(worker.stats()).toMatchObject({ scored: 3, deadLettered: 1 });
    await worker.stop();
  });

  it("scores a bare transaction (no envelope) like an enveloped one", async () => {
    const { kafka, output, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    const hash = `0x${"b".repeat(64)}`;
    const bare = message(0, 0, JSON.stringify({ hash, value: 1, gas: 21_000, gasPrice: 20 }));
    await kafka.deliver(0, [bare]);
    await eventually(() => kafka.committed(0) === "1", "commit");
    expect(store.stored.has(hash)).toBe(true);
    expect(output.on("dlq")).toEqual([]);
    await worker.stop();
  });

  it("reads the original API's field names and ISO-8601 timestamps; a field and its alias that disagree are dead-lettered", async () => {
    const { kafka, output, store, worker } = setup();
    await worker.start();
    kafka.assign([0]);
    const from = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    const original = {
      hash: `0x${"c".repeat(64)}`,
      value: 1,
      gas: 21_000,
      gas_price: 20,
      from_address: from,
      block_timestamp: "2024-05-01T14:00:00+02:00",
    };
    const conflicting = { ...original, hash: `0x${"d".repeat(64)}`, timestamp: 1_714_564_801 };
    await kafka.deliver(0, [
      message(0, 0, JSON.stringify(original)),
      message(
        0,
        1,
        encodeMessage({
          schemaVersion: 1,
          transaction: conflicting,
          source: "t",
          publishedAt: new Date().toISOString(),
        }),
      ),
    ]);
    await eventually(() => kafka.committed(0) === "2", "commit");
    expect(
      store.records.map(({ transaction }) => [
        transaction.hash,
        transaction.from,
        transaction.gasPriceWei,
        transaction.timestamp,
      ]),
    ).toEqual([
      [original.hash, "0xabcdef0123456789abcdef0123456789abcdef01", 20_000_000_000n, 1_714_564_800],
    ]);
    const deadLetters = output
      .on("dlq")
      .map((m) => DeadLetterMessageSchema.parse(JSON.parse(String(m.value))));
    expect(deadLetters.map((d) => [d.original.offset, d.reason, d.issues])).toEqual([
      [
        "1",
        "invalid_transaction",
        [
          {
            path: "timestamp",
            message:
              'timestamp and its alias block_timestamp are both given, with different values (1714564801 and "2024-05-01T14:00:00+02:00"); send one, or the same value in both',
          },
        ],
      ],
    ]);
    await worker.stop();
  });

  it("treats a crash without restart as fatal", async () => {
    const kafka = fakeConsumer();
    let fatal: Error | undefined;
    let listeners: ConsumerListeners | undefined;
    const consumer: BatchConsumer = {
      ...kafka.consumer,
      async run(_handler, runListeners) {
        listeners = runListeners;
      },
    };
    const worker = createStreamWorker({
      consumer,
      publisher: fakePublisher().publisher,
      pipeline: createTransactionPipeline({
        scoring: createScoringService({
          models: staticModelProvider(scorer),
          cache: createCache({ store: createMemoryStore(), logger }),
        }),
        recordScored: async () => ({ transactions: 0, predictions: 0, anomalies: 0 }),
      }),
      topics,
      groupId: "g",
      logger,
      maxQueueSize: 10,
      concurrency: 1,
      onFatal: (error) => {
        fatal = error;
      },
    });
    await worker.start();
    listeners?.onCrash?.(new Error("restartable"), true);
    expect(worker.isHealthy()).toBe(true);
    listeners?.onCrash?.(new Error("broker gone"), false);
    expect(fatal?.message).toBe("broker gone");
    expect(worker.isHealthy()).toBe(false);
    await worker.stop();
  });
});

describe("dead letters", () => {
  const letter = (overrides: Partial<ConsumedMessage>) =>
    deadLetterMessage(
      { message: { ...message(0, 7), ...overrides }, reason: "invalid_json", error: "value is not JSON" },
      "g",
      new Date(),
    );
  const parse = (outgoing: OutgoingMessage) =>
    DeadLetterMessageSchema.parse(JSON.parse(String(outgoing.value)));
  /** The broker's default message.max.bytes (1 MiB + 12): a record's key, value and headers must fit. */
  const BROKER_LIMIT = 1_048_588;

  it("cut an oversized key (the ~600 KB incident) in the body and replace it by a digest as the record key", () => {
    const key = Buffer.alloc(600_000, 0x61);
    const outgoing = letter({ key });
    expect(outgoingBytes(outgoing)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    expect(outgoing.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parse(outgoing).original).toMatchObject({
      keyTruncated: true,
      keyBytes: 600_000,
      keyEncoding: "base64",
    });
    expect(Buffer.from(parse(outgoing).original.key ?? "", "base64")).toEqual(
      key.subarray(0, DEAD_LETTER_KEY_MAX_BYTES),
    );
    // At the bound exactly, the key is kept as it is (record key and body).
    const exact = letter({ key: Buffer.alloc(DEAD_LETTER_KEY_MAX_BYTES, 0x62) });
    expect(exact.key).toBe("b".repeat(DEAD_LETTER_KEY_MAX_BYTES));
    expect(parse(exact).original).toMatchObject({
      key: "b".repeat(DEAD_LETTER_KEY_MAX_BYTES),
      keyEncoding: "utf8",
    });
    expect(parse(exact).original.keyTruncated).toBeUndefined();
  });

  it("bound headers: at most 32, values cut at 1 KiB, the rest counted", () => {
    const headers = Object.fromEntries(
      Array.from({ length: 40 }, (_, index) => [`h${index}`, Buffer.alloc(50_000, 0x63)]),
    );
    const outgoing = letter({ headers });
    const { original } = parse(outgoing);
    expect(original.headers).toHaveLength(DEAD_LETTER_HEADERS_MAX);
    expect(original.headersDropped).toBe(8);
    expect(original.headers?.[0]).toMatchObject({
      name: "h0",
      valueTruncated: true,
      valueEncoding: "base64",
    });
    expect(Buffer.from(original.headers?.[0]?.value ?? "", "base64")).toHaveLength(
      DEAD_LETTER_HEADER_VALUE_MAX_BYTES,
    );
    expect(outgoingBytes(outgoing)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
  });

  it("fit the broker's limit for a message at exactly the limit, with every field oversized and escaping at its worst", () => {
    // A value of exactly 1 MiB + 12 bytes of control characters (6 bytes each as JSON text), a key and
    // headers far over their bounds, 50 long issues: still under the limit.
    const value = Buffer.alloc(BROKER_LIMIT, 0x01);
    const outgoing = deadLetterMessage(
      {
        message: {
          ...message(0, 7),
          key: Buffer.alloc(BROKER_LIMIT, 0x02),
          value,
          headers: Object.fromEntries(
            Array.from({ length: 100 }, (_, index) => [
              `${"\u0003".repeat(300)}${index}`,
              Buffer.alloc(5_000, 0x04),
            ]),
          ),
        },
        reason: "invalid_transaction",
        error: "\u0005".repeat(10_000),
        issues: Array.from({ length: 500 }, () => ({
          path: "\u0006".repeat(1_000),
          message: "\u0007".repeat(1_000),
        })),
      },
      "g",
      new Date(),
    );
    expect(outgoingBytes(outgoing)).toBeLessThanOrEqual(DEAD_LETTER_MAX_BYTES);
    expect(DEAD_LETTER_MAX_BYTES).toBeLessThan(BROKER_LIMIT - 1_024);
    const { original } = parse(outgoing);
    expect(original).toMatchObject({ valueTruncated: true, valueBytes: BROKER_LIMIT, keyTruncated: true });
    // Control characters are written as base64 (4/3), never as 6-byte JSON escapes.
    expect(original.valueEncoding).toBe("base64");
    expect(Buffer.from(original.value ?? "", "base64")).toEqual(
      value.subarray(0, DEAD_LETTER_VALUE_MAX_BYTES),
    );
  });

  it("keep the original value up to 256 KiB and mark a longer one truncated, so they always fit the broker", () => {
    const huge = "x".repeat(DEAD_LETTER_VALUE_MAX_BYTES + 10);
    const outgoing = deadLetterMessage(
      { message: message(0, 7, huge), reason: "invalid_json", error: "value is not JSON" },
      "g",
      new Date(),
    );
    const parsed = DeadLetterMessageSchema.parse(JSON.parse(String(outgoing.value)));
    expect(parsed.original).toMatchObject({
      offset: "7",
      valueEncoding: "base64",
      valueTruncated: true,
      valueBytes: DEAD_LETTER_VALUE_MAX_BYTES + 10,
    });
    expect(Buffer.from(parsed.original.value ?? "", "base64").length).toBe(DEAD_LETTER_VALUE_MAX_BYTES);
    expect(String(outgoing.value).length).toBeLessThan(400_000);
  });
});
