import { type Alert, DEFAULT_CHAIN_ID, transactionLink } from "@chainwatch/alerts";
import type { ScoredItem } from "@chainwatch/scoring";

/**
 * The alerts of an embedded ingest: what the scoring worker would publish to the anomalies topic (the
 * combined verdict's anomalies), once per hash, in the alert shape the dispatcher delivers.
 */
export function alertsOfScored(scored: readonly ScoredItem<unknown>[], linkBaseUrl: string): Alert[] {
  const alerts = new Map<string, Alert>();
  for (const { result, transaction, record } of scored) {
    if (!result.isAnomaly || alerts.has(transaction.hash)) continue;
    alerts.set(transaction.hash, {
      hash: transaction.hash,
      chainId: DEFAULT_CHAIN_ID,
      level: result.riskLevel,
      riskScore: result.riskScore,
      anomalyScore: result.anomalyScore,
      modelVersion: result.modelVersion,
      scoredAt: (record.scoredAt ?? new Date()).toISOString(),
      from: transaction.from?.toLowerCase() ?? null,
      to: transaction.to?.toLowerCase() ?? null,
      valueWei: transaction.valueWei.toString(),
      blockNumber: transaction.blockNumber,
      reasons: result.reasons.map((reason) => ({
        kind: reason.kind,
        code: reason.code,
        message: reason.message,
        ...(reason.suppressed ? { suppressed: true } : {}),
      })),
      link: transactionLink(linkBaseUrl, transaction.hash),
    });
  }
  return [...alerts.values()];
}
