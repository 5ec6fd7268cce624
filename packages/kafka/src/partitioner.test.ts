import { randomBytes } from "node:crypto";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { keyPartitioner, murmur2 } from "./partitioner.ts";

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));

describe("key partitioner", () => {
  it("picks the partition kafkajs's DefaultPartitioner (the Java client's murmur2) picks, for every key", () => {
    const reference = Partitioners.DefaultPartitioner();
    const fast = keyPartitioner();
    const keys: (string | Buffer)[] = [
      "",
      "a",
      "ab",
      "abc",
      "abcd",
      "é",
      "日本語のキー",
      "emoji 🙂 key",
      `0x${"AB".repeat(20)}`,
      ...Array.from({ length: 2_000 }, (_, index) =>
        `0x${randomBytes(32).toString("hex")}`.slice(0, 2 + index),
      ),
      ...Array.from({ length: 500 }, (_, index) =>
        `0x${randomBytes(20).toString("hex")}`.slice(0, 42 - (index % 5)),
      ),
      ...Array.from({ length: 200 }, (_, index) => randomBytes(index % 70)),
    ];
    let compared = 0;
    for (const partitions of [1, 2, 3, 6, 7, 12, 64]) {
      const partitionMetadata = metadata(partitions);
      for (const key of keys) {
        const args = { topic: "t", partitionMetadata, message: { key, value: "" } };
        expect(fast(args), `${String(key)} over ${partitions}`).toBe(reference(args));
        compared++;
      }
    }
    expect(compared).toBe(7 * keys.length);
  });

  it("matches the Java client's murmur2 on known values", () => {
    // From Kafka's UtilsTest.testMurmur2 (the expected hashes the Java client is tested with).
    expect(murmur2("21")).toBe(-973932308);
    expect(murmur2("foobar")).toBe(-790332482);
    expect(murmur2("a-little-bit-long-string")).toBe(-985981536);
    expect(murmur2("a-little-bit-longer-string")).toBe(-1486304829);
    expect(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it("keeps an explicit partition and spreads keyless messages like kafkajs", () => {
    const fast = keyPartitioner();
    const partitionMetadata = metadata(6);
    expect(fast({ topic: "t", partitionMetadata, message: { key: "k", value: "", partition: 4 } })).toBe(4);
    const keyless = Array.from({ length: 12 }, () =>
      fast({ topic: "t", partitionMetadata, message: { key: null, value: "" } }),
    );
    expect(new Set(keyless).size).toBe(6);
  });
});
