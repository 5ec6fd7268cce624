import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { crc32c, groupMessagesPerPartition, installedFastPaths } from "./kafkajs-fast-paths.ts";
import "./client.ts";

const require = createRequire(import.meta.url);

/** The byte-at-a-time CRC-32C kafkajs ships, written out as the reference. */
function referenceCrc32c(buffer: Uint8Array): number {
  let crc = -1;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ -1) >>> 0;
}

describe("kafkajs fast paths", () => {
  it("computes CRC-32C exactly: the standard check value, every length around the 8-byte stride, large buffers", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (let length = 1; length <= 40; length++) {
      const bytes = randomBytes(length);
      expect(crc32c(bytes), `length ${length}`).toBe(referenceCrc32c(bytes));
    }
    const large = randomBytes(100_003);
    expect(crc32c(large)).toBe(referenceCrc32c(large));
    // A view into a larger buffer (kafkajs passes slices) reads only its own bytes.
    expect(crc32c(large.subarray(5, 4_005))).toBe(referenceCrc32c(large.subarray(5, 4_005)));
  });

  it("groups messages per partition in input order, and nothing without partition metadata", () => {
    const messages = Array.from({ length: 1_000 }, (_, index) => ({ index, partition: (index * 7) % 3 }));
    const partitioner = ({ message }: { message: { partition: number } }) => message.partition;
    const grouped = groupMessagesPerPartition({ topic: "t", partitionMetadata: [{}], messages, partitioner });
    expect(Object.keys(grouped).sort()).toEqual(["0", "1", "2"]);
    for (const partition of [0, 1, 2]) {
      expect(grouped[partition]).toEqual(messages.filter((message) => message.partition === partition));
    }
    expect(groupMessagesPerPartition({ topic: "t", partitionMetadata: [], messages, partitioner })).toEqual(
      {},
    );
  });

  it("is what kafkajs uses once this package is loaded", () => {
    expect(installedFastPaths).toHaveLength(2);
    expect(require("kafkajs/src/protocol/recordBatch/crc32C/crc32C.js")).toBe(crc32c);
    expect(require("kafkajs/src/producer/groupMessagesPerPartition.js")).toBe(groupMessagesPerPartition);
    // kafkajs's own wrapper (what record batches call) goes through ours.
    expect(require("kafkajs/src/protocol/recordBatch/crc32C/index.js")(Buffer.from("123456789"))).toBe(
      0xe3069283,
    );
  });
});
