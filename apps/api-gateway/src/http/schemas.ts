import { REASON_CODES } from "@chainwatch/context";
import { TransactionInputSchema } from "@chainwatch/model";
import { z } from "zod";
import { instantSchema, TimestampSchema } from "./instant.ts";

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

const RiskLevelSchema = z.enum(["low", "medium", "high", "critical"]);

export const ReasonSchema = z
  .object({
    kind: z.enum(["model", "context", "label", "rule"]),
    code: z.enum(REASON_CODES).describe("Stable code to switch on; the message may be reworded"),
    message: z.string().describe("A sentence with units, for people"),
    surprise: z
      .number()
      .min(0)
      .describe(
        "Evidence in decades: -log10 of how likely this is under normal behaviour; 0 = informational",
      ),
    data: z
      .record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]))
      .describe("The numbers behind the message"),
    suppressed: z
      .literal(true)
      .optional()
      .describe("Muted by an allow label on its address: shown, not counted in the verdict"),
  })
  .meta({ id: "Reason" });

export const ScoreResultSchema = z
  .object({
    hash: z.string(),
    isAnomaly: z
      .boolean()
      .describe("The combined verdict: riskScore at or above the deployment's RISK_THRESHOLD"),
    riskScore: z
      .number()
      .min(0)
      .max(1)
      .describe(
        "How anomalous in context (model and address history); 0.5 ≈ one in 400 under normal behaviour. Ranks transactions",
      ),
    riskLevel: RiskLevelSchema,
    reasons: z.array(ReasonSchema).describe("Strongest first"),
    anomalyScore: z.number().min(0).max(1).describe("The model's Isolation Forest score"),
    severity: z.enum(["low", "medium", "high", "critical"]).describe("The model's severity band"),
    confidence: z.number().min(0).max(1),
    explanation: z
      .array(FeatureContributionSchema)
      .optional()
      .describe("The features that made it stand out; omitted in batches asked with explanations=false"),
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

/** `{ transactions: [...] }` with 1..maxItems items; items are validated one by one by the route. */
function batchTransactionsRequestSchema(maxItems: number, id: string) {
  return z
    .strictObject({
      transactions: z
        .array(z.unknown())
        .min(1, "transactions must hold at least 1 item")
        .max(maxItems, `transactions may hold at most ${maxItems} items`),
    })
    .meta({ id });
}

export const batchPredictRequestSchema = (maxItems: number) =>
  batchTransactionsRequestSchema(maxItems, "BatchPredictRequest");

export const BatchPredictQuerySchema = z
  .object({
    explanations: z
      .enum(["true", "false"])
      .default("true")
      .describe("false: results without `explanation` (about a third of the bytes and of the CPU per item)"),
  })
  .meta({ id: "BatchPredictQuery" });

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
const REASON_KIND_VALUES = ["model", "context", "label", "rule"] as const;

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
    level: z
      .union([z.string(), z.array(z.string())])
      .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(",")))
      .pipe(
        z.array(
          z.enum(SEVERITY_VALUES, {
            error: () => `level must be one of: ${SEVERITY_VALUES.join(", ")}`,
          }),
        ),
      )
      .optional()
      .describe("The combined verdict's level (riskLevel; the model's severity where none): any of these"),
    since: instantSchema("since").optional(),
    reviewed: z
      .enum(["true", "false"], { error: () => "reviewed must be true or false" })
      .transform((value) => value === "true")
      .optional()
      .describe("true: reviewed anomalies only; false: those waiting for a review"),
    address: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, "address must be 0x and 40 hex digits")
      .transform((value) => value.toLowerCase())
      .optional()
      .describe("Only anomalies whose transaction has this sender or recipient"),
    reasonCode: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,99}$/, "reasonCode must be a reason code (lower case, digits, _)")
      .optional()
      .describe("Only anomalies with a non-suppressed reason of this code"),
    reasonKind: z
      .enum(REASON_KIND_VALUES, {
        error: () => `reasonKind must be one of: ${REASON_KIND_VALUES.join(", ")}`,
      })
      .optional()
      .describe("Only anomalies with a non-suppressed reason of this kind"),
    listId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "listId must be a screening list id")
      .optional()
      .describe("Only anomalies whose sender or recipient has an unexpired label on this screening list"),
    cursor: z.string().max(512).optional(),
  })
  .meta({ id: "AnomalyQuery" });

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

// --- Ingest and stream status (Kafka mode, or embedded when KAFKA_BROKERS is unset)

