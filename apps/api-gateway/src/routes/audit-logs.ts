import type { AuthRepositories } from "@chainwatch/store";
import { AuditLogPageSchema, AuditQuerySchema, AuditStatsSchema } from "../auth/schemas.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { parseOrThrow } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export function auditLogEndpoints(options: { repositories: AuthRepositories }): Endpoint[] {
  return [
    {
      operationId: "listAuditLogs",
      method: "get",
      path: "/api/v1/audit-logs",
      access: "audit:read",
      summary: "Audit trail, newest first (admin)",
      tag: "audit",
      query: AuditQuerySchema,
      response: AuditLogPageSchema,
      errors: [400, 503],
      handler: async (req, res) => {
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
      },
    },
    {
      operationId: "getAuditStats",
      method: "get",
      path: "/api/v1/audit-logs/stats",
      access: "audit:read",
      summary: "Audit counts by action and outcome",
      tag: "audit",
      query: AuditQuerySchema.pick({ since: true }),
      response: AuditStatsSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const { since } = parseOrThrow(AuditQuerySchema.pick({ since: true }), req.query, "query parameters");
        const from = since ? new Date(since) : new Date(Date.now() - 24 * 3_600_000);
        res.json({
          since: from.toISOString(),
          ...(await fromDatabase(options.repositories.auditStats(from))),
        });
      },
    },
  ];
}
