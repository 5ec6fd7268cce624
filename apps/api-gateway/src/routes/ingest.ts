import { type Response, Router } from "express";
import { HttpError, validationError } from "../http/errors.ts";
import { batchIngestRequestSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { requestIdOf } from "../middleware/request-id.ts";
import type { IngestService } from "../streaming/ingest.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

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
export function ingestRoutes(options: IngestRoutesOptions): Router {
  const router = Router();
  const batchSchema = batchIngestRequestSchema(options.batchMaxItems);

  router
    .route("/api/v1/transactions")
    .post(async (req, res: Response) => {
      const outcome = await options.ingest.ingest([requireJsonBody(req.body)], {
        requestId: requestIdOf(res),
      });
      const rejection = outcome.rejected[0];
      if (rejection) {
        if (rejection.error.code === "VALIDATION_ERROR") {
          throw validationError("invalid transaction", rejection.error.issues);
        }
        throw new HttpError(422, "UNSCOREABLE", rejection.error.message);
      }
      res.status(202).json(outcome);
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/batch/transactions")
    .post(async (req, res: Response) => {
      const { transactions } = parseOrThrow(batchSchema, requireJsonBody(req.body), "batch request");
      const outcome = await options.ingest.ingest(transactions, { requestId: requestIdOf(res) });
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
    })
    .all(methodNotAllowed(["POST"]));

  return router;
}
