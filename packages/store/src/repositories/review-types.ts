import { z } from "zod";
import { LABEL_CATEGORIES, LIST_ID_PATTERN, type StoredLabel, storableText } from "./labels-types.ts";
import type { AnomalyView, Severity } from "./types.ts";

/**
 * Reason codes an analyst may mute for one address after a false positive: the model's and the context
 * signals. Label reasons are not on it: a deny label is never hidden (remove the label instead), and the
 * allow/watch reasons carry no evidence to mute.
 */
export const SUPPRESSIBLE_REASON_CODES = [
  "model_outlier",
  "sender_burst",
  "sender_fan_out",
  "value_above_sender_history",
  "new_sender_large_value",
  "first_seen_sender",
  "recipient_fan_in",
  "first_seen_recipient",
] as const;
export type SuppressibleReasonCode = (typeof SUPPRESSIBLE_REASON_CODES)[number];

/** The allow list a review writes to unless it names another (created, kind allow, on first use). */
export const REVIEWED_ALLOW_LIST_ID = "reviewed-allow";
/** Longest period a review effect may last: a year, so a forgotten allowlisting ends by itself. */
export const MAX_EFFECT_DAYS = 365;
export const MAX_SUPPRESSION_PAGE = 1_000;

const ReasonTextSchema = storableText(1_000).min(1, "must say why");
const PartySchema = z
  .enum(["from", "to"])
  .describe("Which party of the anomaly's transaction: from (sender) or to (recipient)");
const DaysSchema = z
  .number()
  .int("days must be a whole number")
  .min(1, "days must be at least 1")
  .max(MAX_EFFECT_DAYS, `days may be at most ${MAX_EFFECT_DAYS}`)
  .describe("How long the effect lasts, from now");

/** What a false-positive review may do beside recording the verdict. */
export const ReviewEffectSchema = z.discriminatedUnion("type", [
  z
    .strictObject({
      type: z.literal("allowlist"),
      party: PartySchema,
      days: DaysSchema,
      reason: ReasonTextSchema.describe("Why the address is known-good; stored in the label's note"),
      listId: z
        .string()
        .regex(LIST_ID_PATTERN, "must be a list slug")
        .default(REVIEWED_ALLOW_LIST_ID)
        .describe(`An existing allow list; default ${REVIEWED_ALLOW_LIST_ID} (created on first use)`),
      category: z.enum(LABEL_CATEGORIES).default("custom").describe("The label's category, e.g. exchange"),
    })
    .meta({ id: "ReviewAllowlistEffect" }),
  z
    .strictObject({
      type: z.literal("suppress"),
      party: PartySchema,
      reasonCode: z.enum(SUPPRESSIBLE_REASON_CODES),
      days: DaysSchema,
      reason: ReasonTextSchema.describe("Why this reason is noise for this address"),
    })
    .meta({ id: "ReviewSuppressEffect" }),
]);
export type ReviewEffect = z.input<typeof ReviewEffectSchema>;
export type ValidReviewEffect = z.output<typeof ReviewEffectSchema>;

export type SuppressionStatus = "active" | "expired" | "revoked";

/** One muted reason code for one address, as stored (never deleted: revoking records who and why). */
export interface Suppression {
  id: string;
  chainId: number;
  address: string;
  reasonCode: string;
  reason: string;
  /** The anomaly whose review created it. */
  anomalyId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedBy: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
  status: SuppressionStatus;
}

/** An active suppression as every scoring replica holds it (in the screening snapshot). */
export interface SuppressionEntry {
  suppressionId: string;
  address: string;
  chainId: number;
  reasonCode: string;
  /** ISO-8601; a replica stops applying it once this passes (expiry does not move the revision). */
  expiresAt: string;
  anomalyId: string | null;
}

export interface SuppressionQuery {
  address?: string;
  /** active: neither revoked nor expired; default all. */
  status?: SuppressionStatus | "all";
  limit: number;
  cursor?: string;
}

export interface SuppressionPage {
  suppressions: Suppression[];
  nextCursor: string | null;
}

export type ReviewEffectResult =
  | { type: "allowlist"; listId: string; listCreated: boolean; label: StoredLabel }
  | { type: "suppress"; suppression: Suppression };

export interface ReviewResult {
  anomaly: AnomalyView;
  /** null when the review asked for none. */
  effect: ReviewEffectResult | null;
}

/** Reviewed outcomes of one reason code: how often an anomaly it helped flag was confirmed. */
export interface ReasonPrecision {
  code: string;
  reviewed: number;
  confirmed: number;
  falsePositives: number;
  /** confirmed / reviewed; null when none is reviewed. */
  precision: number | null;
}

export interface ReviewStats {
  since: string;
  until: string;
  reviewed: number;
  confirmed: number;
  falsePositives: number;
  precision: number | null;
  /** By code, most reviewed first. */
  byReason: ReasonPrecision[];
}

/** What a re-screen compares: the verdict fields of one stored prediction. */
export interface StoredVerdict {
  riskScore: number;
  riskLevel: Severity;
  isAnomaly: boolean;
  reasons: unknown[];
}

/** A stored, served prediction of a transaction from or to the address being re-screened. */
export interface RescreenCandidate extends StoredVerdict {
  predictionId: string;
  txHash: string;
  from: string | null;
  to: string | null;
  modelVersion: string;
  firstSeenAt: string;
}

export interface RescreenUpdate {
  predictionId: string;
  txHash: string;
  before: StoredVerdict;
  after: StoredVerdict;
}
