import { z } from "zod";

/**
 * Wire formats of the stream topics, decided once here. Every message is UTF-8 JSON with a
 * `schemaVersion`; a compatible change (a new optional field) keeps the version and readers ignore what
 * they do not know; an incompatible one gets a new version and a new topic (`*.v2`).
 *
 * Keys (issue #17, docs/decisions/0007-input-keyed-by-sender.md): the input topic is keyed by the lower-case
 * sender (`from`) address, the transaction hash when there is no valid sender (inputMessageKey), so one
 * sender's transactions share a partition and one worker scores them in order, which per-address context
 * needs. The output topics (scores, anomalies, dead letters) stay keyed by the lower-case transaction hash
 * (transactionKey), partitioned by murmur2 of it: a transaction's outputs share a partition number across
 * the output topics, but not its input's (the hash is no longer the input key).
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
 * One reason of the combined verdict (@chainwatch/context `Reason`): where it comes from, a stable code
 * (clients switch on it; new codes may appear, so readers accept any), a sentence for people, its evidence
 * in decades and the numbers behind it.
 */
export const VerdictReasonSchema = z.object({
  kind: z.enum(["model", "context", "label", "rule"]),
  code: z.string().min(1),
  message: z.string(),
  /** −log10 of how likely this is under normal behaviour; 0 for informational reasons. */
  surprise: z.number(),
  data: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  /** Muted by an allow label on its address: kept for the record, not counted in the verdict. */
  suppressed: z.literal(true).optional(),
});
export type VerdictReason = z.infer<typeof VerdictReasonSchema>;

/**
 * Scores topic: every result. At-least-once: a redelivered input produces the same message again
 * (same hash, model version and score), so consumers dedupe on (hash, modelVersion).
 *
 * `isAnomaly` is the combined verdict (model and address context: `riskScore` at or above the deployment's
 * RISK_THRESHOLD); `anomalyScore`, `severity`, `confidence` and `explanation` are the model's own fields.
 * `riskScore`, `riskLevel` and `reasons` were added in v1 (issue #17): optional, so messages written before
 * them still read; every worker since writes them.
 */
export const ScoreMessageSchema = z.object({
  schemaVersion: z.literal(MESSAGE_SCHEMA_VERSION),
  hash: Hash,
  modelVersion: z.string().min(1),
  isAnomaly: z.boolean(),
  /** In [0, 1]: how anomalous in context (the model's and the addresses' evidence together). */
  riskScore: z.number().min(0).max(1).optional(),
  riskLevel: Severity.optional(),
  /** Why, strongest first. */
  reasons: z.array(VerdictReasonSchema).optional(),
  anomalyScore: z.number().min(0).max(1),
  severity: Severity,
  confidence: z.number().min(0).max(1),
  explanation: z.array(FeatureContributionSchema),
  scoredAt: IsoDateTime,
  source: SourceOffsetSchema,
  /**
   * Present on a correction: an incident found after this transaction was scored named it (issue #17), and
   * this message's verdict supersedes the earlier one for the same (hash, modelVersion). `source` is the
   * input that triggered it. Consumers that dedupe should key on (hash, modelVersion, correction.incidentId).
   * Published at least once, after the stored verdict changed: a worker that dies between the two leaves the
   * correction pending in the store, and the redelivered trigger publishes it again (docs/model.md)
   * (the stored verdict, which lookups read, is corrected either way).
   */
  correction: z.object({ incidentId: z.string().min(1).max(64), triggerHash: Hash.nullable() }).optional(),
});
export type ScoreMessage = z.infer<typeof ScoreMessageSchema>;

