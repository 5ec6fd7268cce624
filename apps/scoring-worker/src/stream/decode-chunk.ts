import { type ConsumedMessage, decodeTransactionMessage } from "@chainwatch/kafka";
import type { PipelineItem } from "@chainwatch/scoring";
import type { DeadLetter } from "./output-messages.ts";

const COMPRESSION_NAMES: Record<number, string> = { 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };

/**
 * A chunk's messages as pipeline items (v1 envelopes and bare transactions) and dead letters (not JSON,
 * not an envelope, or a whole record batch the consumer could not decode), in offset order.
 */
export function decodeChunk(chunk: readonly ConsumedMessage[]): {
  items: PipelineItem<ConsumedMessage>[];
  deadLetters: DeadLetter[];
} {
  const items: PipelineItem<ConsumedMessage>[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const message of chunk) {
    if (message.undecodable) {
      const { error, compression, firstOffset } = message.undecodable;
      deadLetters.push({
        message,
        reason: "undecodable_batch",
        error: `record batch at offsets ${firstOffset}..${message.offset} (${COMPRESSION_NAMES[compression] ?? `compression ${compression}`}) could not be decoded: ${error}`,
      });
      continue;
    }
    const decoded = decodeTransactionMessage(message.value, { timestamp: message.timestamp });
    if (decoded.ok)
      items.push({
        ref: message,
        payload: decoded.message.transaction,
        origin: { source: "stream", requestId: decoded.message.requestId ?? null },
      });
    else
      deadLetters.push({
        message,
        reason: decoded.reason,
        error: decoded.error,
        ...(decoded.issues ? { issues: decoded.issues } : {}),
      });
  }
  return { items, deadLetters };
}