export const IngestItemErrorSchema = z
  .object({
    index: z.number().int().describe("Position of the item in the request"),
    hash: z.string().nullable(),
    error: z.object({
      code: z
        .enum(["VALIDATION_ERROR", "UNSCOREABLE"])
        .describe(
          "VALIDATION_ERROR: not a valid transaction (nothing published for it); UNSCOREABLE (embedded mode only): valid, but the model or store cannot handle it",
        ),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: "IngestItemError" });

export const IngestResponseSchema = z
  .object({
    mode: z
      .enum(["kafka", "embedded"])
      .describe("kafka: published to the input topic; embedded: scored and stored before this answer"),
    accepted: z
      .array(z.string())
      .describe("Distinct lower-case hashes accepted, in first-seen order; duplicates are published once"),
    rejected: z.array(IngestItemErrorSchema).describe("Per-item errors, in request order"),
  })
  .meta({ id: "IngestResponse" });

export const batchIngestRequestSchema = (maxItems: number) =>
  batchTransactionsRequestSchema(maxItems, "BatchIngestRequest");

export const StreamThroughputSchema = z
  .object({
    windowSeconds: z.number().describe("Seconds between the two offset samples compared"),
    consumedPerSecond: z.number().describe("Messages the group committed per second"),
    producedPerSecond: z.number().describe("Messages appended to the input topic per second"),
  })
  .nullable()
  .describe("null until two samples at least a second apart exist")
  .meta({ id: "StreamThroughput" });

/** The embedded gateway's chain follower (CHAIN_RPC_URL), as `ChainFollower.status()` reports it. */
export const ChainFollowStatusSchema = z
  .object({
    chainId: z.number().int(),
    isRunning: z.boolean(),
    headBlock: z
      .number()
      .int()
      .nullable()
      .describe("Newest block the node reported; null before the first poll"),
    processedBlock: z.number().int().nullable().describe("Newest block scored and checkpointed"),
    processedHash: z.string().nullable(),
    lagBlocks: z.number().int().nullable(),
    lagSeconds: z.number().int().nullable().describe("Wall clock minus the processed block's timestamp"),
    reorgs: z.number().int().describe("Reorganisations handled since start"),
    lastReorgDepth: z.number().int().nullable(),
    lastError: z.string().nullable().describe("The last failed round's error; null once a round succeeds"),
    subscription: z
      .enum(["off", "connected", "disconnected"])
      .describe(
        "off: polling only (HTTP URL); connected: new heads pushed over WebSocket; disconnected: polling until the socket is back",
      ),
    mempool: z
      .object({
        tracked: z.number().int().describe("Pending transactions held in memory now"),
        seen: z.number().int().describe("Scored while pending since start"),
        mined: z.number().int(),
        replaced: z.number().int(),
        dropped: z.number().int(),
        skipped: z
          .number()
          .int()
          .describe("Announced but not scored while pending (bound reached, gone, failed)"),
      })
      .nullable()
      .describe("Mempool mode (CHAIN_MEMPOOL); null when off"),
  })
  .meta({ id: "ChainFollowStatus" });

export const StreamStatusSchema = z
  .discriminatedUnion("mode", [
    z.object({
      mode: z.literal("kafka"),
      topic: z.string(),
      groupId: z.string(),
      state: z.string().describe("Stable, PreparingRebalance, CompletingRebalance, Empty or Dead"),
      members: z.array(
        z.object({
          memberId: z.string(),
          clientId: z.string(),
          host: z.string(),
          partitions: z.array(z.number().int()),
        }),
      ),
      partitions: z.array(
        z.object({
          partition: z.number().int(),
          committedOffset: z
            .string()
            .nullable()
            .describe("Next offset the group consumes; null before its first commit"),
          highWatermark: z.string(),
          lag: z.number().int(),
          memberId: z.string().nullable(),
        }),
      ),
      totalLag: z.number().int(),
      throughput: StreamThroughputSchema,
      sampledAt: z.string(),
    }),
    z.object({
      mode: z.literal("embedded"),
      description: z.string(),
      totals: z.object({ accepted: z.number().int(), rejected: z.number().int() }),
      throughput: StreamThroughputSchema,
      chain: ChainFollowStatusSchema.optional().describe(
        "Present when the gateway follows a chain (CHAIN_RPC_URL)",
      ),
      sampledAt: z.string(),
    }),
  ])
  .meta({ id: "StreamStatus" });

// --- Stored transactions, predictions and anomalies (the store's views, as the routes send them)

const Severity = z.enum(SEVERITY_VALUES);

export const StoredPredictionSchema = z
  .object({
    id: z.string(),
    txHash: z.string(),
    modelVersion: z.string(),
    isAnomaly: z.boolean().describe("The combined verdict"),
    riskScore: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .describe("null for predictions stored before the combined verdict"),
    riskLevel: RiskLevelSchema.nullable(),
    reasons: z.array(ReasonSchema),
    anomalyScore: z.number().min(0).max(1),
    severity: Severity,
    confidence: z.number().min(0).max(1),
    explanation: z.array(FeatureContributionSchema),
    features: z
      .record(z.string(), z.number())
      .nullable()
      .describe("The feature vector it was scored with (spec 1 and context features)"),
    createdAt: TimestampSchema,
  })
  .meta({ id: "StoredPrediction" });

export const ChainTransactionStatusSchema = z
  .object({
    status: z
      .enum(["pending", "mined", "replaced", "dropped", "removed"])
      .describe(
        "pending: announced by the node, scored before its block; mined: in a canonical block; replaced: another transaction of its sender and nonce was mined; dropped: not mined within CHAIN_MEMPOOL_DROP_AFTER_SECONDS; removed: every inclusion orphaned by a reorg",
      ),
    pendingSeenAt: TimestampSchema.nullable().describe("When mempool mode first saw it pending"),
    resolvedAt: TimestampSchema.nullable().describe("When it left the pending state"),
    replacedBy: z.string().nullable().describe("The mined transaction of the same sender and nonce"),
    leadTimeMs: z
      .number()
      .int()
      .nullable()
      .describe("Seen pending → its block seen: how long before inclusion it was scored"),
    pendingContentFingerprint: z
      .string()
      .nullable()
      .describe(
        "The content scored while pending, which the mined content replaced: its anomaly (if any) is the transaction's one anomaly, and its alert is not sent again",
      ),
  })
  .meta({ id: "ChainTransactionStatus" });

export const StoredTransactionSchema = z
  .object({
    hash: z.string().describe("Lower-case"),
    blockNumber: z.number().int().nullable(),
    blockTimestamp: TimestampSchema.nullable(),
    from: z.string().nullable(),
    to: z.string().nullable().describe("null: contract creation"),
    valueWei: z.string().describe("Wei as a decimal string (JSON has no 256-bit integers)"),
    gas: z.string().describe("Decimal string"),
    gasPriceWei: z.string().describe("Decimal string"),
    maxFeePerGasWei: z.string().nullable(),
    maxPriorityFeePerGasWei: z.string().nullable(),
    nonce: z.number().int().nullable(),
    inputSize: z.number().int().describe("Bytes of call data (the data itself is not stored)"),
    selector: z.string().nullable().describe("4-byte function selector of the call data"),
    txType: z.number().int().nullable(),
    firstSeenAt: TimestampSchema,
    contentFingerprint: z
      .string()
      .nullable()
      .describe(
        "Fingerprint of the stored content; null for a row stored before fingerprints and not seen since",
      ),
    contentChangedAt: TimestampSchema.nullable().describe(
      "When different content last replaced this hash's stored content (a conflict); null: never",
    ),
    latestPrediction: StoredPredictionSchema.nullable().describe("The latest served prediction"),
    chain: ChainTransactionStatusSchema.nullable().describe(
      "What a followed chain says about it; null for transactions no chain follower saw",
    ),
  })
  .meta({ id: "StoredTransaction" });

export const TransactionLookupResponseSchema = z
  .object({
    totalRequested: z.number().int(),
    totalFound: z.number().int(),
    transactions: z
      .array(StoredTransactionSchema)
      .describe("The stored ones only; unknown hashes are left out"),
  })
  .meta({ id: "TransactionLookupResponse" });

export const AnomalySchema = z
  .object({
    id: z.string(),
    txHash: z.string(),
    modelVersion: z.string(),
    riskScore: z.number().min(0).max(1).nullable(),
    riskLevel: RiskLevelSchema.nullable(),
    reasons: z.array(ReasonSchema),
    anomalyScore: z.number().min(0).max(1),
    severity: Severity,
    confidence: z.number().min(0).max(1),
    features: z.record(z.string(), z.number()).nullable().describe("Feature values the model saw"),
    explanation: z.array(FeatureContributionSchema),
    detectedAt: TimestampSchema,
    reviewed: z.boolean(),
    reviewedBy: z.string().nullable(),
    reviewedAt: TimestampSchema.nullable(),
    falsePositive: z.boolean().nullable(),
    reviewNote: z.string().nullable(),
  })
  .meta({ id: "Anomaly" });

export const AnomalyPageSchema = z
  .object({
    items: z.array(AnomalySchema).describe("Newest first"),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
    total: z.number().int().describe("Anomalies matching severity and since (the cursor does not narrow it)"),
    count: z.number().int().describe("Items on this page"),
    cached: z.boolean().describe("Answered from the query cache"),
  })
  .meta({ id: "AnomalyPage" });

export const AnomalyStatsSchema = z
  .object({
    total: z.number().int(),
    reviewed: z.number().int(),
    falsePositives: z.number().int(),
    falsePositiveRate: z.number().describe("falsePositives / reviewed; 0 when nothing is reviewed yet"),
    bySeverity: z.object({
      low: z.number().int(),
      medium: z.number().int(),
      high: z.number().int(),
      critical: z.number().int(),
    }),
  })
  .meta({ id: "AnomalyStats" });

// --- Background jobs (cache warming here, training in model-schemas.ts)

export const JobStatusSchema = z.enum(["running", "succeeded", "failed"]);

export const JobAcceptedSchema = z
  .object({
    jobId: z.string(),
    status: JobStatusSchema,
    statusUrl: z.string().describe("Poll it for progress (also the Location header); this replica only"),
  })
  .meta({ id: "JobAccepted" });

export const CacheWarmJobSchema = z
  .object({
    id: z.string(),
    status: JobStatusSchema,
    requested: z.number().int(),
    found: z.number().int().describe("Recent predictions found in the store"),
    loaded: z.number().int().describe("Written to the cache so far"),
    failed: z.number().int(),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema.nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "CacheWarmJob" });
