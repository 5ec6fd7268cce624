import type { ScoringMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { TransactionConflict } from "@chainwatch/store";

/**
 * Makes content conflicts visible wherever the store reports them (gateway and worker alike): one warning
 * per conflict, constant message with fields, and `transaction_content_conflicts_total{source}`. The
 * conflict itself is already durable (the store wrote it in the same statement); the gateway also audits it.
 */
export function reportContentConflicts(
  conflicts: readonly TransactionConflict[] | undefined,
  options: { logger: Logger; metrics?: Pick<ScoringMetrics, "transactionContentConflictsTotal"> | undefined },
): void {
  for (const conflict of conflicts ?? []) {
    const source = conflict.origin?.source ?? "unknown";
    options.metrics?.transactionContentConflictsTotal.inc({ source });
    options.logger.warn(
      {
        conflictId: conflict.id,
        hash: conflict.hash,
        previousFingerprint: conflict.previousFingerprint,
        fingerprint: conflict.fingerprint,
        modelVersion: conflict.modelVersion,
        source,
        requestId: conflict.origin?.requestId ?? null,
        principal: conflict.origin?.principal ?? null,
      },
      "transaction content conflict: a known hash arrived with other content; re-scored and stored as the latest",
    );
  }
}
