/**
 * Faster drop-in replacements for two pure kafkajs 2.2.x internals on the produce path, installed in
 * Node's module cache before kafkajs first requires them. Measured in the scoring worker (which publishes
 * one to two output messages per input transaction), where they were ~7 % of its CPU:
 *
 * - `protocol/recordBatch/crc32C/crc32C.js`: CRC-32C of every record batch, one table lookup per byte
 *   (~350-400 MB/s here); sliced by 8 bytes below (~850-900 MB/s), same result.
 * - `producer/groupMessagesPerPartition.js`: copies the partition's array for every message
 *   (`[...current, message]`), quadratic in the messages per call; appended in place below, same result.
 *
 * Both are pure functions with a fixed contract (bytes → unsigned 32-bit checksum; messages → arrays per
 * partition in input order), checked against reference implementations in kafkajs-fast-paths.test.ts. If
 * kafkajs moves them (an upgrade) or was loaded before this module, nothing is installed and kafkajs keeps
 * its own: slower, never wrong. Every module of this package that loads kafkajs imports this one first.
 */
import { createRequire, Module } from "node:module";

const require = createRequire(import.meta.url);

const CRC32C_POLYNOMIAL = 0x82f63b78;
/** 8 tables of 256: table k maps a byte to its CRC contribution k bytes further on. */
const CRC_TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ CRC32C_POLYNOMIAL : crc >>> 1;
    tables[byte] = crc;
  }
  for (let byte = 0; byte < 256; byte++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[(k - 1) * 256 + byte] as number;
      tables[k * 256 + byte] = (previous >>> 8) ^ (tables[previous & 0xff] as number);
    }
  }
  return tables;
})();

/** CRC-32C (Castagnoli) of the bytes, as an unsigned 32-bit integer (what kafkajs's crc32C.js returns). */
export function crc32c(buffer: Uint8Array): number {
  const t = CRC_TABLES;
  const length = buffer.length;
  const whole = length - (length & 7);
  let crc = -1;
  let i = 0;
  for (; i < whole; i += 8) {
    const low =
      crc ^
      ((buffer[i] as number) |
        ((buffer[i + 1] as number) << 8) |
        ((buffer[i + 2] as number) << 16) |
        ((buffer[i + 3] as number) << 24));
    crc =
      (t[1792 + (low & 0xff)] as number) ^
      (t[1536 + ((low >>> 8) & 0xff)] as number) ^
      (t[1280 + ((low >>> 16) & 0xff)] as number) ^
      (t[1024 + (low >>> 24)] as number) ^
      (t[768 + (buffer[i + 4] as number)] as number) ^
      (t[512 + (buffer[i + 5] as number)] as number) ^
      (t[256 + (buffer[i + 6] as number)] as number) ^
      (t[buffer[i + 7] as number] as number);
  }
  for (; i < length; i++) crc = (t[(crc ^ (buffer[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

interface GroupArgs<Message> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly Message[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: Message }) => number;
}

/** The messages of one topic by the partition the partitioner picks, input order kept in each. */
export function groupMessagesPerPartition<Message>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs<Message>): Record<number, Message[]> {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list) list.push(message);
    else result[partition] = [message];
  }
  return result;
}

const REPLACEMENTS: Record<string, unknown> = {
  "kafkajs/src/protocol/recordBatch/crc32C/crc32C.js": crc32c,
  "kafkajs/src/producer/groupMessagesPerPartition.js": groupMessagesPerPartition,
};

/** Which replacements are in place (kafkajs will use ours), by kafkajs module path. */
export const installedFastPaths: string[] = [];

for (const [specifier, implementation] of Object.entries(REPLACEMENTS)) {
  let filename: string;
  try {
    filename = require.resolve(specifier);
  } catch {
    continue;
  }
  const cached = require.cache[filename];
  if (cached) {
    if (cached.exports === implementation) installedFastPaths.push(specifier);
    continue;
  }
  const stub = new Module(filename);
  stub.filename = filename;
  stub.exports = implementation;
  stub.loaded = true;
  require.cache[filename] = stub;
  installedFastPaths.push(specifier);
}
