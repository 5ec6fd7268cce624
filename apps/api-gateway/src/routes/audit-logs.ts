import type { AuthRepositories } from "@chainwatch/store";
import { Router } from "express";
import { AuditQuerySchema } from "../auth/schemas.ts";
import { parseOrThrow } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export function auditLogRoutes(options: { repositories: AuthRepositories }): Router {
  const router = Router();

  router
    .route("/api/v1/audit-logs")
    .get(async (req, res) => {
      const query = parseOrThrow(AuditQuerySchema, req.query, "query parameters");
      const page = await fromDatabase(
        options.repositories.listAuditLogs({
          limit: query.limit,
          ...(query.action ? { action: query.action } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
          ...(query.principalId ? { principalId: query.principalId } : {}),
          ...(query.since ? { since: new Date(query.since) } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        }),
      );
      res.json(page);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/audit-logs/stats")
    .get(async (req, res) => {
      const { since } = parseOrThrow(AuditQuerySchema.pick({ since: true }), req.query, "query parameters");
      const from = since ? new Date(since) : new Date(Date.now() - 24 * 3_600_000);
      res.json({ since: from.toISOString(), ...(await fromDatabase(options.repositories.auditStats(from))) });
    })
    .all(methodNotAllowed(["GET"]));

  return router;
}
