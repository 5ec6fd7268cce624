import type { Repositories } from "@chainwatch/store";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound, validationError } from "../http/errors.ts";
import {
  StoredTransactionSchema,
  TransactionLookupRequestSchema,
  TransactionLookupResponseSchema,
  TX_HASH_PATTERN,
} from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export function transactionEndpoints(options: { repositories: Repositories }): Endpoint[] {
  return [
    {
      operationId: "getTransaction",
      method: "get",
      path: "/api/v1/transactions/{hash}",
      access: "transactions:read",
      summary: "A stored transaction with its latest prediction",
      tag: "lookup",
      response: StoredTransactionSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const hash = String(req.params.hash ?? "");
        if (!TX_HASH_PATTERN.test(hash)) {
          throw validationError("invalid transaction hash", [
            { path: "hash", message: "must be 0x followed by 64 hex characters" },
          ]);
        }
        const transaction = await fromDatabase(options.repositories.getTransaction(hash));
        if (!transaction) throw notFound(`transaction ${hash.toLowerCase()} has not been scored`);
        res.json(transaction);
      },
    },
    {
      operationId: "lookupTransactions",
      method: "post",
      path: "/api/v1/batch/transactions/lookup",
      access: "transactions:read",
      rateTier: "batch",
      bodyLimit: "large",
      summary: "Up to 1000 stored transactions by hash, in one query",
      tag: "lookup",
      request: TransactionLookupRequestSchema,
      response: TransactionLookupResponseSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const { hashes } = parseOrThrow(
          TransactionLookupRequestSchema,
          requireJsonBody(req.body),
          "lookup request",
        );
        const transactions = await fromDatabase(options.repositories.lookupTransactions(hashes));
        res.json({ totalRequested: hashes.length, totalFound: transactions.length, transactions });
      },
    },
  ];
}
