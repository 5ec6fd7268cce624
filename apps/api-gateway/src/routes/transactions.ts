import type { Repositories } from "@chainwatch/store";
import { Router } from "express";
import { notFound, validationError } from "../http/errors.ts";
import { TransactionLookupRequestSchema, TX_HASH_PATTERN } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export function transactionRoutes(options: { repositories: Repositories }): Router {
  const router = Router();

  router
    .route("/api/v1/transactions/:hash")
    .get(async (req, res) => {
      const hash = req.params.hash ?? "";
      if (!TX_HASH_PATTERN.test(hash)) {
        throw validationError("invalid transaction hash", [
          { path: "hash", message: "must be 0x followed by 64 hex characters" },
        ]);
      }
      const transaction = await fromDatabase(options.repositories.getTransaction(hash));
      if (!transaction) throw notFound(`transaction ${hash.toLowerCase()} has not been scored`);
      res.json(transaction);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/batch/transactions/lookup")
    .post(async (req, res) => {
      const { hashes } = parseOrThrow(
        TransactionLookupRequestSchema,
        requireJsonBody(req.body),
        "lookup request",
      );
      const transactions = await fromDatabase(options.repositories.lookupTransactions(hashes));
      res.json({ totalRequested: hashes.length, totalFound: transactions.length, transactions });
    })
    .all(methodNotAllowed(["POST"]));

  return router;
}
