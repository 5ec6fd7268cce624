import { z } from "zod";

/**
 * Wire formats of the stream topics, decided once here. Every message is UTF-8 JSON with a
 * `schemaVersion`; a compatible change (a new optional field) keeps the version and readers ignore what
 * they do not know; an incompatible one gets a new version and a new topic (`*.v2`). Every message is
 * keyed by the lower-case transaction hash, so all messages about one transaction land in the same
 * partition number of every topic (the topics are created with the same partition count).
 */
export const MESSAGE_SCHEMA_VERSION = 1;

const Hash = z.string().regex(/^0x[0-9a-f]{64}$/, "lower-case 0x + 64 hex");
const IsoDateTime = z.iso.datetime({ offset: true });
const Severity = z.enum(["low", "medium", "high", "critical"]);

/** Input topic. The transaction is the object a client sent (simple or JSON-RPC shape), validated by the worker. */
export const TransactionMessageSchema = z.object({
  schemaVersion: z.literal(MESSAGE_SCHEMA_VERSION),
  transaction: z.record(z.string(), z.unknown()),
  /** Who published it: "api", "replay", or another producer's name. */
  source: z.string().min(1).max(64),
  /** When the producer accepted it. */
  publishedAt: IsoDateTime,
  /** The gateway request that accepted it, for tracing. */
  requestId: z.string().max(128).optional(),
});
export type TransactionMessage = z.infer<typeof TransactionMessageSchema>;

export const FeatureContributionSchema = z.object({
  feature: z.string(),
  value: z.number(),
  contribution: z.number(),
  direction: z.enum(["high", "low"]).optional(),
  reason: z.string(),
});

/** Where a result came from in the input topic; lets consumers trace and order results. */
export const SourceOffsetSchema = z.object({
  topic: z.string(),
  partition: z.number().int().min(0),
  offset: z.string().regex(/^\d+$/),
});
export type SourceOffset = z.infer<typeof SourceOffsetSchema>;

/**
 * Scores topic: every result. At-least-once: a redelivered input produces the same message again
 * (same hash, model version and score), so consumers dedupe on (hash, modelVersion).
 */
export const ScoreMessageSchema = z.object({
  schemaVersion: z.literal(MESSAGE_SCHEMA_VERSION),
  hash: Hash,
  modelVersion: z.string().min(1),
  isAnomaly: z.boolean(),
  anomalyScore: z.number().min(0).max(1),
  severity: Severity,
  confidence: z.number().min(0).max(1),
  explanation: z.array(FeatureContributionSchema),
  scoredAt: IsoDateTime,
  source: SourceOffsetSchema,
});
export type ScoreMessage = z.infer<typeof ScoreMessageSchema>;

/** Anomalies topic: flagged results only, with what a reviewer or alerting needs without a lookup. */
export const AnomalyMessageSchema = ScoreMessageSchema.extend({
  isAnomaly: z.literal(true),
  transaction: z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    /** Amounts in wei as decimal strings (JSON has no bigint). */
    valueWei: z.string().regex(/^\d+$/),
    gas: z.string().regex(/^\d+$/),
    gasPriceWei: z.string().regex(/^\d+$/),
    blockNumber: z.number().int().nullable(),
    timestamp: z.number().int().nullable(),
  }),
  features: z.record(z.string(), z.number()),
});
export type AnomalyMessage = z.infer<typeof AnomalyMessageSchema>;

/**
 * Why a message went to the dead-letter topic:
 * - `invalid_json`: the value is empty, not UTF-8 or not JSON;
 * - `schema_invalid`: JSON, but not a TransactionMessage of a version this worker reads;
 * - `invalid_transaction`: the envelope is fine, the transaction fails validation (missing or malformed
 *   fields, out-of-range amounts); `issues` lists each field;
 * - `unscoreable`: a valid transaction the scorer or the store cannot handle.
 */
