import { createHash } from "node:crypto";
import type { AnomalyMessage } from "@chainwatch/kafka/formats";
import { z } from "zod";

export const ALERT_LEVELS = ["low", "medium", "high", "critical"] as const;
export const AlertLevelSchema = z.enum(ALERT_LEVELS);
export type AlertLevel = z.infer<typeof AlertLevelSchema>;

/** Rank of a level, for "at least" comparisons: low 0 … critical 3. */
export function levelRank(level: AlertLevel): number {
  return ALERT_LEVELS.indexOf(level);
}

/**
 * The chain an anomaly belongs to. The stream carries no chain id yet (one deployment watches one chain, and
 * labels default to chain 1), so every alert is chain 1 until the transaction schema names its chain.
 */
export const DEFAULT_CHAIN_ID = 1;

/**
 * What one alert says, decided once here: it is the outbox payload, the `data` of a signed webhook and the
 * source of the Slack text. Amounts in wei as decimal strings (JSON has no bigint). Version 1; a new
 * optional field keeps it.
 */
export const AlertSchema = z.object({
  hash: z.string(),
  chainId: z.number().int().positive(),
  level: AlertLevelSchema,
  riskScore: z.number().min(0).max(1),
  anomalyScore: z.number().min(0).max(1),
  modelVersion: z.string(),
  scoredAt: z.iso.datetime({ offset: true }),
  from: z.string().nullable(),
  to: z.string().nullable(),
  valueWei: z.string(),
  blockNumber: z.number().int().nullable(),
  reasons: z.array(
    z.object({ kind: z.string(), code: z.string(), message: z.string(), suppressed: z.boolean().optional() }),
  ),
  /** Where a person reads the transaction's result (ALERT_LINK_BASE_URL + the transaction lookup path). */
  link: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** The gateway path that shows one transaction's stored result. */
export function transactionLink(baseUrl: string, hash: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/api/v1/transactions/${hash}`;
}

/**
 * An alert from an anomalies-topic message. Older v1 messages have no combined verdict: the model's
 * severity and score stand in, as they did before the verdict existed.
 */
export function alertFromAnomaly(message: AnomalyMessage, linkBaseUrl: string): Alert {
  return {
    hash: message.hash,
    chainId: DEFAULT_CHAIN_ID,
    level: message.riskLevel ?? message.severity,
    riskScore: message.riskScore ?? message.anomalyScore,
    anomalyScore: message.anomalyScore,
    modelVersion: message.modelVersion,
    scoredAt: message.scoredAt,
    from: message.transaction.from?.toLowerCase() ?? null,
    to: message.transaction.to?.toLowerCase() ?? null,
    valueWei: message.transaction.valueWei,
    blockNumber: message.transaction.blockNumber,
    reasons: (message.reasons ?? []).map((reason) => ({
      kind: reason.kind,
      code: reason.code,
      message: reason.message,
      ...(reason.suppressed ? { suppressed: true } : {}),
    })),
    link: transactionLink(linkBaseUrl, message.hash),
  };
}

/**
 * The `webhook-id` of one alert to one destination: derived from both, so every redelivery of the
 * anomaly, every retry and every dispatcher sends the same id and a receiver can de-duplicate on it.
 */
export function alertMessageId(destinationId: string, hash: string): string {
  const digest = createHash("sha256").update(`${destinationId}\n${hash.toLowerCase()}`).digest("base64url");
  return `msg_${digest.slice(0, 32)}`;
}
