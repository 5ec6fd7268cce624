import {
  type AnomalyMessage,
  type ConsumedMessage,
  type DeadLetterMessage,
  type DeadLetterReason,
  decodeUtf8,
  encodeMessage,
  MESSAGE_SCHEMA_VERSION,
  type OutgoingMessage,
  type ScoreMessage,
  transactionKey,
} from "@chainwatch/kafka";
import type { ScoredItem } from "@chainwatch/scoring";

/** A message the worker could not score, with why. */
export interface DeadLetter {
  message: ConsumedMessage;
  reason: DeadLetterReason;
  error: string;
  issues?: { path: string; message: string }[];
}

const sourceOf = (message: ConsumedMessage) => ({
  topic: message.topic,
  partition: message.partition,
  offset: message.offset,
});

/**
 * Every result of a chunk shares one scoredAt Date: format it once, not per message (thousands of
 * toISOString calls per chunk otherwise).
 */
let lastScoredAt: { date: Date; time: number; iso: string } | undefined;
function scoredAtIso(date: Date | undefined): string {
  if (date === undefined) return new Date().toISOString();
  if (lastScoredAt?.date !== date || lastScoredAt.time !== date.getTime()) {
    lastScoredAt = { date, time: date.getTime(), iso: date.toISOString() };
  }
  return lastScoredAt.iso;
}

/** `partition`: the output partition when the worker sets it explicitly (co-partitioned topics). */
function outgoing(key: string | null, value: string, partition: number | undefined): OutgoingMessage {
  return partition === undefined ? { key, value } : { key, value, partition };
}

/** The fields a score and an anomaly message share, in the score message's shape. */
function scoreFields(item: ScoredItem<ConsumedMessage>): ScoreMessage {
  const { result, record } = item;
  return {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    hash: item.transaction.hash,
    modelVersion: result.modelVersion,
    isAnomaly: result.isAnomaly,
    anomalyScore: result.anomalyScore,
    severity: result.severity,
    confidence: result.confidence,
    explanation: result.explanation,
    scoredAt: scoredAtIso(record.scoredAt),
    source: sourceOf(item.ref),
  };
}

export function scoreMessage(item: ScoredItem<ConsumedMessage>, partition?: number): OutgoingMessage {
  return outgoing(transactionKey(item.transaction.hash), encodeMessage(scoreFields(item)), partition);
}

/** Anomalies are a few percent of the stream, so the one spread here costs nothing measurable. */
export function anomalyMessage(item: ScoredItem<ConsumedMessage>, partition?: number): OutgoingMessage {
  const { record, transaction } = item;
  const message: AnomalyMessage = {
    ...scoreFields(item),
    isAnomaly: true,
    transaction: {
      from: transaction.from,
      to: transaction.to,
      valueWei: transaction.valueWei.toString(),
      gas: transaction.gas.toString(),
      gasPriceWei: transaction.gasPriceWei.toString(),
      blockNumber: transaction.blockNumber,
      timestamp: transaction.timestamp,
    },
    features: record.features ?? {},
  };
  return outgoing(transactionKey(transaction.hash), encodeMessage(message), partition);
}

/**
 * Originals above this are cut in the dead letter: a near-1 MiB input would otherwise make a dead letter
 * over the broker's limit (JSON escaping, base64), refused on every retry, and the partition would stall.
 */
export const DEAD_LETTER_VALUE_MAX_BYTES = 256 * 1024;

/** The original key and value are kept exactly (UTF-8 text, or base64 when not UTF-8) so it can be replayed. */
export function deadLetterMessage(
  deadLetter: DeadLetter,
  consumerGroup: string,
  failedAt: Date,
  partition?: number,
): OutgoingMessage {
  const { message } = deadLetter;
  const original = message.value;
  const isTruncated = original !== null && original.length > DEAD_LETTER_VALUE_MAX_BYTES;
  const value = isTruncated ? original.subarray(0, DEAD_LETTER_VALUE_MAX_BYTES) : original;
  // A cut may split a UTF-8 character, so a truncated value is always base64.
  const text = value === null ? null : isTruncated ? undefined : decodeUtf8(value);
  const key = message.key === null ? null : (decodeUtf8(message.key) ?? message.key.toString("base64"));
  const payload: DeadLetterMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    reason: deadLetter.reason,
    error: deadLetter.error.slice(0, 2_000),
    ...(deadLetter.issues && deadLetter.issues.length > 0 ? { issues: deadLetter.issues.slice(0, 50) } : {}),
    original: {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key,
      value: value === null ? null : (text ?? value.toString("base64")),
      valueEncoding: text === undefined && value !== null ? "base64" : "utf8",
      ...(isTruncated ? { valueTruncated: true, valueBytes: original.length } : {}),
    },
    consumerGroup,
    failedAt: failedAt.toISOString(),
  };
  return {
    key,
    value: encodeMessage(payload),
    headers: { "dlq-reason": deadLetter.reason },
    ...(partition === undefined ? {} : { partition }),
  };
}
