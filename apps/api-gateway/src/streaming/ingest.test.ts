import { decodeTransactionMessage, type TopicMessages } from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { createKafkaIngest } from "./ingest.ts";

const logger = createLogger({ name: "test", level: "silent" });

function recordingIngest() {
  const published: TopicMessages[] = [];
  const ingest = createKafkaIngest({
    publisher: {
      async publish(batches) {
        published.push(...batches);
      },
    },
    topic: "chainwatch.transactions.v1",
    ensureTopic: async () => {},
    logger,
  });
  return { ingest, published };
}

const transaction = (hash: string, from?: string) => ({
  hash,
  value: 0.5,
  gas: 21_000,
  gasPrice: 20,
  to: "0x2222222222222222222222222222222222222222",
  ...(from === undefined ? {} : { from }),
});

describe("Kafka ingest keys", () => {
  it("keys each input message by the lower-case sender, by the lower-case hash when there is none", async () => {
    const { ingest, published } = recordingIngest();
    const outcome = await ingest.ingest(
      [
        transaction(
          "0x00000000000000000000000000000000000000000000000000000000000000a1",
          "0xAbCdEf0000000000000000000000000000000001",
        ),
        transaction(
          "0x00000000000000000000000000000000000000000000000000000000000000a2",
          "0xabcdef0000000000000000000000000000000001",
        ),
        transaction("0x00000000000000000000000000000000000000000000000000000000000000A3"),
        // The original API's alias names the sender too.
        {
          ...transaction("0x00000000000000000000000000000000000000000000000000000000000000a4"),
          from_address: "0x9999999999999999999999999999999999999999",
        },
      ],
      { requestId: "req-1" },
    );
    expect(outcome.rejected).toEqual([]);
    expect(published.map((batch) => batch.topic)).toEqual(["chainwatch.transactions.v1"]);
    const messages = published.flatMap((batch) => batch.messages);
    expect(messages.map((message) => message.key)).toEqual([
      "0xabcdef0000000000000000000000000000000001",
      "0xabcdef0000000000000000000000000000000001",
      "0x00000000000000000000000000000000000000000000000000000000000000a3",
      "0x9999999999999999999999999999999999999999",
    ]);
    // Request order within the key: the sender's two transactions in the order they came.
    const hashes = messages.map((message) => {
      const decoded = decodeTransactionMessage(Buffer.from(String(message.value)));
      return decoded.ok ? decoded.message.transaction.hash : undefined;
    });
    expect(hashes).toEqual([
      "0x00000000000000000000000000000000000000000000000000000000000000a1",
      "0x00000000000000000000000000000000000000000000000000000000000000a2",
      "0x00000000000000000000000000000000000000000000000000000000000000A3",
      "0x00000000000000000000000000000000000000000000000000000000000000a4",
    ]);
  });
});
