import {
  MAX_SUPPRESSION_PAGE,
  ReviewEffectSchema,
  SUPPRESSIBLE_REASON_CODES,
  storableText,
} from "@chainwatch/store";
import { z } from "zod";
import { validationError } from "./errors.ts";
import { instantSchema, TimestampSchema } from "./instant.ts";
import { AnomalySchema, JobStatusSchema } from "./schemas.ts";
import { AddressSchema, LabelSchema } from "./screening-schemas.ts";

/**
 * Shapes of the review loop (docs/screening.md, "The review loop"): a review with an effect, the
 * suppressions it leaves, precision by reason code, and re-screening jobs. The effect's rules are the
 * store's own schema, so the API cannot accept an effect the store would refuse.
 */

/** Longest window of review statistics: a year and a day, so "last year" always fits. */
export const MAX_REVIEW_STATS_DAYS = 366;
export const DEFAULT_REVIEW_STATS_DAYS = 30;
/** Re-screening looks back at most this far: the stored results an analyst can still act on. */
export const MAX_RESCREEN_DAYS = 90;
/** Transactions a re-screening job lists in its status (all are re-evaluated; the count says how many). */
export const MAX_RESCREEN_LISTED = 1_000;

export const ReviewRequestSchema = z
  .strictObject({
    falsePositive: z.boolean(),
    note: z.string().max(2_000).optional(),
    effect: ReviewEffectSchema.optional().describe(
      "Only with falsePositive: true. allowlist: a label on an allow list for that party, expiring after `days`; suppress: mute `reasonCode` for that party for `days`. Both need a `reason`, are audited, and reach every replica within SCREENING_REFRESH_INTERVAL_SECONDS plus one load",
    ),
  })
  .refine((review) => review.effect === undefined || review.falsePositive, {
    path: ["effect"],
    error: "an effect needs falsePositive: true",
  })
  .meta({ id: "AnomalyReviewRequest" });

const SuppressionStatusSchema = z.enum(["active", "expired", "revoked"]);

export const SuppressionSchema = z
  .object({
    id: z.string(),
    chainId: z.number().int(),
    address: z.string(),
    reasonCode: z.string().describe(`One of: ${SUPPRESSIBLE_REASON_CODES.join(", ")}`),
    reason: z.string().describe("Why the reviewer muted it"),
    anomalyId: z.string().nullable().describe("The anomaly whose review created it"),
    createdBy: z.string(),
    createdAt: TimestampSchema,
    expiresAt: TimestampSchema,
    revokedBy: z.string().nullable(),
    revokedAt: TimestampSchema.nullable(),
    revokeReason: z.string().nullable(),
    status: SuppressionStatusSchema.describe(
      "active: applied by every replica; expired and revoked: kept as record",
    ),
  })
  .meta({ id: "Suppression" });

export const ReviewEffectResultSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("allowlist"),
      listId: z.string(),
      listCreated: z.boolean().describe("The default reviewed-allow list was created by this review"),
      label: LabelSchema,
    }),
    z.object({ type: z.literal("suppress"), suppression: SuppressionSchema }),
  ])
  .meta({ id: "ReviewEffectResult" });

export const ReviewedAnomalySchema = AnomalySchema.extend({
  effect: ReviewEffectResultSchema.nullable().describe("What the review did beside recording the verdict"),
}).meta({ id: "ReviewedAnomaly" });

export const SuppressionIdParamsSchema = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]{0,18}$/, "must be a suppression id (a positive integer)"),
});

export const SuppressionQuerySchema = z.strictObject({
  address: AddressSchema.optional(),
  status: z.enum(["active", "expired", "revoked", "all"]).default("all"),
  limit: z.coerce
    .number()
    .int("limit must be an integer")
    .min(1, "limit must be at least 1")
    .max(MAX_SUPPRESSION_PAGE, `limit may be at most ${MAX_SUPPRESSION_PAGE}`)
    .default(100),
  cursor: z.string().min(1).max(200).optional(),
});

export const SuppressionPageSchema = z
  .object({
    suppressions: z.array(SuppressionSchema).describe("Newest first"),
    nextCursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last"),
  })
  .meta({ id: "SuppressionPage" });

