/**
 * Codecs for every compression a Kafka producer may use. kafkajs ships gzip only; a record batch in any
 * other compression made it throw `KafkaJSNotImplemented: LZ4 compression not implemented` out of the
 * fetch, and the worker exited 1 on the first message of a standard Java producer with
 * `compression.type=lz4`, `snappy` or `zstd` (the Java client's own default is none, but many producers
 * set one). Registered once, when this package loads kafkajs (client.ts imports this module).
 *
 * - LZ4: `lz4-napi` (prebuilt N-API binaries, no compiler) in the LZ4 frame format, which is what the Java
 *   client writes for record batches (magic v2: a standard frame, correct header checksum).
 * - Snappy: `snappy` (prebuilt N-API) for the blocks; the Java client frames them the way snappy-java's
 *   SnappyOutputStream does ("xerial" framing), handled here. Unframed snappy (librdkafka's default) is
 *   accepted too.
 * - ZSTD: Node's own zlib (built in since Node 23.8 / 22.15).
 *
 * A batch that still cannot be decoded (a corrupt payload, a codec failure) no longer throws: the patched
 * kafkajs decoder (patches/kafkajs@2.2.4.patch) hands it over as one message with `undecodable` set, which
 * the worker dead-letters.
 */
import { promisify } from "node:util";
import { zstdCompress, zstdDecompress } from "node:zlib";
// Default import: Node's CommonJS export detection does not see these two (`Name: expression` in kafkajs's
// module.exports), so a named import works under vitest and fails under node.
import kafkajs from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";
import { compress as snappyCompress, uncompress as snappyUncompress } from "snappy";

const { CompressionCodecs, CompressionTypes } = kafkajs;
const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);

/** What kafkajs calls: compress gets its Encoder (the bytes in `.buffer`), decompress the raw bytes. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** snappy-java's stream header: 0x82 "SNAPPY" 0x00, then version and compatible version (int32 each). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function isXerialFramed(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_HEADER_BYTES && buffer.subarray(0, 8).equals(XERIAL_MAGIC);
}

/** Xerial framing: the header, then blocks of [int32 big-endian compressed length][snappy block]. */
export async function snappyDecompress(buffer: Buffer): Promise<Buffer> {
  if (!isXerialFramed(buffer)) return toBuffer(await snappyUncompress(buffer));
  const blocks: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < buffer.length) {
    if (offset + 4 > buffer.length) throw new Error("snappy: truncated xerial block length");
    const length = buffer.readInt32BE(offset);
    offset += 4;
    if (length < 0 || offset + length > buffer.length) throw new Error("snappy: truncated xerial block");
    blocks.push(toBuffer(await snappyUncompress(buffer.subarray(offset, offset + length))));
    offset += length;
  }
  return Buffer.concat(blocks);
}

/** Written in the Java client's framing, so any Kafka consumer reads what kafkajs produces. */
export async function snappyFramedCompress(buffer: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const blocks: Buffer[] = [header];
  // snappy-java's default block size.
  const blockBytes = 32 * 1024;
  for (let offset = 0; offset < buffer.length; offset += blockBytes) {
    const block = await snappyCompress(buffer.subarray(offset, offset + blockBytes));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    blocks.push(length, block);
  }
  return Buffer.concat(blocks);
}

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value) : value;
}

export const codecs: Record<"lz4" | "snappy" | "zstd", KafkaCodec> = {
  lz4: {
    compress: (encoder) => compressFrame(encoder.buffer),
    decompress: (buffer) => decompressFrame(buffer),
  },
  snappy: {
    compress: (encoder) => snappyFramedCompress(encoder.buffer),
    decompress: snappyDecompress,
  },
  zstd: {
    compress: (encoder) => zstdCompressAsync(encoder.buffer),
    decompress: (buffer) => zstdDecompressAsync(buffer),
  },
};

CompressionCodecs[CompressionTypes.LZ4] = () => codecs.lz4;
CompressionCodecs[CompressionTypes.Snappy] = () => codecs.snappy;
CompressionCodecs[CompressionTypes.ZSTD] = () => codecs.zstd;
