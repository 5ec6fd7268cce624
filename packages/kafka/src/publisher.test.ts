import { createLogger } from "@chainwatch/service-kit";
import type { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import {
  createPublisher,
  isKafkaPublishRejectedError,
  isMessageRejection,
  type KafkaPublishRejectedError,
  KafkaUnavailableError,
  type OutgoingMessage,
  splitBySize,
  type TopicMessages,
} from "./publisher.ts";

const message = (bytes: number, key = "k") => ({ key, value: "x".repeat(bytes) });

describe("publisher request splitting", () => {
  it("keeps a small publish in one request", () => {
    const requests = splitBySize([{ topic: "a", messages: [message(10), message(10)] }], 1_000);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.[0]?.messages).toHaveLength(2);
  });

  it("splits a large publish into requests under the budget, in order, across topics", () => {
    const scores = Array.from({ length: 10 }, (_, i) => message(300, `s${i}`));
    const anomalies = Array.from({ length: 3 }, (_, i) => message(300, `a${i}`));
    const requests = splitBySize(
      [
        { topic: "scores", messages: scores },
        { topic: "anomalies", messages: anomalies },
      ],
      1_200,
    );
    // 373 bytes each with overhead → 3 per request.
    expect(requests.map((request) => request.flatMap((batch) => batch.messages).length)).toEqual([
      3, 3, 3, 3, 1,
    ]);
    const order = requests.flatMap((request) => request.flatMap((batch) => batch.messages.map((m) => m.key)));
    expect(order).toEqual([...scores, ...anomalies].map((m) => m.key));
    expect(requests[3]?.map((batch) => batch.topic)).toEqual(["scores", "anomalies"]);
  });

  it("sends a message larger than the budget alone", () => {
    const requests = splitBySize(
      [{ topic: "a", messages: [message(10), message(5_000), message(10)] }],
      1_000,
    );
    expect(requests.map((request) => request[0]?.messages.length)).toEqual([1, 1, 1]);
  });
});

/** A kafkajs stand-in whose sendBatch records what it wrote and fails as `failWith` decides. */
function fakeKafka(
  failWith: (messages: { key: string | null; value: string | Buffer }[]) => Error | undefined,
) {
  const written: string[] = [];
  const attempts: number[] = [];
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
      const messages = topicMessages.flatMap((batch) => batch.messages);
      attempts.push(messages.length);
      const error = failWith(messages);
      if (error) throw error;
      written.push(...messages.map((m) => String(m.key)));
    },
  };
  const kafka = { producer: () => producer } as unknown as Kafka;
  return { kafka, written, attempts };
}

/** Shaped like kafkajs's errors: the broker's type on the error or on its cause. */
function kafkaError(type: string, retriable: boolean) {
  const cause = Object.assign(new Error(`broker says ${type}`), { type, retriable });
  return Object.assign(new Error("wrapped by kafkajs"), { name: "KafkaJSNonRetriableError", cause });
}

const logger = createLogger({ name: "test", level: "silent" });

describe("publisher failures", () => {
  it("isolates a message the broker refuses for good, writes every other one once, and names it", async () => {
    const big = { key: "big", value: "x".repeat(2_000) };
    const { kafka, written } = fakeKafka((messages) =>
      messages.includes(big) ? kafkaError("MESSAGE_TOO_LARGE", false) : undefined,
    );
    const publisher = createPublisher({ kafka, logger, maxRequestBytes: 100_000 });
    const others = Array.from({ length: 5 }, (_, i) => ({ key: `m${i}`, value: "v" }));
    const error = await publisher
      .publish([{ topic: "t", messages: [others[0], big, ...others.slice(1)] as OutgoingMessage[] }])
      .catch((caught: unknown) => caught);
    expect(isKafkaPublishRejectedError(error)).toBe(true);
    const rejected = (error as KafkaPublishRejectedError).rejected;
    expect(rejected.map((entry) => [entry.topic, entry.message, entry.errorType])).toEqual([
      ["t", big, "MESSAGE_TOO_LARGE"],
    ]);
    expect(written).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("on a transient failure names only what was not acknowledged, so a retry never resends the rest", async () => {
    let failures = 1;
    const { kafka, written } = fakeKafka((messages) =>
      messages.some((m) => m.key === "m4") && failures-- > 0
        ? kafkaError("NOT_LEADER_FOR_PARTITION", true)
        : undefined,
    );
    // ~90 bytes per message with overhead: two per request.
    const publisher = createPublisher({ kafka, logger, maxRequestBytes: 200 });
    const messages = Array.from({ length: 6 }, (_, i) => ({ key: `m${i}`, value: "v" }));
    const error = (await publisher
      .publish([{ topic: "t", messages }])
      .catch((caught: unknown) => caught)) as KafkaUnavailableError;
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect(written).toEqual(["m0", "m1", "m2", "m3"]);
    expect(error.unacknowledged?.flatMap((batch) => batch.messages.map((m) => m.key))).toEqual(["m4", "m5"]);
    await publisher.publish(error.unacknowledged ?? []);
    expect(written).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("keeps a cluster-wide refusal (authorisation) transient: nothing is dropped", async () => {
    const { kafka } = fakeKafka(() => kafkaError("TOPIC_AUTHORIZATION_FAILED", false));
    const publisher = createPublisher({ kafka, logger });
    const error = await publisher
      .publish([{ topic: "t", messages: [{ key: "a", value: "v" }] }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect(isMessageRejection(kafkaError("MESSAGE_TOO_LARGE", false))).toBe(true);
    expect(isMessageRejection(kafkaError("TOPIC_AUTHORIZATION_FAILED", false))).toBe(false);
  });
});