export const RevokeSuppressionRequestSchema = z
  .strictObject({ reason: storableText(1_000).optional().describe("Why it is revoked (kept with it)") })
  .meta({ id: "RevokeSuppressionRequest" });

export const RevokeSuppressionResponseSchema = z
  .object({
    suppression: SuppressionSchema,
    revoked: z.boolean().describe("false: it was revoked already (nothing changed)"),
  })
  .meta({ id: "RevokeSuppressionResponse" });

export const ReviewStatsQuerySchema = z.strictObject({
  since: instantSchema("since").optional().describe(`Default: until minus ${DEFAULT_REVIEW_STATS_DAYS} days`),
  until: instantSchema("until").optional().describe("Default: now"),
});

/** The window of a stats query: defaults filled in, since before until, at most MAX_REVIEW_STATS_DAYS. */
export function reviewStatsWindow(query: z.infer<typeof ReviewStatsQuerySchema>): {
  since: Date;
  until: Date;
} {
  const until = query.until ? new Date(query.until) : new Date();
  const since = query.since
    ? new Date(query.since)
    : new Date(until.getTime() - DEFAULT_REVIEW_STATS_DAYS * 86_400_000);
  if (since >= until)
    throw validationError("invalid query parameters", [
      { path: "since", message: "since must be before until" },
    ]);
  if (until.getTime() - since.getTime() > MAX_REVIEW_STATS_DAYS * 86_400_000)
    throw validationError("invalid query parameters", [
      { path: "since", message: `the window may be at most ${MAX_REVIEW_STATS_DAYS} days` },
    ]);
  return { since, until };
}

const CountsSchema = {
  reviewed: z.number().int(),
  confirmed: z.number().int().describe("Reviewed as real (falsePositive: false)"),
  falsePositives: z.number().int(),
  precision: z.number().min(0).max(1).nullable().describe("confirmed / reviewed; null when none is reviewed"),
};

export const ReviewStatsSchema = z
  .object({
    since: TimestampSchema,
    until: TimestampSchema,
    ...CountsSchema,
    byReason: z
      .array(z.object({ code: z.string(), ...CountsSchema }))
      .describe(
        "Per reason code that counted in the flagged verdict (not suppressed, evidence > 0), most reviewed first",
      ),
  })
  .meta({ id: "ReviewStats" });

export const RescreenRequestSchema = z
  .strictObject({
    days: z
      .number()
      .int("days must be a whole number")
      .min(1, "days must be at least 1")
      .max(MAX_RESCREEN_DAYS, `days may be at most ${MAX_RESCREEN_DAYS}`)
      .default(30)
      .describe("Look back this many days (by first sighting of the transaction)"),
  })
  .meta({ id: "RescreenRequest" });

const VerdictSummarySchema = z.object({
  riskScore: z.number(),
  riskLevel: z.enum(["low", "medium", "high", "critical"]),
  isAnomaly: z.boolean(),
});

export const RescreenJobSchema = z
  .object({
    id: z.string(),
    status: JobStatusSchema,
    address: z.string(),
    days: z.number().int(),
    since: TimestampSchema,
    total: z.number().int().describe("Stored results touching the address in the window"),
    processed: z.number().int(),
    changed: z.number().int().describe("Results whose stored verdict changed (recorded in rescreen_changes)"),
    anomaliesInserted: z.number().int().describe("Newly flagged results added to the review queue"),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema.nullable(),
    error: z.string().nullable(),
    transactions: z
      .array(
        z.object({
          hash: z.string(),
          role: z.enum(["from", "to", "self"]),
          modelVersion: z.string(),
          firstSeenAt: TimestampSchema,
          before: VerdictSummarySchema,
          after: VerdictSummarySchema,
          isChanged: z.boolean(),
          addedCodes: z.array(z.string()).describe("Reason codes the re-screen added (or un-muted)"),
          removedCodes: z.array(z.string()).describe("Reason codes it removed (or muted)"),
        }),
      )
      .describe(
        `The past transactions touching the address, oldest first by first sighting (the first ${MAX_RESCREEN_LISTED})`,
      ),
  })
  .meta({ id: "RescreenJob" });
export type RescreenJob = z.infer<typeof RescreenJobSchema>;
