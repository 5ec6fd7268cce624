import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it, vi } from "vitest";
import { codecs } from "./compression-codecs.ts";
import "./client.ts";

/**
 * What patches/kafkajs@2.2.4.patch changes in kafkajs, checked on the installed kafkajs itself: if the patch
 * is not applied (a kafkajs upgrade, an install without it), these fail.
 */
const require = createRequire(import.meta.url);
const crc32C = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C.js") as (buffer: Buffer) => number;
const groupMessagesPerPartition = require("kafkajs/src/producer/groupMessagesPerPartition.js") as <M>(args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { message: M }) => number;
}) => Record<number, M[]>;
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (
  options: Record<string, unknown>,
) => {
  scheduleCheckPendingRequests(): void;
  throttleCheckTimeoutId: unknown;
  throttledUntil: number;
  pending: unknown[];
  destroy(): void;
};
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as {
  RecordBatch: (args: {
    compression: number;
    records: unknown[];
    firstOffset: unknown;
    firstTimestamp: number;
    maxTimestamp: number;
    lastOffsetDelta: number;
  }) => Promise<{ buffer: Buffer }>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (args: {
  key: Buffer;
  value: Buffer;
  offsetDelta: number;
}) => unknown;
const Long = require("kafkajs/src/utils/long.js") as { fromValue(value: string): unknown };

/** A record batch as a broker returns it (first offset, length, header, records) in `compression`. */
function encodeBatch(compression: number, values: string[], firstOffset: string) {
  return RecordBatch({
    compression,
    records: values.map((value, index) =>
      Record({ key: Buffer.from(`k${index}`), value: Buffer.from(value), offsetDelta: index }),
    ),
    firstOffset: Long.fromValue(firstOffset),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_001,
    lastOffsetDelta: values.length - 1,
  });
}
const RecordBatchDecoder = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (
  decoder: unknown,
) => Promise<{ records: Record<string, unknown>[] }>;
const Decoder = require("kafkajs/src/protocol/decoder.js") as new (buffer: Buffer) => unknown;
const { Codecs, Types } = require("kafkajs/src/protocol/message/compression/index.js") as {
  Codecs: Record<number, () => unknown>;
  Types: Record<string, number>;
};

/** The byte-at-a-time CRC-32C kafkajs ships, written out as the reference. */
function referenceCrc32c(buffer: Uint8Array): number {
  let crc = -1;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ -1) >>> 0;
}

const noopLogger = { debug() {}, info() {}, warn() {}, error() {} };

describe("kafkajs patch", () => {
  it("computes CRC-32C sliced by 8, exactly: the check value, every length around the stride, views", () => {
    expect(crc32C(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (let length = 1; length <= 40; length++) {
      const bytes = randomBytes(length);
      expect(crc32C(bytes), `length ${length}`).toBe(referenceCrc32c(bytes));
    }
    const large = randomBytes(100_003);
    expect(crc32C(large)).toBe(referenceCrc32c(large));
    expect(crc32C(large.subarray(5, 4_005))).toBe(referenceCrc32c(large.subarray(5, 4_005)));
    // The patched body, not upstream's: upstream's loop has no 8-byte stride.
    expect(String(crc32C)).toContain("whole");
  });

  it("encodes records into unzeroed buffers, and no stale byte of them reaches the encoded batch", async () => {
    const values = ["a", "b".repeat(700), "", "é".repeat(300)];
    // Garbage in Node's buffer pool, two different kinds: a byte of it in the output would make them differ.
    const encodeAfter = async (garbage: number) => {
      for (let n = 0; n < 64; n++) Buffer.allocUnsafe(512).fill(garbage);
      return (await encodeBatch(0, values, "41")).buffer;
    };
    const zeroFills = vi.spyOn(Buffer, "alloc");
    const first = await encodeAfter(0xab);
    expect(zeroFills).not.toHaveBeenCalled();
    zeroFills.mockRestore();
    const second = await encodeAfter(0x5c);
    expect(Buffer.compare(first, second)).toBe(0);
    const decoded = await RecordBatchDecoder(new Decoder(first));
    expect(decoded.records.map((record) => String(record.value))).toEqual(values);
    expect(decoded.records.map((record) => String(record.key))).toEqual(["k0", "k1", "k2", "k3"]);
  });

  it("groups messages per partition in input order, in linear time", () => {
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
    expect(String(groupMessagesPerPartition)).not.toContain("...current");
  });

  it("schedules no timer for an empty request queue (no TimeoutNegativeWarning, no 1 ms loop)", () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const queue = new RequestQueue({
      instrumentationEmitter: { emit() {} },
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: "test",
      broker: "b:9092",
      logger: { namespace: () => noopLogger },
      isConnected: () => true,
    });
    try {
      // Unpatched: setTimeout(fn, -1 - Date.now()) here, a warning on Node 24, and a timer re-arming forever.
      queue.scheduleCheckPendingRequests();
      expect(queue.throttleCheckTimeoutId ?? null).toBeNull();
      expect(setTimeoutSpy.mock.calls.filter(([, delay]) => typeof delay === "number" && delay < 1)).toEqual(
        [],
      );
      // Something pending while throttled: checked when the throttle ends.
      queue.pending.push({});
      queue.throttledUntil = Date.now() + 50;
      queue.scheduleCheckPendingRequests();
      expect(queue.throttleCheckTimeoutId).not.toBeNull();
      const delay = setTimeoutSpy.mock.calls.at(-1)?.[1];
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(50);
    } finally {
      queue.pending.length = 0;
      queue.destroy();
      setTimeoutSpy.mockRestore();
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutNegativeWarning");
  });

  it("decodes an LZ4, Snappy and ZSTD record batch with the registered codecs", async () => {
    for (const type of [Types.LZ4, Types.Snappy, Types.ZSTD, Types.GZIP]) {
      const values = Array.from({ length: 50 }, (_, index) => `{"n":${index},"pad":"${"x".repeat(100)}"}`);
      const { buffer } = await encodeBatch(type as number, values, "100");
      const decoded = await RecordBatchDecoder(new Decoder(buffer));
      expect(decoded.records, `compression ${type}`).toHaveLength(50);
      expect(String(decoded.records[49]?.value)).toBe(values[49]);
      expect(decoded.records[49]?.offset).toBe("149");
      expect(decoded.records[0]?.undecodableBatch).toBeUndefined();
    }
  });

  it("turns a batch it cannot decode into one marked record at the batch's last offset, instead of throwing", async () => {
    const { buffer } = await encodeBatch(Types.LZ4 as number, ["v0", "v1", "v2", "v3", "v4"], "10");
    const original = Codecs[Types.LZ4 as number];
    Codecs[Types.LZ4 as number] = () => ({
      decompress: async () => {
        throw new Error("corrupt frame");
      },
    });
    try {
      const decoded = await RecordBatchDecoder(new Decoder(buffer));
      expect(decoded.records).toHaveLength(1);
      expect(decoded.records[0]).toMatchObject({
        offset: "14",
        key: null,
        timestamp: "1700000000001",
        undecodableBatch: { error: "Error: corrupt frame", compression: 3, firstOffset: "10" },
      });
      expect(Buffer.isBuffer(decoded.records[0]?.value)).toBe(true);
    } finally {
      Codecs[Types.LZ4 as number] = original as () => unknown;
    }
    expect(Codecs[Types.LZ4 as number]?.()).toBe(codecs.lz4);
  });
});
