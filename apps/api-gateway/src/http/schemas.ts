import { TransactionInputSchema } from "@chainwatch/model";
import { z } from "zod";

/**
 * Request and response shapes of the API. Requests are validated with these; responses are documented
 * with them (GET /openapi.json), so the document cannot drift from the code.
 */
export const ErrorBodySchema = z
  .object({
    code: z.string().describe("Stable machine-readable error code, e.g. VALIDATION_ERROR"),
    message: z.string(),
    requestId: z.string().describe("Also sent as the X-Request-Id header"),
    details: z.unknown().optional(),
  })
  .meta({ id: "ErrorBody" });

export const FeatureContributionSchema = z
  .object({
    feature: z.string(),
    value: z.number(),
    contribution: z.number(),
    direction: z.enum(["high", "low"]).optional(),
    reason: z.string(),
  })
  .meta({ id: "FeatureContribution" });

export const ScoreResultSchema = z
  .object({
    hash: z.string(),
    isAnomaly: z.boolean(),
    anomalyScore: z.number().min(0).max(1),
    severity: z.enum(["low", "medium", "high", "critical"]),
    confidence: z.number().min(0).max(1),
    explanation: z.array(FeatureContributionSchema),
    modelVersion: z.string(),
    cached: z.boolean(),
  })
  .meta({ id: "ScoreResult" });

export const ItemErrorSchema = z
  .object({
    index: z.number().int(),
    hash: z.string().nullable(),
    error: z.object({
      code: z.literal("VALIDATION_ERROR"),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: "BatchItemError" });

export function batchPredictRequestSchema(maxItems: number) {
  return z
    .strictObject({
      transactions: z
        .array(z.unknown())
        .min(1, "transactions must hold at least 1 item")
        .max(maxItems, `transactions may hold at most ${maxItems} items`),
    })
    .meta({ id: "BatchPredictRequest" });
}

export const BatchPredictResponseSchema = z
  .object({
    totalProcessed: z.number().int().describe("Items that were scored (valid items)"),
    totalAnomalies: z.number().int(),
    totalErrors: z.number().int().describe("Items rejected by validation; their results entry is an error"),
    processingTimeMs: z.number(),
    fromCache: z.number().int().describe("Distinct hashes answered from the cache"),
    computed: z.number().int().describe("Distinct hashes scored by the model"),
    results: z.array(z.union([ScoreResultSchema, ItemErrorSchema])).describe("In input order"),
  })
  .meta({ id: "BatchPredictResponse" });

export { TransactionInputSchema };

export const TX_HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;
export const TxHashSchema = z.string().regex(TX_HASH_PATTERN, "must be 0x followed by 64 hex characters");

export const TransactionLookupRequestSchema = z
  .strictObject({
    hashes: z
      .array(TxHashSchema)
      .min(1, "hashes must hold at least 1 item")
      .max(1_000, "hashes may hold at most 1000 items"),
  })
  .meta({ id: "TransactionLookupRequest" });

const SEVERITY_VALUES = ["low", "medium", "high", "critical"] as const;

/** `severity=high,critical` or repeated `severity=high&severity=critical`. */
export const AnomalyQuerySchema = z
  .strictObject({
    limit: z.coerce
      .number()
      .int("limit must be an integer")
      .min(1, "limit must be at least 1")
      .max(1_000, "limit may be at most 1000")
      .default(100),
    severity: z
      .union([z.string(), z.array(z.string())])
      .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(",")))
      .pipe(
        z.array(
          z.enum(SEVERITY_VALUES, {
            error: () => `severity must be one of: ${SEVERITY_VALUES.join(", ")}`,
          }),
        ),
      )
      .optional(),
    since: z.iso
      .datetime({ offset: true, error: "since must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z" })
      .optional(),
    cursor: z.string().max(512).optional(),
  })
  .meta({ id: "AnomalyQuery" });

export const ReviewRequestSchema = z
  .strictObject({
    falsePositive: z.boolean(),
    note: z.string().max(2_000).optional(),
  })
  .meta({ id: "AnomalyReviewRequest" });

export const CacheWarmRequestSchema = z
  .strictObject({
    numRecent: z
      .number()
      .int("numRecent must be an integer")
      .min(1, "numRecent must be at least 1")
      .max(10_000, "numRecent may be at most 10000"),
  })
  .meta({ id: "CacheWarmRequest" });

export { SEVERITY_VALUES };
