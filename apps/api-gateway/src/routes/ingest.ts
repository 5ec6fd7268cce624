import type { Endpoint } from "../http/endpoint.ts";
import { HttpError, validationError } from "../http/errors.ts";
import { batchIngestRequestSchema, IngestResponseSchema, TransactionInputSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { requestIdOf } from "../middleware/request-id.ts";
import { recordOriginOf } from "../persistence/record-origin.ts";
import type { IngestService } from "../streaming/ingest.ts";

export interface IngestRoutesOptions {
  ingest: IngestService;
  batchMaxItems: number;
}

/**
 * POST /api/v1/transactions (one) and POST /api/v1/batch/transactions (1..BATCH_MAX_ITEMS): 202 with the
 * accepted hashes. Kafka mode: published to the input topic, scored by the workers shortly after.
 * Embedded mode: scored and stored before the answer. Invalid items are rejected one by one (nothing is
 * published for them); a request with no valid item is a 400; Kafka or the store unavailable is a 503.
 */
export function ingestEndpoints(options: IngestRoutesOptions): Endpoint[] {
  const batchSchema = batchIngestRequestSchema(options.batchMaxItems);
  return [
    {
      operationId: "ingestTransaction",
      method: "post",
      path: "/api/v1/transactions",
      access: "ingest",
      summary:
        "202: accept one transaction for stream scoring (Kafka mode: published to the input topic; embedded mode: scored and stored before the answer). 422 UNSCOREABLE (embedded only), 503 KAFKA_UNAVAILABLE",
      tag: "ingest",
      request: TransactionInputSchema,
      response: IngestResponseSchema,
      status: 202,
      errors: [400, 405, 413, 415, 422, 429, 503],
      handler: async (req, res) => {
        const outcome = await options.ingest.ingest([requireJsonBody(req.body)], {
          requestId: requestIdOf(res),
          origin: recordOriginOf(req, res, "ingest"),
        });
        const rejection = outcome.rejected[0];
        if (rejection) {
          if (rejection.error.code === "VALIDATION_ERROR") {
            throw validationError("invalid transaction", rejection.error.issues);
          }
          throw new HttpError(422, "UNSCOREABLE", rejection.error.message);
        }
        res.status(202).json(outcome);
      },
    },
    {
      operationId: "ingestTransactionBatch",
      method: "post",
      path: "/api/v1/batch/transactions",
      access: "ingest",
      rateTier: "batch",
      bodyLimit: "large",
      summary: `202: accept 1..${options.batchMaxItems} transactions; invalid items are rejected one by one and not published, 400 if none is valid, 503 KAFKA_UNAVAILABLE`,
      tag: "ingest",
      request: batchSchema,
      response: IngestResponseSchema,
      status: 202,
      errors: [400, 405, 413, 415, 429, 503],
      handler: async (req, res) => {
        const { transactions } = parseOrThrow(batchSchema, requireJsonBody(req.body), "batch request");
        const outcome = await options.ingest.ingest(transactions, {
          requestId: requestIdOf(res),
          origin: recordOriginOf(req, res, "ingest"),
        });
        if (outcome.accepted.length === 0) {
          throw validationError(
            "no valid transaction in the batch",
            outcome.rejected.flatMap((item) =>
              item.error.issues.length > 0
                ? item.error.issues.map((issue) => ({
                    ...issue,
                    path: `transactions.${item.index}.${issue.path}`,
                  }))
                : [{ path: `transactions.${item.index}`, message: item.error.message }],
            ),
          );
        }
        res.status(202).json(outcome);
      },
    },
  ];
}