/**
 * Anomalies topic: flagged results only (the combined verdict's `isAnomaly`, so a transaction the model
 * alone finds ordinary can be here for its context, and a model outlier the context explains may not),
 * with what a reviewer or alerting needs without a lookup.
 */
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
 * Retractions topic (chain follower, issue #19): a reorganisation orphaned these blocks, so their
 * transactions are no longer canonical. Their stored results are marked removed; an alert raised for them
 * should be withdrawn unless the transaction shows up again in a later block (it is then scored again).
 * Keyed by the chain id, so one chain's retractions stay in order. At-least-once: the follower sends it
 * before it records the retraction, so a crash in between sends it again.
 */
export const RetractionMessageSchema = z.object({
  schemaVersion: z.literal(MESSAGE_SCHEMA_VERSION),
  chainId: z.number().int().positive(),
  /** The newest block both chains share; everything above it on the old branch is orphaned. */
  ancestor: z.object({ number: z.number().int().min(0), hash: Hash }),
  orphanedBlocks: z.array(z.object({ number: z.number().int().min(0), hash: Hash })),
  txHashes: z.array(Hash),
  retractedAt: IsoDateTime,
});
export type RetractionMessage = z.infer<typeof RetractionMessageSchema>;

/**
 * Why a message went to the dead-letter topic:
 * - `invalid_json`: the value is empty, not UTF-8 or not JSON;
 * - `schema_invalid`: JSON, but not a TransactionMessage of a version this worker reads;
 * - `invalid_transaction`: the envelope is fine, the transaction fails validation (missing or malformed
 *   fields, out-of-range amounts); `issues` lists each field;
 * - `unscoreable`: a valid transaction the scorer or the store cannot handle;
 * - `undecodable_batch`: a whole record batch the consumer could not decode (corrupt, or a compression it
 *   cannot read); one dead letter stands for offsets `original.firstOffset`..`original.offset`, with the raw
 *   batch as its value.
 */
export const DEAD_LETTER_REASONS = [
  "invalid_json",
  "schema_invalid",
  "invalid_transaction",
  "unscoreable",
  "undecodable_batch",
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
    /** The original key: UTF-8 text (or base64, see keyEncoding), its first 1 KiB when longer. */
    key: z.string().nullable(),
    /** Absent in older dead letters: then utf8 when the key decoded as UTF-8, else base64. */
    keyEncoding: z.enum(["utf8", "base64"]).optional(),
    /** Set when the original key was longer than 1 KiB: `key` then holds its first bytes, base64. */
    keyTruncated: z.boolean().optional(),
    /** Size of the original key in bytes (set when it was cut or omitted). */
    keyBytes: z.number().int().min(0).optional(),
    /**
     * The original record headers, at most 32, values cut at 1 KiB (then base64 and `valueTruncated`);
     * `headersDropped` counts the ones left out.
     */
    headers: z
      .array(
        z.object({
          name: z.string(),
          value: z.string().nullable(),
          valueEncoding: z.enum(["utf8", "base64"]),
          valueTruncated: z.boolean().optional(),
        }),
      )
      .optional(),
    headersDropped: z.number().int().min(0).optional(),
    /** The original value exactly: UTF-8 text when it decodes as UTF-8, else base64. */
    value: z.string().nullable(),
    valueEncoding: z.enum(["utf8", "base64"]),
    /**
     * Set when even the cut fields would not fit the topic (its max.message.bytes is below the broker's
     * default): key, value and headers are left out, only the coordinates and sizes remain.
     */
    contentOmitted: z.boolean().optional(),
    /** `undecodable_batch` only: the batch's first offset (`offset` is its last). */
    firstOffset: z.string().regex(/^\d+$/).optional(),
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

/** The key of every output message about a transaction: its lower-case hash (murmur2 picks the partition). */
export function transactionKey(hash: string): string {
  return hash.toLowerCase();
}

const SENDER = /^0x[0-9a-fA-F]{40}$/;

/**
 * The key of an input-topic message: the transaction's sender, lower-case, so one sender's transactions
 * land in one partition, in the order they were published; the lower-case hash when it has no valid sender
 * (absent or malformed: validation rejects it later, but it must still be published somewhere).
 */
export function inputMessageKey(transaction: { hash: string; from?: string | null | undefined }): string {
  const { from } = transaction;
  return typeof from === "string" && SENDER.test(from)
    ? from.toLowerCase()
    : transactionKey(transaction.hash);
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

/** `source` of a bare transaction (a message that is the transaction itself, without the v1 envelope). */
export const BARE_TRANSACTION_SOURCE = "bare";

/**
 * A plain JSON object with neither `schemaVersion` nor `transaction` is a bare transaction, as producers
 * that never adopted the envelope send it (the gateway's ingest body, a transaction copied from a node's
 * RPC): it is read as that transaction with the envelope's defaults, and validated like any other. An
 * object that has either key is an envelope, and a broken one stays `schema_invalid`.
 */
function isBareTransaction(json: unknown): json is Record<string, unknown> {
  return isPlainObject(json) && !Object.hasOwn(json, "schemaVersion") && !Object.hasOwn(json, "transaction");
}

/** The broker timestamp (epoch milliseconds as a string) as ISO 8601; now when it is missing or invalid. */
function publishedAtOf(timestamp: string | undefined): string {
  const epochMs = Number(timestamp);
  return timestamp !== undefined && timestamp !== "" && Number.isFinite(epochMs) && epochMs >= 0
    ? new Date(epochMs).toISOString()
    : new Date().toISOString();
}

/**
 * The input topic's message: a v1 envelope, or a bare transaction (see isBareTransaction) which gets
 * `source: "bare"` and `publishedAt` = the message's broker `timestamp`.
 */
export function decodeTransactionMessage(
  value: Uint8Array | null,
  options: { timestamp?: string } = {},
): DecodeResult<TransactionMessage> {
  const parsed = parseJson(value);
  if (!parsed.ok) return parsed;
  const message = wellFormedTransactionMessage(parsed.json);
  if (message) return { ok: true, message };
  if (isBareTransaction(parsed.json)) {
    return {
      ok: true,
      message: {
        schemaVersion: MESSAGE_SCHEMA_VERSION,
        transaction: parsed.json,
        source: BARE_TRANSACTION_SOURCE,
        publishedAt: publishedAtOf(options.timestamp),
      },
    };
  }
  return validate(TransactionMessageSchema, parsed.json);
}