export const DEAD_LETTER_REASONS = [
  "invalid_json",
  "schema_invalid",
  "invalid_transaction",
  "unscoreable",
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const DeadLetterMessageSchema = z.object({
  schemaVersion: z.literal(MESSAGE_SCHEMA_VERSION),
  reason: z.enum(DEAD_LETTER_REASONS),
  /** Human-readable summary, at most 2000 characters. */
  error: z.string().max(2_000),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  original: z.object({
    topic: z.string(),
    partition: z.number().int().min(0),
    offset: z.string().regex(/^\d+$/),
    /** Broker timestamp of the original message (epoch milliseconds as a string, as Kafka reports it). */
    timestamp: z.string(),
    key: z.string().nullable(),
    /** The original value exactly: UTF-8 text when it decodes as UTF-8, else base64. */
    value: z.string().nullable(),
    valueEncoding: z.enum(["utf8", "base64"]),
    /**
     * Set when the original was larger than the dead-letter cap (256 KiB): `value` then holds its first
     * bytes only, so the dead letter itself always fits under the broker's message size limit.
     */
    valueTruncated: z.boolean().optional(),
    /** Size of the original value in bytes. */
    valueBytes: z.number().int().min(0).optional(),
  }),
  consumerGroup: z.string(),
  failedAt: IsoDateTime,
});
export type DeadLetterMessage = z.infer<typeof DeadLetterMessageSchema>;

/** The key of every message about a transaction: its lower-case hash (Kafka's murmur2 picks the partition). */
export function transactionKey(hash: string): string {
  return hash.toLowerCase();
}

export function encodeMessage(message: object): string {
  return JSON.stringify(message);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The value as UTF-8 text, or undefined if it is not valid UTF-8. */
export function decodeUtf8(value: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(value);
  } catch {
    return undefined;
  }
}

export type DecodeResult<T> =
  | { ok: true; message: T }
  | {
      ok: false;
      reason: Extract<DeadLetterReason, "invalid_json" | "schema_invalid">;
      error: string;
      issues?: { path: string; message: string }[];
    };

type Failure = Extract<DecodeResult<never>, { ok: false }>;

/** UTF-8 JSON of a message value, or the dead-letter failure (`invalid_json`) if it is not that. */
function parseJson(value: Uint8Array | null): { ok: true; json: unknown } | Failure {
  if (value === null || value.length === 0)
    return { ok: false, reason: "invalid_json", error: "empty value" };
  const text = decodeUtf8(value);
  if (text === undefined) return { ok: false, reason: "invalid_json", error: "value is not valid UTF-8" };
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      reason: "invalid_json",
      error: `value is not JSON: ${(error as Error).message}`.slice(0, 500),
    };
  }
}

function validate<TSchema extends z.ZodType>(schema: TSchema, json: unknown): DecodeResult<z.infer<TSchema>> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "(root)",
      message: issue.message,
    }));
    return {
      ok: false,
      reason: "schema_invalid",
      error: `not a v${MESSAGE_SCHEMA_VERSION} message: ${issues
        .slice(0, 5)
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join("; ")}`.slice(0, 2_000),
      issues,
    };
  }
  return { ok: true, message: parsed.data };
}

/** Parses one message value with a schema; failures are values with a dead-letter reason, never throws. */
export function decodeMessage<TSchema extends z.ZodType>(
  schema: TSchema,
  value: Uint8Array | null,
): DecodeResult<z.infer<TSchema>> {
  const parsed = parseJson(value);
  return parsed.ok ? validate(schema, parsed.json) : parsed;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  // JSON.parse makes "__proto__" an own key; zod's copy would treat it differently, so zod decides.
  !Object.hasOwn(value, "__proto__");

/** The last publishedAt that passed the schema: a producer's batch shares one, so most checks are a compare. */
let lastValidPublishedAt = "";

/**
 * TransactionMessageSchema's checks written out for the well-formed case, which is every message but
 * poison: the scoring worker decodes each input, and zod's generic walk (a copy of the transaction object
 * key by key) was a visible part of its CPU. It accepts a subset of what the schema accepts and returns
 * what the schema would (unknown envelope keys dropped); anything else goes to the schema, which decides
 * and explains.
 */
function wellFormedTransactionMessage(json: unknown): TransactionMessage | undefined {
  if (!isPlainObject(json)) return undefined;
  const { schemaVersion, transaction, source, publishedAt, requestId } = json;
  if (schemaVersion !== MESSAGE_SCHEMA_VERSION || !isPlainObject(transaction)) return undefined;
  if (typeof source !== "string" || source.length < 1 || source.length > 64) return undefined;
  if (requestId !== undefined && (typeof requestId !== "string" || requestId.length > 128)) return undefined;
  if (typeof publishedAt !== "string") return undefined;
  if (publishedAt !== lastValidPublishedAt) {
    if (!IsoDateTime.safeParse(publishedAt).success) return undefined;
    lastValidPublishedAt = publishedAt;
  }
  return requestId === undefined
    ? { schemaVersion, transaction, source, publishedAt }
    : { schemaVersion, transaction, source, publishedAt, requestId };
}

export function decodeTransactionMessage(value: Uint8Array | null): DecodeResult<TransactionMessage> {
  const parsed = parseJson(value);
  if (!parsed.ok) return parsed;
  const message = wellFormedTransactionMessage(parsed.json);
  return message ? { ok: true, message } : validate(TransactionMessageSchema, parsed.json);
}
