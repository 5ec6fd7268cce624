import { type NormalizedTransaction, safeNormalizeTransaction } from "@chainwatch/model";
import type { ScoreResult, TransactionPipeline } from "@chainwatch/scoring";
import type { Endpoint } from "../http/endpoint.ts";
import { validationError } from "../http/errors.ts";
import {
  BatchPredictQuerySchema,
  BatchPredictResponseSchema,
  batchPredictRequestSchema,
  ScoreResultSchema,
  TransactionInputSchema,
} from "../http/schemas.ts";
import { sendJson } from "../http/send-json.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { recordOriginOf } from "../persistence/record-origin.ts";

export interface PredictRoutesOptions {
  batchMaxItems: number;
  /**
   * Scores and answers; the records are stored after the response (write-behind). The request's origin goes
   * with them, so a content conflict found when they are written (a known hash with other content) is
   * audited against this request.
   */
  pipeline: Pick<TransactionPipeline, "scoreDeferred">;
}

/** A result for clients that only need the verdict (bulk screening): same fields, no explanation. */
function withoutExplanation(result: ScoreResult): Omit<ScoreResult, "explanation"> {
  return {
    hash: result.hash,
    isAnomaly: result.isAnomaly,
    riskScore: result.riskScore,
    riskLevel: result.riskLevel,
    reasons: result.reasons,
    anomalyScore: result.anomalyScore,
    severity: result.severity,
    confidence: result.confidence,
    modelVersion: result.modelVersion,
    cached: result.cached,
  };
}

export function predictEndpoints(options: PredictRoutesOptions): Endpoint[] {
  const batchSchema = batchPredictRequestSchema(options.batchMaxItems);
  const scoring = {
    method: "post",
    access: "score",
    tag: "scoring",
    // 503 STORE_BACKLOGGED: the store is behind and the call's records would not fit its write-behind queue.
    errors: [400, 405, 413, 415, 429, 503],
  } as const;

  const predictOne: Endpoint = {
    ...scoring,
    operationId: "predict",
    path: "/api/v1/predict",
    compress: false,
    summary: "Score one transaction (simple shape or Ethereum JSON-RPC object)",
    request: TransactionInputSchema,
    response: ScoreResultSchema,
    handler: async (req, res) => {
      const normalized = safeNormalizeTransaction(requireJsonBody(req.body));
      if (!normalized.ok) throw validationError("invalid transaction", normalized.error.issues);
      const origin = recordOriginOf(req, res, "predict");
      const { results } = await options.pipeline.scoreDeferred([normalized.value], origin);
      sendJson(res, results[0]);
    },
  };

  const predictBatch: Endpoint = {
    ...scoring,
    operationId: "predictBatch",
    path: "/api/v1/batch/predict",
    rateTier: "batch",
    bodyLimit: "large",
    summary: `Score 1..${options.batchMaxItems} transactions; invalid items get a per-item error, the rest are scored`,
    query: BatchPredictQuerySchema,
    request: batchSchema,
    response: BatchPredictResponseSchema,
    handler: async (req, res) => {
      const startedAt = performance.now();
      const { explanations } = parseOrThrow(BatchPredictQuerySchema, req.query, "batch query");
      const { transactions } = parseOrThrow(batchSchema, requireJsonBody(req.body), "batch request");
      const parsed = transactions.map((item) => safeNormalizeTransaction(item));
      const valid: NormalizedTransaction[] = [];
      for (const item of parsed) if (item.ok) valid.push(item.value);
      if (valid.length === 0) {
        const issues = parsed.flatMap((item, index) =>
          item.ok
            ? []
            : item.error.issues.map((issue) => ({ ...issue, path: `transactions.${index}.${issue.path}` })),
        );
        throw validationError("no valid transaction in the batch", issues);
      }
      const outcome = await options.pipeline.scoreDeferred(valid, recordOriginOf(req, res, "predict"));
      let next = 0;
      const scored = explanations === "false" ? outcome.results.map(withoutExplanation) : outcome.results;
      const results = parsed.map((item, index) => {
        if (item.ok) return scored[next++];
        const raw = transactions[index] as { hash?: unknown } | null;
        return {
          index,
          hash: typeof raw?.hash === "string" ? raw.hash : null,
          error: { code: "VALIDATION_ERROR", message: "invalid transaction", issues: item.error.issues },
        };
      });
      let totalAnomalies = 0;
      for (const result of outcome.results) if (result.isAnomaly) totalAnomalies += 1;
      sendJson(res, {
        totalProcessed: valid.length,
        totalAnomalies,
        totalErrors: parsed.length - valid.length,
        processingTimeMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
        fromCache: outcome.fromCache,
        computed: outcome.computed,
        results,
      });
    },
  };

  return [predictOne, predictBatch];
}
