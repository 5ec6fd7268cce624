import type { ReviewRepository } from "@chainwatch/store";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound } from "../http/errors.ts";
import {
  RescreenJobSchema,
  RescreenRequestSchema,
  RevokeSuppressionRequestSchema,
  RevokeSuppressionResponseSchema,
  SuppressionIdParamsSchema,
  SuppressionPageSchema,
  SuppressionQuerySchema,
} from "../http/review-schemas.ts";
import { JobAcceptedSchema } from "../http/schemas.ts";
import { AddressParamsSchema } from "../http/screening-schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import type { RescreenJobs } from "../persistence/rescreen-jobs.ts";

export interface ReviewLoopRouteOptions {
  review: Pick<ReviewRepository, "listSuppressions" | "revokeSuppression">;
  rescreenJobs: RescreenJobs;
  audit: AuditLog;
}

/**
 * What reviews leave behind, and undoing it (docs/screening.md, "The review loop"): suppressions are
 * listed to readers and revoked by analysts (`anomalies:review`, as the review that made them); an
 * allowlisting is a label, removed with DELETE /api/v1/labels/{id}. Re-screening an address rewrites stored
 * verdicts, so it needs `labels:write`, the permission that changes what screening does.
 */
export function reviewLoopEndpoints(options: ReviewLoopRouteOptions): Endpoint[] {
  const { review, rescreenJobs, audit } = options;
  return [
    {
      operationId: "listSuppressions",
      method: "get",
      path: "/api/v1/suppressions",
      access: "anomalies:read",
      summary: "Reason suppressions left by reviews, newest first, by address and status",
      tag: "anomalies",
      query: SuppressionQuerySchema,
      response: SuppressionPageSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(SuppressionQuerySchema, req.query, "query parameters");
        res.json(await fromDatabase(review.listSuppressions(query)));
      },
    },
    {
      operationId: "revokeSuppression",
      auditAction: "suppression.revoke",
      method: "post",
      path: "/api/v1/suppressions/{id}/revoke",
      access: "anomalies:review",
      summary: "End a suppression now; every replica applies the reason again within the refresh interval",
      tag: "anomalies",
      params: SuppressionIdParamsSchema,
      request: RevokeSuppressionRequestSchema,
      response: RevokeSuppressionResponseSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const { id } = parseOrThrow(SuppressionIdParamsSchema, req.params, "suppression id");
        const body = parseOrThrow(RevokeSuppressionRequestSchema, requireJsonBody(req.body), "revocation");
        const result = await fromDatabase(review.revokeSuppression(id, actorOf(res), body.reason ?? null));
        if (!result) throw notFound(`no suppression ${id}`);
        audit.record(req, res, {
          action: "suppression.revoke",
          outcome: "success",
          details: {
            suppressionId: id,
            address: result.suppression.address,
            reasonCode: result.suppression.reasonCode,
            revoked: result.revoked,
          },
        });
        res.json(result);
      },
    },
    {
      operationId: "startRescreen",
      auditAction: "address.rescreen",
      method: "post",
      path: "/api/v1/addresses/{address}/rescreen",
      access: "labels:write",
      rateTier: "batch",
      summary:
        "202: re-apply the current labels and suppressions to the address's stored results of the last `days` days",
      tag: "screening",
      params: AddressParamsSchema,
      request: RescreenRequestSchema,
      response: JobAcceptedSchema,
      status: 202,
      errors: [400, 409, 429],
      handler: (req, res) => {
        const { address } = parseOrThrow(AddressParamsSchema, req.params, "address");
        const { days } = parseOrThrow(RescreenRequestSchema, requireJsonBody(req.body), "rescreen request");
        const job = rescreenJobs.start({ address, days, actor: actorOf(res) });
        audit.record(req, res, {
          action: "address.rescreen",
          outcome: "success",
          details: { jobId: job.id, address, days },
        });
        const statusUrl = `/api/v1/rescreen-jobs/${job.id}`;
        res.status(202).location(statusUrl).json({ jobId: job.id, status: job.status, statusUrl });
      },
    },
    {
      operationId: "getRescreenJob",
      method: "get",
      path: "/api/v1/rescreen-jobs/{id}",
      access: "labels:write",
      rateTier: "batch",
      summary: "Progress of a re-screening job, and the past transactions touching the address",
      tag: "screening",
      response: RescreenJobSchema,
      errors: [404],
      handler: (req, res) => {
        const job = rescreenJobs.get(String(req.params.id ?? ""));
        if (!job) throw notFound("no such rescreen job on this instance");
        res.json(job);
      },
    },
  ];
}
