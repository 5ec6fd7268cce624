import { createHash } from "node:crypto";
import {
  type AnomalyMessage,
  type ConsumedMessage,
  type DeadLetterMessage,
  type DeadLetterReason,
  decodeUtf8,
  encodeMessage,
  MESSAGE_SCHEMA_VERSION,
  type MessageHeaders,
  type OutgoingMessage,
  type ScoreMessage,
  transactionKey,
} from "@chainwatch/kafka";
import type { ScoredItem } from "@chainwatch/scoring";
import type { CorrectedPrediction } from "@chainwatch/store";

/** A message the worker could not score, with why. */
export interface DeadLetter {
  message: ConsumedMessage;
  reason: DeadLetterReason;
  error: string;
  issues?: { path: string; message: string }[];
  /** The transaction's hash when the message got far enough to name a well-formed one (the record key). */
  hash?: string | null;
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

/**
 * The fields a score and an anomaly message share, in the score message's shape: the combined verdict
 * (`isAnomaly`, `riskScore`, `riskLevel`, `reasons`) and the model's own fields.
 */
function scoreFields(item: ScoredItem<ConsumedMessage>): ScoreMessage {
  const { result, record } = item;
  return {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    hash: item.transaction.hash,
    modelVersion: result.modelVersion,
    isAnomaly: result.isAnomaly,
    riskScore: result.riskScore,
    riskLevel: result.riskLevel,
    reasons: result.reasons,
    anomalyScore: result.anomalyScore,
    severity: result.severity,
    confidence: result.confidence,
    explanation: result.explanation,
    scoredAt: scoredAtIso(record.scoredAt),
    source: sourceOf(item.ref),
  };
}

/**
 * Outputs are keyed by the transaction hash and partitioned by it (murmur2), not sent to their input's
 * partition: the input is keyed by sender, so its partition says nothing about the hash's.
 */
export function scoreMessage(item: ScoredItem<ConsumedMessage>): OutgoingMessage {
  return { key: transactionKey(item.transaction.hash), value: encodeMessage(scoreFields(item)) };
}

/**
 * The anomalies topic receives the combined verdict's anomalies (`result.isAnomaly`). They are a few percent
 * of the stream, so the one spread here costs nothing measurable.
 */
export function anomalyMessage(item: ScoredItem<ConsumedMessage>): OutgoingMessage {
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
  return { key: transactionKey(transaction.hash), value: encodeMessage(message) };
}

/**
 * A stored verdict an incident changed after it was published (issue #17): the scores topic gets the
 * corrected verdict with `correction` set, and the anomalies topic too when it is now an anomaly. `source`
 * is the input message that triggered the incident (the chunk's first when the trigger is not in it).
 */
export function correctionMessages(
  corrected: readonly CorrectedPrediction[],
  /** The chunk's input messages by the hash they carried. */
  byHash: ReadonlyMap<string, ConsumedMessage>,
  first: ConsumedMessage,
  correctedAt: Date,
): { scores: OutgoingMessage[]; anomalies: OutgoingMessage[] } {
  const scores: OutgoingMessage[] = [];
  const anomalies: OutgoingMessage[] = [];
  for (const row of corrected) {
    const reason = (row.reasons as ScoreMessage["reasons"] & object).find(
      (candidate) => candidate.code === "part_of_incident",
    );
    const triggerHash = typeof reason?.data.triggerHash === "string" ? reason.data.triggerHash : null;
    const trigger = (triggerHash !== null ? byHash.get(triggerHash) : undefined) ?? first;
    const message: ScoreMessage = {
      schemaVersion: MESSAGE_SCHEMA_VERSION,
      hash: row.hash,
      modelVersion: row.modelVersion,
      isAnomaly: row.isAnomaly,
      riskScore: row.riskScore,
      riskLevel: row.riskLevel as ScoreMessage["severity"],
      reasons: row.reasons as ScoreMessage["reasons"] & object,
      anomalyScore: row.anomalyScore,
      severity: row.severity as ScoreMessage["severity"],
      confidence: row.confidence,
      explanation: row.explanation as ScoreMessage["explanation"],
      scoredAt: scoredAtIso(correctedAt),
      source: sourceOf(trigger),
      correction: { incidentId: row.incidentId, triggerHash },
    };
    scores.push({ key: transactionKey(row.hash), value: encodeMessage(message) });
    if (row.isAnomaly) {
      const anomaly: AnomalyMessage = {
        ...message,
        isAnomaly: true,
        transaction: row.transaction,
        features: row.features,
      };
      anomalies.push({ key: transactionKey(row.hash), value: encodeMessage(anomaly) });
    }
  }
  return { scores, anomalies };
}

/**
 * Bounds of every field copied from the original into a dead letter. Incident: a transaction message with a
 * ~600 KB key made a dead letter over the broker's 1 MiB limit (the key was copied unbounded into the record
 * key and into `original.key`; only the value was cut), the broker refused it (MESSAGE_TOO_LARGE) on every
 * retry and the partition stopped. With these bounds a dead letter is at most ~0.75 MiB whatever the input
 * (JSON escaping included: a field is base64 whenever its escaped text would be longer), and
 * DEAD_LETTER_MAX_BYTES is checked on the encoded result anyway.
 */
export const DEAD_LETTER_VALUE_MAX_BYTES = 256 * 1024;
export const DEAD_LETTER_KEY_MAX_BYTES = 1024;
export const DEAD_LETTER_HEADERS_MAX = 32;
export const DEAD_LETTER_HEADER_NAME_MAX_CHARS = 256;
export const DEAD_LETTER_HEADER_VALUE_MAX_BYTES = 1024;
const ISSUES_MAX = 50;
const ISSUE_PATH_MAX_CHARS = 256;
const ISSUE_MESSAGE_MAX_CHARS = 512;
/**
 * Record key, value and headers of a dead letter together; below the broker's default message.max.bytes
 * (1 MiB + 12) with room for the record overhead. Past it (only possible if the bounds above change), the
 * content is omitted.
 */
export const DEAD_LETTER_MAX_BYTES = 900 * 1024;

type Encoded = { text: string | null; encoding: "utf8" | "base64"; isTruncated: boolean; bytes: number };

/**
 * Bytes as UTF-8 text when they are UTF-8 and not cut, else base64 (a cut may split a character); also
 * base64 when the text's JSON escaping (control characters: 6 bytes each) would make it the longer one.
 */
function encodeBytes(bytes: Buffer | null, maxBytes: number): Encoded {
  if (bytes === null) return { text: null, encoding: "utf8", isTruncated: false, bytes: 0 };
  const isTruncated = bytes.length > maxBytes;
  const kept = isTruncated ? bytes.subarray(0, maxBytes) : bytes;
  const base64 = () => ({
    text: kept.toString("base64"),
    encoding: "base64" as const,
    isTruncated,
    bytes: bytes.length,
  });
  if (isTruncated) return base64();
  const text = decodeUtf8(kept);
  if (text === undefined || JSON.stringify(text).length - 2 > Math.ceil(kept.length / 3) * 4) return base64();
  return { text, encoding: "utf8", isTruncated: false, bytes: bytes.length };
}

function headerEntries(headers: MessageHeaders | undefined) {
  const all = Object.entries(headers ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item) => ({ name, value: item })),
  );
  const kept = all.slice(0, DEAD_LETTER_HEADERS_MAX).map(({ name, value }) => {
    const encoded = encodeBytes(
      value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
      DEAD_LETTER_HEADER_VALUE_MAX_BYTES,
    );
    return {
      name: name.slice(0, DEAD_LETTER_HEADER_NAME_MAX_CHARS),
      value: encoded.text,
      valueEncoding: encoded.encoding,
      ...(encoded.isTruncated ? { valueTruncated: true } : {}),
    };
  });
  return { kept, dropped: all.length - kept.length };
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * The record key of a dead letter: like every output, the lower-case transaction hash when the message
 * names a well-formed one (invalid_transaction, unscoreable). Otherwise (not JSON, not an envelope, an
 * undecodable batch) the original key when it is short UTF-8 (the sender or hash the producer chose), else
 * a digest of it (same key → same partition, bounded size). `original.key` always holds the input's key.
 */
function deadLetterKey(key: Buffer | null, hash: string | null | undefined): string | null {
  if (typeof hash === "string" && HASH.test(hash)) return transactionKey(hash);
  if (key === null) return null;
  const text = key.length <= DEAD_LETTER_KEY_MAX_BYTES ? decodeUtf8(key) : undefined;
  return text ?? `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/**
 * The dead letter of a message: why, and the original's coordinates, key, headers and value, each bounded
 * (see the limits above) so the dead letter always fits the broker's limit and can be replayed when it was
 * not cut. `omitContent` leaves key, value and headers out (a topic whose max.message.bytes refused the full
 * dead letter).
 */
export function deadLetterMessage(
  deadLetter: DeadLetter,
  consumerGroup: string,
  failedAt: Date,
  omitContent = false,
): OutgoingMessage {
  const { message } = deadLetter;
  const valueBytes = message.value?.length ?? 0;
  const keyBytes = message.key?.length ?? 0;
  const coordinates = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    ...(message.undecodable ? { firstOffset: message.undecodable.firstOffset } : {}),
  };
  const original: DeadLetterMessage["original"] = omitContent
    ? {
        ...coordinates,
        key: null,
        value: null,
        valueEncoding: "utf8",
        contentOmitted: true,
        keyBytes,
        valueBytes,
      }
    : (() => {
        const key = encodeBytes(message.key, DEAD_LETTER_KEY_MAX_BYTES);
        const value = encodeBytes(message.value, DEAD_LETTER_VALUE_MAX_BYTES);
        const headers = headerEntries(message.headers);
        return {
          ...coordinates,
          key: key.text,
          ...(key.text === null ? {} : { keyEncoding: key.encoding }),
          ...(key.isTruncated ? { keyTruncated: true, keyBytes } : {}),
          ...(headers.kept.length > 0 ? { headers: headers.kept } : {}),
          ...(headers.dropped > 0 ? { headersDropped: headers.dropped } : {}),
          value: value.text,
          valueEncoding: value.encoding,
          ...(value.isTruncated ? { valueTruncated: true, valueBytes } : {}),
        };
      })();
  const payload: DeadLetterMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    reason: deadLetter.reason,
    error: deadLetter.error.slice(0, omitContent ? 500 : 2_000),
    ...(!omitContent && deadLetter.issues && deadLetter.issues.length > 0
      ? {
          issues: deadLetter.issues.slice(0, ISSUES_MAX).map((issue) => ({
            path: issue.path.slice(0, ISSUE_PATH_MAX_CHARS),
            message: issue.message.slice(0, ISSUE_MESSAGE_MAX_CHARS),
          })),
        }
      : {}),
    original,
    consumerGroup: consumerGroup.slice(0, 256),
    failedAt: failedAt.toISOString(),
  };
  const outgoing: OutgoingMessage = {
    key: deadLetterKey(message.key, deadLetter.hash),
    value: encodeMessage(payload),
    headers: { "dlq-reason": deadLetter.reason },
  };
  if (!omitContent && outgoingBytes(outgoing) > DEAD_LETTER_MAX_BYTES) {
    return deadLetterMessage(deadLetter, consumerGroup, failedAt, true);
  }
  return outgoing;
}

/** Key, value and header bytes of an outgoing message (what the broker's size limit counts, less overhead). */
export function outgoingBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.value) + (message.key === null ? 0 : Buffer.byteLength(message.key));
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}
